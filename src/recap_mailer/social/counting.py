"""How long a post is, as each platform counts it. Pure functions of the text; no I/O.

Where a platform's exact rule depends on data we do not carry (X's full list of top-level
domains, the newest emoji), the count errs long, never short: a post that fits here fits there.
"""

from __future__ import annotations

import unicodedata

import regex

#: What X and Mastodon count a link as, however long it is written.
URL_LENGTH = 23

_GRAPHEME = regex.compile(r"\X")

# One emoji as twitter-text v3 counts it (weight 200, however many code points): a flag, a
# keycap, or a zero-width-joined chain of pictographs, each with its skin tone, its
# presentation selector or its tag sequence (subdivision flags).
_EMOJI_ELEMENT = (
    r"(?:\p{Emoji_Modifier_Base}\p{Emoji_Modifier}"
    r"|[\p{Extended_Pictographic}--\p{Emoji_Presentation}]\uFE0F"
    r"|\p{Extended_Pictographic})"
    r"(?:[\U000E0020-\U000E007E]+\U000E007F)?"
)
_EMOJI = regex.compile(
    rf"\p{{RI}}\p{{RI}}|[#*0-9]\uFE0F?\u20E3|{_EMOJI_ELEMENT}(?:\u200D{_EMOJI_ELEMENT})*",
    regex.V1,
)
_HAS_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{RI}|\u20E3")

# twitter-text v3 (config/v3.json): code points 0-4351, 8192-8205, 8208-8223 and 8242-8247
# weigh 100 (one character), every other one 200.
_HEAVY = regex.compile(r"[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")

# Top-level domains every twitter-text release knows. A link under another one is counted
# as written plus 23, since X may or may not shorten it.
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
# A bare domain, which X (not Mastodon) also counts as a link.
_BARE_DOMAIN = regex.compile(
    r"(?<![A-Za-z0-9@＠$#＃\u202A-\u202E\-_./])(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9@])"
    r"(?P<rest>/[A-Za-z0-9!#$%&'*+,\-./:;=?@\[\]_~]*)?"
)
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


def _weigh_plain(text: str) -> int:
    return len(text) + len(_HEAVY.findall(text))


def _weigh_text(text: str) -> int:
    """Return X's weight of text holding no link: emoji count 2, the rest by code point."""
    total = 0
    pos = 0
    for match in _EMOJI.finditer(text):
        total += _weigh_plain(text[pos:match.start()]) + 2
        pos = match.end()
    return total + _weigh_plain(text[pos:])


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


def _links(text: str, *, bare: bool) -> list[tuple[int, int, bool]]:
    """Return (start, end, sure) for each link; ``sure`` when the platform surely shortens it."""
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
    if bare:
        taken = [(s, e) for s, e, _ in found]
        for match in _BARE_DOMAIN.finditer(text):
            start = match.start()
            if any(s <= start < e for s, e in taken):
                continue
            link = _trim_link_end(match.group(0)) if match.group("rest") else match.group(0)
            found.append((start, start + len(link), False))
    return sorted(found)


def x_weighted_length(text: str) -> int:
    """Return X's weighted length (twitter-text v3): 280 is the limit.

    NFC first; code points in the light ranges weigh 1, others 2; an emoji sequence weighs 2;
    a link weighs 23. A bare domain, or a link under a top-level domain we do not know, counts
    as the larger of its own weight and 23 (X may or may not turn it into a link).
    """
    text = regex.sub(r"\r\n?", "\n", unicodedata.normalize("NFC", text))
    total = 0
    pos = 0
    for start, end, sure in _links(text, bare=True):
        total += _weigh_text(text[pos:start])
        written = _weigh_text(text[start:end])
        if sure:
            total += URL_LENGTH
        elif text[start:end].lower().startswith(("http://", "https://")):
            total += written + URL_LENGTH
        else:
            total += max(written, URL_LENGTH)
        pos = end
    return total + _weigh_text(text[pos:])


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
    for start, end, sure in _links(text, bare=False):
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
