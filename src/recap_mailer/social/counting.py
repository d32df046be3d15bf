"""How long a post is, as each platform counts it. Pure functions of the text; no I/O.

X's count is twitter-text's own (see ``x_links``). Where another platform's exact rule depends
on data we do not carry, the count errs long, never short: a post that fits here fits there.
"""

from __future__ import annotations

import regex

from recap_mailer.social.x_links import URL_LENGTH, parse_x

_GRAPHEME = regex.compile(r"\X")

_HAS_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{RI}|\u20E3")

# Top-level domains Mastodon surely links. A link under another one is counted as written
# plus 23, since Mastodon may or may not shorten it.
_KNOWN_TLDS = frozenset(
    """
    com org net edu gov mil int info biz name pro coop aero museum mobi jobs travel tel asia
    io co ai me tv fm ly gl to sh ac
    uk us eu de fr nl be lu ch at it es pt ie se no dk fi is pl cz sk hu ro bg gr hr si rs
    ua ru tr il ae sa eg ma ng ke gh za tz ug et rw sn
    ca mx br ar cl pe uy ve
    au nz jp kr cn hk tw sg my th vn id ph in pk bd lk np
    """.split()  # noqa: SIM905
)

# An http(s) link: scheme, host, optional port, then a path and query made only of characters
# twitter-text also accepts, so the link we count is never longer than the one X sees.
_SCHEME_URL = regex.compile(
    r"(?i:https?://)(?P<host>[^\s/?#:]+)(?::[0-9]{1,5})?"
    r"(?P<rest>[/?][A-Za-z0-9!#$%&'*+,\-./:;=?@\[\]_~]*)?"
)
# twitter-text takes no link right after these.
_NOT_BEFORE_LINK = regex.compile(r"[A-Za-z0-9@＠$#＃\u202A-\u202E]")
_LABEL = regex.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
# twitter-text ends a path and a query only on these characters; trailing ones go back to text.
_PATH_END = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_#/+-")
_QUERY_END = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_&=#/")

# Mastodon shortens @user@domain to @user when it sees a mention. We only shorten the plain
# form it always recognises.
_MASTODON_MENTION = regex.compile(
    r"(?<![\w!#$%&*@＠=/.+~\-])@(?P<user>[A-Za-z0-9_]+)@[\w.\-]*\w"
)


def graphemes(text: str) -> int:
    """Return the number of user-perceived characters (extended grapheme clusters)."""
    return len(_GRAPHEME.findall(text))


def utf8_bytes(text: str) -> int:
    """Return the UTF-8 size of ``text`` in bytes."""
    return len(text.encode("utf-8"))


def utf16_units(text: str) -> int:
    """Return the length a JavaScript counter reports: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _trim_link_end(link: str) -> str:
    """Drop trailing characters that twitter-text leaves out of a link (``.`` ``,`` ``)`` ...)."""
    ends = _QUERY_END if "?" in link.partition("://")[2] else _PATH_END
    while link and link[-1] not in ends:
        link = link[:-1]
    return link


def _known_host(host: str) -> bool:
    labels = host.lower().split(".")
    return (len(labels) >= 2 and labels[-1] in _KNOWN_TLDS
            and all(_LABEL.fullmatch(label) for label in labels))


def _links(text: str) -> list[tuple[int, int, bool]]:
    """Return (start, end, sure) for each link; ``sure`` when Mastodon surely shortens it."""
    found: list[tuple[int, int, bool]] = []
    for match in _SCHEME_URL.finditer(text):
        start, host = match.start(), match.group("host")
        after = start > 0 and _NOT_BEFORE_LINK.match(text[start - 1]) is not None
        if regex.fullmatch(r"[A-Za-z0-9.\-]+", host) and host[-1].isalnum():
            end = start + len(_trim_link_end(match.group(0)))
            found.append((start, end, not after and _known_host(host)))
        else:
            # An unusual host: count all of it as written, and a link's 23 on top.
            found.append((start, match.end(), False))
    return found


def x_weighted_length(text: str) -> int:
    """Return X's weighted length, exactly as twitter-text 3.1.0 counts it: 280 is the limit."""
    return parse_x(text)[0]


def bluesky_length(text: str) -> int:
    """Return Bluesky's length (limit 300): graphemes, each link as the app shows it.

    The app counts ``shortenLinks(richtext).graphemeLength``: a link as its host and the first
    13 characters of the rest, then ``...`` (bluesky.py).
    """
    from recap_mailer.social.bluesky import shorten  # Bluesky's rules live in bluesky.py

    return graphemes(shorten(text)[0])


def mastodon_length(text: str) -> int:
    """Return Mastodon's length: graphemes, a link as 23, ``@user@domain`` as ``@user``."""
    parts: list[str] = []
    pos = 0
    for start, end, sure in _links(text):
        parts.append(_shorten_mentions(text[pos:start]))
        # A link Mastodon might not recognise is counted as written, plus 23 to be safe.
        parts.append("x" * URL_LENGTH if sure else text[start:end] + "x" * URL_LENGTH)
        pos = end
    parts.append(_shorten_mentions(text[pos:]))
    # Parts are counted apart: a link placeholder never merges into a neighbouring cluster.
    return sum(graphemes(part) for part in parts)


def _shorten_mentions(text: str) -> str:
    return _MASTODON_MENTION.sub(lambda m: "@" + m.group("user"), text)


def threads_length(text: str) -> int:
    """Return Threads' length: an emoji counts its UTF-8 bytes, other text its UTF-16 units."""
    total = utf16_units(text)
    if _HAS_EMOJI.search(text):
        for cluster in _GRAPHEME.findall(text):
            if _HAS_EMOJI.search(cluster):
                total += utf8_bytes(cluster) - utf16_units(cluster)
    return total


def linkedin_length(text: str) -> int:
    """Return LinkedIn's length (3000), as UTF-16 units: never less than its own count."""
    return utf16_units(text)


def instagram_length(text: str) -> int:
    """Return Instagram's caption length (2200), as UTF-16 units."""
    return utf16_units(text)


def alt_length(text: str) -> int:
    """Return an image description's length, as UTF-16 units (the most any platform counts)."""
    return utf16_units(text)


#: Each platform's counter, by platform name.
COUNTERS = {
    "x": x_weighted_length,
    "bluesky": bluesky_length,
    "mastodon": mastodon_length,
    "linkedin": linkedin_length,
    "threads": threads_length,
    "instagram": instagram_length,
}
