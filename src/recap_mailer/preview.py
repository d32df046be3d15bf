"""The reviewer's page: everything one campaign sends, in one self-contained HTML file."""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass
from typing import Any

import jinja2

from recap_mailer.errors import Diagnostic
from recap_mailer.model import PLATFORMS
from recap_mailer.render_email import long_date
from recap_mailer.social import RULES
from recap_mailer.templating import render_template

PREVIEW_TEMPLATE = "preview.html"
#: The most card images the page carries inside itself; past it (hundreds of quotes), cards
#: are linked from the cards/ folder beside preview.html rather than making the page huge.
EMBED_BYTES = 8 * 1024 * 1024

_DARK_QUERY = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)")


def force_dark(html: str) -> str:
    """Return the email as a dark-mode client shows it: its dark rules on, unconditionally."""
    return _DARK_QUERY.sub("@media all", html)


@dataclass(frozen=True)
class Card:
    """A quote card as the preview page shows it: a CSS class holding its image."""

    css_class: str
    uri: str
    width: int
    height: int


def _png_size(png: bytes) -> tuple[int, int]:
    """Read a PNG's width and height from its header."""
    return struct.unpack(">II", png[16:24])


def data_uri(png: bytes) -> str:
    """Embed a PNG in the page, so the page is one file that opens anywhere."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_preview(build: Any, env: jinja2.Environment,
                   diagnostics: tuple[Diagnostic, ...] = ()) -> str:
    """Render preview.html from a build's outputs (the email, its text, posts, cards...)."""
    campaign = build.campaign
    files: dict[str, bytes] = build.files
    # Each card is embedded once, as a CSS class that posts and the gallery share: as <img>
    # data URIs, the sample's 35 posts would carry 45 copies of 10 cards (5 MB).
    cards: dict[str, Card] = {}
    room = EMBED_BYTES
    for i, (name, data) in enumerate(sorted(files.items())):
        if name.startswith("cards/") and name.endswith(".png"):
            embed = len(data) <= room
            room -= len(data) if embed else 0
            cards[name] = Card(f"card-{i}", data_uri(data) if embed else name, *_png_size(data))
    return render_template(
        env, PREVIEW_TEMPLATE,
        campaign=campaign,
        email=campaign.email,
        event=campaign.event,
        long_date=long_date(campaign),
        email_html=build.email.html,
        email_dark_html=force_dark(build.email.html),
        email_size=build.email.size,
        email_text=files.get("email.txt", b"").decode("utf-8"),
        posts=build.posts,
        posts_by_platform=[(name, [p for p in build.posts if p.platform == name])
                           for name in PLATFORMS if any(p.platform == name for p in build.posts)],
        platform_labels={name: rules.label for name, rules in RULES.items()},
        cards=cards,
        linked_cards=sum(not card.uri.startswith("data:") for card in cards.values()),
        schedule=getattr(build, "schedule", ()),
        diagnostics=diagnostics,
    )
