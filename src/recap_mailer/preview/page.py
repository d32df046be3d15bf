"""The reviewer's page: everything one campaign sends, in one self-contained HTML file."""

from __future__ import annotations

import base64
import contextlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from recap_mailer.checks.findings import Finding
from recap_mailer.checks.reading import EmailReading, read_email
from recap_mailer.checks.size import GMAIL_CLIP_BYTES
from recap_mailer.format.source import Source
from recap_mailer.model import PLATFORMS
from recap_mailer.preview.changes import changes
from recap_mailer.preview.views import (
    clip_marked,
    finding_rows,
    force_dark,
    forced_inversion,
    framed,
    images_off,
    link_rows,
    source_view,
    styles_stripped,
)
from recap_mailer.render.email import long_date
from recap_mailer.render.inbox import inbox_snippet
from recap_mailer.render.templating import render_template
from recap_mailer.social.platforms import RULES, fold_at

PREVIEW_TEMPLATE = "preview.html"
SOCIAL_TEMPLATE = "partials/preview-social.html"
#: The most card images the page carries inside itself; past it (hundreds of quotes), cards
#: are linked from the cards/ folder beside preview.html rather than making the page huge.
EMBED_BYTES = 8 * 1024 * 1024

@dataclass(frozen=True)
class Card:
    """A quote card as the preview page shows it: a CSS class holding its image."""

    css_class: str
    uri: str
    width: int
    height: int
    embedded: bool = True  # in the page, or linked from cards/ beside it


def _png_size(png: bytes) -> tuple[int, int]:
    """Read a PNG's width and height from its header."""
    return struct.unpack(">II", png[16:24])


@lru_cache(maxsize=16)  # the sample's cards come back in every rebuild; hundreds would not fit
def data_uri(png: bytes) -> Markup:
    """Embed a PNG in the page, so the page is one file that opens anywhere."""
    # Markup: a data URI is this prefix and the base64 alphabet, none of which HTML escapes.
    return Markup("data:image/png;base64," + base64.b64encode(png).decode("ascii"))


def prepare_preview(env: jinja2.Environment) -> None:
    """Compile the preview's templates ahead of rendering it (while cards are drawn)."""
    # A template with an error is left for render_preview, which says where it is.
    with contextlib.suppress(jinja2.TemplateError):
        env.get_template(PREVIEW_TEMPLATE)
        env.get_template(SOCIAL_TEMPLATE)


def render_preview(build: Any, env: jinja2.Environment,
                   diagnostics: tuple[Finding, ...] = (),
                   reading: EmailReading | None = None, source: Source | None = None,
                   previous: Mapping[str, bytes] | None = None) -> bytes:
    """Render preview.html from a build's outputs (the email, its text, posts, cards...);
    ``reading`` is the checks' reading of the email, where it is at hand, ``source`` the
    recap source the findings point into, and ``previous`` the last build's files by name,
    which the page says what changed since."""
    campaign = build.campaign
    html = build.email.html
    files: dict[str, bytes] = build.files
    # Each card is embedded once, as a CSS class that posts and the gallery share: as <img>
    # data URIs, the sample's 35 posts would carry 45 copies of 10 cards (5 MB).
    cards: dict[str, Card] = {}
    room = EMBED_BYTES
    for i, (name, data) in enumerate(sorted(files.items())):
        if name.startswith("cards/") and name.endswith(".png"):
            embed = len(data) <= room
            room -= len(data) if embed else 0
            uri = data_uri(data) if embed else name
            cards[name] = Card(f"card-{i}", uri, *_png_size(data), embedded=embed)
    # What the posts, cards and schedule section shows, as a key (tuples) for _social_section.
    social = {
        "posts": build.posts,
        "posts_by_platform": tuple(
            (name, tuple(p for p in build.posts if p.platform == name))
            for name in PLATFORMS if any(p.platform == name for p in build.posts)),
        "platform_labels": tuple((name, rules.label) for name, rules in RULES.items()),
        "cards": tuple(cards.items()),
        "linked_cards": sum(not card.embedded for card in cards.values()),
        "schedule": tuple(getattr(build, "schedule", ())),
        "event": campaign.event,
        "email": campaign.email,
    }
    page = render_template(
        env, PREVIEW_TEMPLATE,
        **_context(social),
        campaign=campaign,
        long_date=long_date(campaign),
        # Escaped once each (escape returns Markup, so Jinja keeps it as it is); the light and
        # dark ones are shown twice (desktop, mobile).
        email_html=escape(framed(clip_marked(html))),
        email_dark_html=escape(framed(force_dark(html))),
        email_inverted_html=escape(framed(forced_inversion(html))),
        email_no_images_html=escape(framed(images_off(html))),
        email_no_styles_html=escape(framed(styles_stripped(html))),
        sources=tuple(
            source_view(name, f"source-{prefix}", prefix, text) for name, prefix, text in (
                ("recap.yaml", "recap", source.text if source else ""),
                ("email.mjml", "mjml", files.get("email.mjml", b"").decode("utf-8")),
                ("email.html", "html", html)) if text),
        links=link_rows((reading or read_email(html)).links, campaign, diagnostics),
        findings=finding_rows(diagnostics, source, campaign,
                              frozenset(post.id for post in build.posts)),
        clip_bytes=GMAIL_CLIP_BYTES,
        email_size=build.email.size,
        snippet=inbox_snippet(build.email.html),
        email_text=files.get("email.txt", b"").decode("utf-8"),
        social_section=_social_section(env, social),
        diagnostics=diagnostics,
        changes=changes(previous or {}, files),
    )
    return page.encode("utf-8")


def _context(social: dict[str, Any]) -> dict[str, Any]:
    """Return the section's values as templates read them: labels and cards by name."""
    return {**social, "platform_labels": dict(social["platform_labels"]),
            "cards": dict(social["cards"])}


def folded(platform: str, text: str) -> tuple[tuple[str, str | None], ...]:
    """Return a post's text in the pieces each fold of its platform's feed ends, each with
    the screen whose fold follows it (None for the last piece)."""
    pieces: list[tuple[str, str | None]] = []
    start = 0
    for screen, shown in RULES[platform].folds:
        at = fold_at(platform, text, shown)
        if at is None:
            break
        # Shown at the word the feed folds before, as "see more" comes after a whole word.
        word = max(text.rfind(" ", start, at), text.rfind("\n", start, at))
        at = word + 1 if word > start and not text[at:at + 1].isspace() else at
        while at < len(text) and text[at] in " \n":
            at += 1
        pieces.append((text[start:at], f"{screen} ({shown})"))
        start = at
    return (*pieces, (text[start:], None))


def _social_section(env: jinja2.Environment, social: dict[str, Any]) -> Markup:
    """Render the posts, cards and schedule; the same plan and cards give the same section."""
    # A rebuild after editing the email changes none of it, so the latest one is kept. The
    # environment stands for the templates: a changed template makes a new one. Aware times in
    # one zone compare equal across a fall-back hour, so the moments are part of the key too.
    moments = (social["email"].send_at.astimezone(UTC), *(s.utc for s in social["schedule"]))
    return _render_social(env, moments, tuple(social.items()))


@lru_cache(maxsize=1)
def _render_social(env: jinja2.Environment, moments: tuple[object, ...],
                   social: tuple[tuple[str, Any], ...]) -> Markup:
    del moments  # only a part of the cache's key
    context = _context(dict(social))
    # Where each feed folds follows from the posts, which the key holds already.
    context["folded"] = {post.id: folded(post.platform, post.text) for post in context["posts"]}
    return Markup(render_template(env, SOCIAL_TEMPLATE, **context))
