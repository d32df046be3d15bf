"""The platforms a post can go to: each one's limit, how it counts, and how it reads a post."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from recap_mailer import cards
from recap_mailer.social import bluesky, counting

LANDSCAPE, PORTRAIT = cards.CARD_SIZES
_GRAPHEME = regex.compile(r"\X", regex.DOTALL)


@dataclass(frozen=True)
class Rules:
    """How one platform counts and reads a post."""

    label: str
    limit: int
    unit: str
    count: Callable[[str], int]
    threads: bool
    alt_limit: int
    card: tuple[int, int]
    link_in_text: bool = True
    max_hashtags: int | None = None
    byte_limit: int | None = None
    long_form: bool = False
    needs_image: bool = False  # the platform refuses a post without an image or a video
    #: The text the platform posts for a text pasted in, and its link facets (Bluesky).
    posted: Callable[[str], tuple[str, tuple[bluesky.LinkFacet, ...]]] | None = None
    #: Where the feed hides the rest of a post behind "see more", narrowest screen first:
    #: (screen, how much of the platform's count it shows).
    folds: tuple[tuple[str, int], ...] = ()


#: The platforms, their limits and how each counts (docs/recap-format.md lists them).
RULES: dict[str, Rules] = {
    "x": Rules("X", 280, "weighted", counting.x_weighted_length, True, 1000, LANDSCAPE,
               max_hashtags=2),
    "bluesky": Rules("Bluesky", 300, "graphemes", counting.bluesky_length, True, 2000,
                     LANDSCAPE, byte_limit=3000, posted=bluesky.shorten),
    "mastodon": Rules("Mastodon", 500, "graphemes", counting.mastodon_length, True, 1500,
                      LANDSCAPE),
    "linkedin": Rules("LinkedIn", 3000, "utf16", counting.linkedin_length, False, 1000,
                      LANDSCAPE, long_form=True, max_hashtags=5,
                      folds=(("phones", 140), ("desktop", 210))),
    "threads": Rules("Threads", 500, "threads", counting.threads_length, True, 1000,
                     LANDSCAPE, max_hashtags=1),
    "instagram": Rules("Instagram", 2200, "utf16", counting.instagram_length, False, 1000,
                       PORTRAIT, link_in_text=False, max_hashtags=5, long_form=True,
                       needs_image=True),
}


def card_path(quote_id: str, platform: str) -> str:
    """Return the quote card a post carries: ``cards/<quote-id>-<width>x<height>.png``."""
    return cards.card_path(quote_id, RULES[platform].card)


def fold_at(platform: str, text: str, shown: int) -> int | None:
    """Return where ``text`` folds when ``shown`` of its count shows (at a grapheme), or None
    when it shows whole."""
    count = RULES[platform].count
    if count(text) <= shown:
        return None
    ends = [m.end() for m in _GRAPHEME.finditer(text)]
    # A longer prefix never counts less: bisect for the last grapheme end that still shows.
    low, high = 0, len(ends)
    while low < high:
        middle = (low + high) // 2
        if count(text[: ends[middle]]) <= shown:
            low = middle + 1
        else:
            high = middle
    return ends[low - 1] if low else 0
