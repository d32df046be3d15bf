"""Posts built around the key quotes: one (or a numbered thread) per quote per platform.

Each post is counted by its platform's own rules (counting.py, platforms.py) and never passes
its limit (fitting.py). The quote card always carries the whole quote. A Bluesky post's text is
what the app posts (links shortened, each in a link facet); its copy text keeps full links.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from recap_mailer.model import PLATFORMS, Campaign
from recap_mailer.social import counting
from recap_mailer.social.bluesky import LinkFacet
from recap_mailer.social.fitting import alt_text, fit_quote, single_post
from recap_mailer.social.framing import post_link
from recap_mailer.social.platforms import RULES, card_path
from recap_mailer.social.voice import PostTemplates, default_post_templates


@dataclass(frozen=True)
class Post:
    """One post, ready to copy: its text, how long its platform counts it, and what it shows."""

    id: str
    platform: str
    text: str
    length: int
    limit: int
    unit: str
    quote_id: str
    session_id: str
    link: str
    image: str | None
    alt: str | None
    part: int = 1
    parts: int = 1
    #: The slice of the quote's text this post shows, as [start, end) code point offsets;
    #: None for a thread's last post when it holds only the attribution.
    quote_span: tuple[int, int] | None = None
    trimmed: bool = False
    #: The text to paste into the app, where it posts another (Bluesky shortens links).
    written: str | None = None
    #: Where the platform takes them (Bluesky), the link facets of ``text``.
    facets: tuple[LinkFacet, ...] | None = None
    #: On a thread's first part, the quote as one post (trimmed if it must be, with credit
    #: and link): what goes to a scheduler whose import cannot carry a thread.
    single: str | None = None
    single_length: int | None = None

    @property
    def copy_text(self) -> str:
        """Return the text to paste into the platform's app or a scheduler: links in full."""
        return self.written if self.written is not None else self.text

    def as_json(self) -> dict[str, Any]:
        """Return the post as plain JSON data."""
        rules = RULES[self.platform]
        return {
            "id": self.id, "platform": self.platform, "text": self.text,
            "copy_text": self.copy_text,
            "facets": None if self.facets is None else [f.as_json() for f in self.facets],
            "length": self.length, "limit": self.limit, "unit": self.unit,
            "bytes": counting.utf8_bytes(self.text), "byte_limit": rules.byte_limit,
            "quote_id": self.quote_id, "session_id": self.session_id, "link": self.link,
            "image": self.image, "alt": self.alt,
            "thread": {"part": self.part, "parts": self.parts},
            "quote_span": list(self.quote_span) if self.quote_span else None,
            "trimmed": self.trimmed,
            "single": None if self.single is None else {
                "copy_text": self.single, "length": self.single_length},
        }

    @property
    def whole_text(self) -> str | None:
        """Return the text of the quote as one post, to paste where threads cannot go; None
        for a thread's later parts (the first part's whole text covers them)."""
        if self.part > 1:
            return None
        return self.single if self.single is not None else self.copy_text


# --- the stage ----------------------------------------------------------------------------

def compose_posts(campaign: Campaign,
                  templates: PostTemplates | None = None) -> tuple[Post, ...]:
    """Return every post: each quote (most important first) on each enabled platform, in
    the shape of its platform's post template (the default theme's if none are given)."""
    templates = templates or default_post_templates()
    order = {p: i for i, p in enumerate(PLATFORMS)}
    platforms = sorted(campaign.social.enabled, key=lambda s: order[s.platform])
    quotes = sorted(enumerate(campaign.quotes), key=lambda iq: (iq[1].priority, iq[0]))
    posts: list[Post] = []
    for _, quote in quotes:
        for settings in platforms:
            platform = settings.platform
            rules = RULES[platform]
            limit = settings.limit or rules.limit
            template = templates.on(platform)
            pieces = fit_quote(campaign, quote, settings, template)
            single = single_post(campaign, quote, settings, template)[0].text \
                if len(pieces) > 1 else None
            link = post_link(campaign, quote, platform)
            alt = alt_text(campaign, quote, rules.alt_limit)
            for part, piece in enumerate(pieces, start=1):
                text, written, facets = piece.text, None, None
                if rules.posted is not None:
                    text, facets = rules.posted(piece.text)
                    written = piece.text
                posts.append(Post(
                    id=f"{quote.id}-{platform}-{part}", platform=platform, text=text,
                    written=written, facets=facets,
                    length=rules.count(piece.text), limit=limit, unit=rules.unit,
                    quote_id=quote.id, session_id=quote.session.id, link=link,
                    image=card_path(quote.id, platform) if part == 1 else None,
                    alt=alt if part == 1 else None, part=part, parts=len(pieces),
                    quote_span=piece.span, trimmed=piece.trimmed,
                    single=single if part == 1 else None,
                    single_length=rules.count(single) if single and part == 1 else None,
                ))
    return tuple(posts)


def posts_json(posts: Iterable[Post]) -> str:
    """Return posts.json: stable, sorted keys, UTF-8 text with U+2028/U+2029 escaped."""
    data = {"format": 1, "posts": [post.as_json() for post in posts]}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)
    # Valid JSON either way, but a raw line separator breaks JavaScript that embeds it.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def platform_text(posts: Iterable[Post], platform: str) -> str:
    """Return posts/<platform>.txt: each post between marker lines, ready to copy."""
    rules = RULES[platform]
    blocks = []
    for post in posts:
        if post.platform != platform:
            continue
        where = f" · {post.part}/{post.parts}" if post.parts > 1 else ""
        lines = [f"===== {post.quote_id}{where} · {post.length}/{post.limit} {rules.unit} =====",
                 post.copy_text]
        if post.image:
            lines.append(f"----- image: {post.image}")
            lines.append(f"----- alt: {post.alt}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def post_files(posts: tuple[Post, ...]) -> dict[str, bytes]:
    """Return posts.json and posts/<platform>.txt for a build's files."""
    files = {"posts.json": posts_json(posts).encode("utf-8")}
    for platform in PLATFORMS:
        text = platform_text(posts, platform)
        if text:
            files[f"posts/{platform}.txt"] = text.encode("utf-8")
    return files
