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
from dataclasses import dataclass
from importlib import resources
from typing import Any

import regex

from recap_mailer.social.whatwg import host_and_rest

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
    data = resources.files("recap_mailer.social").joinpath("data/tlds.txt")
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


def short_url(url: str) -> str:
    """Return a link as the app shows it (``toShortUrl``); as written when it is no URL."""
    parsed = host_and_rest(url)
    if parsed is None:
        return url
    host, rest = parsed
    return host + rest[:13] + "..." if len(rest) > 15 else host + rest


@functools.lru_cache(maxsize=4096)  # fitting counts the same candidate texts again
def shorten(text: str) -> tuple[str, tuple[LinkFacet, ...]]:
    """Return the text the app posts for ``text`` pasted in, and its link facets."""
    parts: list[str] = []
    facets: list[LinkFacet] = []
    pos = 0
    size = 0
    for start, end, uri in detect_links(text):
        before = text[pos:start]
        shown = short_url(text[start:end])
        size += len(before.encode("utf-8"))
        facets.append(LinkFacet(size, size + len(shown.encode("utf-8")), uri))
        size += len(shown.encode("utf-8"))
        parts += [before, shown]
        pos = end
    parts.append(text[pos:])
    return "".join(parts), tuple(facets)
