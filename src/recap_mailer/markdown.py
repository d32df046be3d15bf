"""Prose fields: Markdown to safe HTML (sanitised with an allowlist) and to plain text."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import nh3
from markdown_it import MarkdownIt

from recap_mailer.spec import link_problem

#: Tags a prose field may produce; anything else (script, style, img, svg, iframe...) is dropped.
ALLOWED_TAGS = {"p", "br", "a", "em", "strong", "b", "i", "code", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


@cache
def _parser() -> MarkdownIt:
    # Raw HTML is let through the parser only so that nh3 can keep its harmless parts.
    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


@cache
def _inspector() -> MarkdownIt:
    # Sees every link as written, even those markdown-it would quietly refuse to render.
    parser = MarkdownIt("commonmark", {"html": True})
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


def links(text: str) -> list[str]:
    """Return every link and image address written in the prose, as written."""
    found: list[str] = []
    for token in _inspector().parse(text):
        for child in token.children or ():
            if child.type in ("link_open", "image"):
                found.append(str(child.attrGet("href") or child.attrGet("src") or ""))
    return found


def has_raw_html(text: str) -> bool:
    """Say whether the prose contains raw HTML (which the renderer sanitises)."""
    return any(
        token.type == "html_block" or any(c.type == "html_inline" for c in token.children or ())
        for token in _inspector().parse(text)
    )


def to_html(text: str, rewrite_link: Callable[[str], str] | None = None) -> str:
    """Render Markdown prose to sanitised HTML; links must be https: or mailto:."""
    rendered = _parser().render(text)

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            if link_problem(value):
                return None
            return rewrite_link(value) if rewrite_link else value
        return value

    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "svg", "math", "template", "iframe", "object"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "mailto"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=keep,
    ).strip()
