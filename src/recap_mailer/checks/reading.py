"""Reading the email back: one pass over its HTML for everything the checks look at."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import lxml.etree


@dataclass(frozen=True)
class Link:
    """One link of the email: its address, its words, and the alt text of an image in it."""

    href: str
    text: str
    image_alt: str | None  # the alt text of an image inside the link, if any


@dataclass(frozen=True)
class EmailReading:
    """What the checks read of the email: lang, images, headings, links, CSS, preheader, text."""

    lang: str | None
    images: tuple[Mapping[str, str], ...]
    headings: tuple[tuple[int, str], ...]
    links: tuple[Link, ...]
    styles: tuple[str, ...]  # the text of each <style> block
    inline_styles: frozenset[str]  # every style="" attribute
    preheader: str | None  # MJML's hidden preview text, if the email has one
    text: str  # the body's words, white space collapsed


def read_email(html: str) -> EmailReading:
    """Read the email once for every check."""
    return _Walker(html).reading()


def collapse_space(text: str) -> str:
    """Collapse runs of white space (no-break spaces included) to one space, and trim."""
    # MJML pads the preview text with zero-width non-joiners and combining grapheme joiners.
    return re.sub(r"\s+", " ", text.replace("\u200c", "").replace("\u034f", "")).strip()


_SKIPPED = frozenset({"style", "title", "script"})  # what they hold is not text of the email
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


class _Walker:
    """One pass over the email, in document order.

    Outlook's conditional comments (``<!--[if mso]>``) are comments to this reader, so what
    they hold, MJML's fallback for Outlook, is not read as CSS every client sees.
    """

    def __init__(self, html: str) -> None:
        self.lang: str | None = None
        self.images: list[dict[str, str]] = []
        self.headings: list[tuple[int, str]] = []
        self.links: list[Link] = []
        self.styles: list[str] = []
        self.inline_styles: set[str] = set()
        self.text_parts: list[str] = []
        self.preheader: str | None = None
        self._heading: tuple[int, list[str]] | None = None
        self._link: tuple[str, list[str], list[str]] | None = None
        self._in_body = False
        self._skip = 0
        self._preheader: list[str] | None = None
        self._depth = 0
        self._walk(html)

    def reading(self) -> EmailReading:
        return EmailReading(self.lang, tuple(self.images), tuple(self.headings),
                            tuple(self.links), tuple(self.styles),
                            frozenset(self.inline_styles), self.preheader,
                            collapse_space(" ".join(self.text_parts)))

    def _walk(self, html: str) -> None:
        """Visit the parsed email in document order: each start, its text, children, end."""
        # Plain elements rather than lxml.html's: the checks need no element classes.
        parser = lxml.etree.HTMLParser(encoding="utf-8")
        root = lxml.etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
        if root is None:  # nothing but white space, comments or a doctype: nothing to read
            return
        # Comments hold no text of the email, only their tails do.
        for event, element in lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi")):
            if event == "start":
                self.handle_starttag(element.tag, element.attrib)
                if element.text:
                    self.handle_data(element.text, element.tag)
                continue
            if event == "end":
                self.handle_endtag(element.tag)
            if element.tail:
                self.handle_data(element.tail, None)

    def handle_starttag(self, tag: str, a: Mapping[str, str]) -> None:
        style = a.get("style")
        if style:
            self.inline_styles.add(style)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "body":
            self._in_body = True
        elif tag in _SKIPPED:
            self._skip += 1
        elif tag == "img":
            self.images.append(dict(a))
            if self._link:
                self._link[2].append(a.get("alt") or "")
        elif tag in _HEADINGS:
            self._heading = (int(tag[1]), [])
        elif tag == "a" and a.get("href") is not None:
            self._link = (a["href"] or "", [], [])
        elif tag == "div" and self._in_body and self.preheader is None \
                and self._preheader is None and "display:none" in (style or ""):
            self._preheader, self._depth = [], 0  # MJML's hidden preview text comes first
        if self._preheader is not None and tag == "div":
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip -= 1
        elif tag in _HEADINGS and self._heading:
            self.headings.append((self._heading[0], collapse_space("".join(self._heading[1]))))
            self._heading = None
        elif tag == "a" and self._link:
            href, text, alts = self._link
            self.links.append(Link(href, collapse_space("".join(text)),
                                   " ".join(alts) if alts else None))
            self._link = None
        if self._preheader is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self.preheader = collapse_space("".join(self._preheader))
                self._preheader = None

    def handle_data(self, data: str, inside: str | None) -> None:
        if inside == "style" and self._skip:
            self.styles.append(data)
        if self._skip or not self._in_body:
            return
        if self._preheader is not None:
            self._preheader.append(data)
            return
        self.text_parts.append(data)
        if self._heading:
            self._heading[1].append(data)
        if self._link:
            self._link[1].append(data)
