"""A campaign's card files: their paths, and rendering them, keeping the cards already drawn."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from recap_mailer.cards import draw, fonts, layout, runs, text
from recap_mailer.cards.stamp import card_inputs, card_stamp
from recap_mailer.model import Campaign, Quote

#: Card sizes: 16:9 serves X, Bluesky, Mastodon and LinkedIn; 4:5 is Instagram's.
CARD_SIZES = ((1600, 900), (1080, 1350))

#: The cards of the latest render, by the hash of their inputs: a rebuild in the same process
#: redraws only the cards whose inputs changed. Holding exactly one campaign's cards, however
#: many, means no thrashing on a large campaign and no growth across many.
_DRAWN: dict[str, bytes] = {}


def card_path(quote_id: str, size: tuple[int, int]) -> str:
    """Return the card's path inside the output folder: ``cards/<quote-id>-1600x900.png``."""
    width, height = size
    return f"cards/{quote_id}-{width}x{height}.png"


def card_paths(campaign: Campaign) -> list[str]:
    """Return the path of every card the campaign has, as ``render_cards`` keys them."""
    return [card_path(quote.id, size) for quote in campaign.quotes for size in CARD_SIZES]


def render_cards(campaign: Campaign, previous: Mapping[str, bytes] | None = None,
                 ) -> dict[str, bytes]:
    """Render a card per quote and size, keyed ``cards/<quote-id>-<width>x<height>.png``."""
    # A card is drawn only if neither this process nor ``previous`` (the last build's cards,
    # by path) has one stamped with the same inputs.
    cards: dict[str, bytes] = {}
    drawn: dict[str, bytes] = {}
    for path, key, quote, size, kept in _each_card(campaign, previous):
        if key not in drawn:
            drawn[key] = kept if kept is not None else draw.render_card(quote, campaign, size)
        cards[path] = drawn[key]
    _DRAWN.clear()
    _DRAWN.update(drawn)
    return cards


def _each_card(campaign: Campaign, previous: Mapping[str, bytes] | None,
               ) -> Iterator[tuple[str, str, Quote, tuple[int, int], bytes | None]]:
    """Yield each card's path, inputs, quote and size, and its bytes if they can be kept."""
    for quote in campaign.quotes:
        for size in CARD_SIZES:
            key = card_inputs(quote, campaign, size)
            path = card_path(quote.id, size)
            if key in _DRAWN:
                yield path, key, quote, size, _DRAWN[key]
            elif previous and path in previous and _stamped_with(previous[path], key):
                yield path, key, quote, size, previous[path]
            else:
                yield path, key, quote, size, None


def _stamped_with(png: bytes, inputs: str) -> bool:
    stamp = card_stamp(png)
    return stamp is not None and stamp.get("inputs") == inputs


def clear_caches() -> None:
    """Forget every card, setting, advance and sized font, as a new process starts without."""
    # For tests and benchmarks that must draw afresh; the font files stay read.
    _DRAWN.clear()
    layout.set_text.cache_clear()
    text.reference_advance.cache_clear()
    text.families_for.cache_clear()
    runs.place.cache_clear()
    runs.split.cache_clear()
    fonts.font.cache_clear()
