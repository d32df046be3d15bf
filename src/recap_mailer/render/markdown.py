"""Prose fields: Markdown to safe HTML (sanitised with an allowlist) and to plain text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from recap_mailer.format.kinds import link_problem

#: Tags a prose field may produce; anything else (script, style, img, svg, iframe...) is dropped.
ALLOWED_TAGS = {"p", "br", "a", "em", "strong", "b", "i", "code", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
#: Elements dropped with everything inside them, in HTML and in plain text alike.
_DROPPED_CONTENT = frozenset({"script", "style", "svg", "math", "template", "iframe", "object"})


@cache
def _parser() -> MarkdownIt:
    # Raw HTML is let through the parser only so that nh3 can keep its harmless parts.
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    parser.add_render_rule("html_block", _html_block)
    return parser


def _html_block(self: object, tokens: list[Token], idx: int, options: object,
                env: object) -> str:
    # Each raw HTML block is sanitised on its own, as the text twin reads it: an element left
    # open in it (<iframe>) cannot swallow the Markdown that follows.
    return str(nh3.clean(tokens[idx].content, tags=ALLOWED_TAGS,
                         clean_content_tags=set(_DROPPED_CONTENT),
                         attributes=ALLOWED_ATTRIBUTES, url_schemes={"https", "mailto"},
                         link_rel=None, strip_comments=True))


@cache
def _inspector() -> MarkdownIt:
    # Sees every link as written, even those markdown-it would quietly refuse to render.
    parser = MarkdownIt("commonmark", {"html": True})
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


# Each prose field is parsed once, however often it is checked and rendered (validation, the
# email, the text): the results below are kept by text, so a rebuild after an edit parses
# only the field that changed. Token lists are large; the cache of them is small.


def links(text: str) -> list[str]:
    """Return every link and image address written in the prose, as written."""
    return list(_inspected(text)[0])


def has_raw_html(text: str) -> bool:
    """Say whether the prose contains raw HTML (which the renderer sanitises)."""
    return _inspected(text)[1]


@lru_cache(maxsize=2048)
def _inspected(text: str) -> tuple[tuple[str, ...], bool]:
    found: list[str] = []
    raw = False
    for token in _inspector().parse(text):
        raw = raw or token.type == "html_block"
        for child in token.children or ():
            if child.type in ("link_open", "image"):
                found.append(str(child.attrGet("href") or child.attrGet("src") or ""))
            raw = raw or child.type == "html_inline"
    return tuple(found), raw


@lru_cache(maxsize=2048)
def _rendered(text: str) -> str:
    return _parser().render(text)


@lru_cache(maxsize=128)
def _tokens(text: str) -> list[Token]:
    return _parser().parse(text)  # read, never changed, by _TextRenderer


def to_html(text: str, rewrite_link: Callable[[str], str] | None = None) -> str:
    """Render Markdown prose to sanitised HTML; links must be https: or mailto:."""
    rendered = _rendered(text)

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            if link_problem(value):
                return None
            return rewrite_link(value) if rewrite_link else value
        return value

    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        clean_content_tags=set(_DROPPED_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "mailto"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=keep,
    ).strip()


#: Tags whose content the HTML sanitiser drops along with the tag; the text drops it too.
_HTML_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)\s*>")
_SPACES = re.compile(r"[ \t\n]+")


@dataclass(frozen=True)
class PlainProse:
    """Prose as plain text: one logical line per paragraph, links as ``[n]`` references."""

    text: str
    links: tuple[str, ...] = ()
    first_link: int = 1

    @property
    def numbered(self) -> tuple[tuple[int, str], ...]:
        """Return ``(number, url)`` for each reference the text points at."""
        return tuple(enumerate(self.links, start=self.first_link))


def to_text(text: str, rewrite_link: Callable[[str], str] | None = None,
            first_link: int = 1) -> PlainProse:
    """Render Markdown prose to plain text from its tokens: the same words as to_html, no markup.

    Paragraphs come out as single unwrapped lines separated by a blank line (the caller wraps);
    lists keep a ``- `` or ``1. `` marker and block quotes ``> ``. A link becomes ``text [n]``
    with its address in ``links``; an autolink shows its address in place.
    """
    return _TextRenderer(rewrite_link, first_link).render(_tokens(text))


class _TextRenderer:
    """Walk markdown-it block tokens, keeping the prefix of each enclosing list and quote."""

    def __init__(self, rewrite_link: Callable[[str], str] | None, first_link: int) -> None:
        self.rewrite_link = rewrite_link
        self.first_link = first_link
        self.links: list[str] = []
        self.lines: list[str] = []
        # Each open list item or quote: (prefix of its first line, of its other lines, started).
        self.containers: list[list[Any]] = []
        self.ordinals: list[int] = []
        self.gap = False
        self.dropping = 0

    def render(self, tokens: list[Token]) -> PlainProse:
        for token in tokens:
            self._block(token)
        return PlainProse("\n".join(self.lines), tuple(self.links), self.first_link)

    def _block(self, token: Token) -> None:
        kind = token.type
        if kind == "inline":
            for segment in self._inline(token.children or []):
                self._emit(segment)
        elif kind == "blockquote_open":
            self._open("> ", "> ")
        elif kind == "bullet_list_open":
            self.ordinals.append(0)
        elif kind == "ordered_list_open":
            self.ordinals.append(int(token.attrGet("start") or 1) - 1)
        elif kind == "list_item_open":
            if token.markup in ".)":
                self.ordinals[-1] += 1
                marker = f"{self.ordinals[-1]}{token.markup} "
            else:
                marker = "- "
            self._open(marker, " " * len(marker))
        elif kind in ("blockquote_close", "list_item_close"):
            self.containers.pop()
            self.gap = self.gap or kind == "blockquote_close"
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.ordinals.pop()
            self.gap = True
        elif kind in ("code_block", "fence"):
            for line in token.content.rstrip("\n").split("\n"):
                self._emit("    " + line)
            self.gap = True
        elif kind == "html_block":
            # Keep what the sanitiser would keep of a raw HTML block: its text, unescaped.
            cleaned = nh3.clean(token.content, tags=set(), clean_content_tags=_DROPPED_CONTENT)
            words = _SPACES.sub(" ", html.unescape(cleaned)).strip()
            if words:
                self._emit(words)
                self.gap = True
        elif kind == "hr" or (kind in ("paragraph_close", "heading_close") and not token.hidden):
            self.gap = True

    def _open(self, first: str, rest: str) -> None:
        self.containers.append([first, rest, False])

    def _emit(self, line: str) -> None:
        if self.gap and self.lines:
            # A container opened since the last line has not begun yet: it adds no prefix.
            started = (c[1] for c in self.containers if c[2])
            self.lines.append("".join(started).rstrip())
        self.gap = False
        prefix = "".join(c[1] if c[2] else c[0] for c in self.containers)
        for container in self.containers:
            container[2] = True
        self.lines.append(prefix + line.strip())

    def _inline(self, children: list[Token]) -> list[str]:
        """Return the inline content as segments split at hard line breaks."""
        segments = [""]
        link: str | None = None
        link_text = ""
        for child in children:
            kind = child.type
            if kind == "html_inline":
                self._html_inline(child.content, segments)
            elif self.dropping:
                continue
            elif kind in ("text", "code_inline"):
                segments[-1] += child.content
                link_text += child.content
            elif kind == "softbreak":
                segments[-1] += " "
            elif kind == "hardbreak":
                segments.append("")
            elif kind == "link_open":
                href = str(child.attrGet("href") or "")
                # Like to_html: a refused link keeps its words and loses its address.
                link = None if link_problem(href) else href
                link_text = ""
            elif kind == "link_close" and link is not None:
                self._link(link, link_text, segments, autolink=child.markup == "autolink")
                link = None
        return [_SPACES.sub(" ", s).strip() for s in segments]

    def _link(self, href: str, shown: str, segments: list[str], *, autolink: bool) -> None:
        url = self.rewrite_link(href) if self.rewrite_link else href
        if autolink or shown in (href, href.removeprefix("mailto:")):
            # The words already are the address: show the (tracked) address itself.
            segments[-1] = segments[-1][: len(segments[-1]) - len(shown)]
            segments[-1] += shown if href.startswith("mailto:") else url
            return
        if url not in self.links:
            self.links.append(url)
        segments[-1] += f" [{self.first_link + self.links.index(url)}]"

    def _html_inline(self, tag: str, segments: list[str]) -> None:
        """Follow raw inline HTML: a <br> breaks the line; script-like content is dropped."""
        match = _HTML_TAG.fullmatch(tag.strip())
        if not match:
            return
        closing, name, self_closing = match[1], match[2].lower(), match[3]
        if name == "br" and not self.dropping:
            segments.append("")
        elif name in _DROPPED_CONTENT and not self_closing:
            self.dropping = max(0, self.dropping + (-1 if closing else 1))
