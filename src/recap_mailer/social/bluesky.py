"""A Bluesky post as Bluesky's app makes it: links shortened in the text, full in link facets.

The app (bluesky-social/social-app) finds links with ``RichText.detectFacets`` of
@atproto/api, then ``shortenLinks`` (src/lib/strings/rich-text-manip.ts) rewrites each
link's text with ``toShortUrl`` (src/lib/strings/url-helpers.ts): the WHATWG URL's host,
then its path (none for ``/``), query and fragment, cut to 13 characters and ``...`` when
they pass 15. Its composer counts ``shortenLinks(richtext).graphemeLength`` against 300, and
the post it sends holds that text, each link's full address in an
``app.bsky.richtext.facet#link``. A link written without a scheme stays as written.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import ada_url
import regex

# JavaScript's \s (what @atproto/api's patterns mean by it), not Python's.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# @atproto/api's URL_REGEX (rich-text/util.ts), flags gim; [a-z] spelled out so that case
# folding never lets K (Kelvin) or ſ match, as JavaScript's non-unicode /i does not.
_URL = regex.compile(
    rf"(?:^|[{_JS_SPACE}(])(?P<link>(?P<scheme>[hH][tT][tT][pP][sS]?://[^{_JS_SPACE}]+)"
    rf"|(?P<domain>[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+)+)[^{_JS_SPACE}]*)",
    regex.MULTILINE,
)


@functools.cache
def _tlds() -> frozenset[str]:
    """Return the top-level domains @atproto/api knows (its ``tlds`` package, ASCII ones)."""
    data = resources.files("recap_mailer.social").joinpath("data/bluesky-tlds.txt")
    return frozenset(data.read_text(encoding="ascii").split())


def _valid_domain(domain: str) -> bool:
    # As detection.ts's isValidDomain: ends in "." and a known TLD, compared case-sensitively.
    last = domain.rpartition(".")[2]
    return "." in domain and last in _tlds()


@dataclass(frozen=True)
class LinkFacet:
    """One link facet: UTF-8 byte offsets of the shown text and the address it opens."""

    byte_start: int
    byte_end: int
    uri: str

    def as_json(self) -> dict[str, Any]:
        """Return the facet as the app.bsky.richtext.facet lexicon spells it."""
        return {"$type": "app.bsky.richtext.facet",
                "index": {"byteStart": self.byte_start, "byteEnd": self.byte_end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": self.uri}]}


def detect_links(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, uri) in code points for each link @atproto/api's RichText finds."""
    found = []
    for match in _URL.finditer(text):
        uri = match.group("link")
        start, end = match.span("link")
        if match.group("scheme") is None or not uri.startswith("http"):
            domain = match.group("domain")
            if not domain or not _valid_domain(domain):
                continue  # "HTTPS://..." is neither a link nor a domain to RichText
            uri = "https://" + uri
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        found.append((start, end, uri))
    return found


def misplaced(text: str) -> str | None:
    """Return the link text after which the app misplaces the later links, if any (see shorten)."""
    links = detect_links(text)
    for start, end, _ in links[:-1]:
        if not short_url(text[start:end]).isascii():
            return text[start:end]
    return None


def short_url(url: str) -> str:
    """Return a link as the app shows it (``toShortUrl``); as written when it is no URL."""
    try:  # ada: the WHATWG URL parser node's (and so the app's) URL is built on
        parsed = ada_url.URL(url)
    except ValueError:
        return url
    if parsed.protocol not in ("http:", "https:"):
        return url
    rest = ("" if parsed.pathname == "/" else parsed.pathname) + parsed.search + parsed.hash
    # Every part is ASCII once parsed (punycode, percent-encoding): characters are code units.
    return parsed.host + rest[:13] + "..." if len(rest) > 15 else parsed.host + rest


def _decode(data: bytes) -> str:
    # As the app's UnicodeString.slice (a TextDecoder): a cut through a character decodes to
    # U+FFFD, and a byte order mark that starts the slice is dropped.
    return data.decode("utf-8-sig", "replace")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Span:
    """A facet's byte offsets while shortenLinks runs; not frozen, as RichText moves them."""

    start: int
    end: int
    uri: str


class _Posted:
    """The app's RichText while shortenLinks edits it: its text and its link facets."""

    def __init__(self, text: str, spans: list[_Span]) -> None:
        self.text = text
        self.spans = spans

    def insert(self, at: int, text: str) -> None:
        """RichText.insert: facets move by the inserted text's UTF-16 length, as it does."""
        data = self.text.encode("utf-8")
        self.text = _decode(data[:at]) + text + _decode(data[at:])
        added = _units(text)
        for span in self.spans:
            if at <= span.start:
                span.start += added
                span.end += added
            elif span.start <= at < span.end:
                span.end += added

    def delete(self, start: int, end: int) -> None:
        """RichText.delete: facets move by the bytes removed; emptied facets are dropped."""
        data = self.text.encode("utf-8")
        self.text = _decode(data[:start]) + _decode(data[end:])
        removed = end - start
        for span in self.spans:
            if start <= span.start and end >= span.end:
                span.start = span.end = 0
            elif start > span.end:
                pass
            elif span.start < start <= span.end < end:
                span.end = start
            elif start >= span.start and end <= span.end:
                span.end -= removed
            elif start < span.start <= end <= span.end:
                span.start = start
                span.end -= removed
            elif end < span.start:
                span.start -= removed
                span.end -= removed
        self.spans = [span for span in self.spans if span.start < span.end]


@functools.lru_cache(maxsize=4096)  # fitting counts the same candidate texts again
def shorten(text: str) -> tuple[str, tuple[LinkFacet, ...]]:
    """Return the text the app posts for ``text`` pasted in, and its link facets.

    This is the app's shortenLinks step for step. Its RichText.insert moves later facets by
    UTF-16 units where delete moves them by bytes, so a link left as written that holds a
    character past U+007F (``example.com”``) shifts every later link: the app then shortens
    the wrong span, or none. What it would post, it is given here too.
    """
    found = detect_links(text)
    offsets = [0, *itertools.accumulate(len(c.encode("utf-8")) for c in text)]
    spans = [_Span(offsets[start], offsets[end], uri) for start, end, uri in found]
    rt = _Posted(text, list(spans))
    for span in spans:
        start, end = span.start, span.end
        shown = short_url(_decode(rt.text.encode("utf-8")[start:end]))
        size = len(shown.encode("utf-8"))
        rt.insert(start, shown)
        span.start, span.end = start, start + size
        rt.delete(start + size, end + size)
    return rt.text, tuple(LinkFacet(s.start, s.end, s.uri) for s in rt.spans)
