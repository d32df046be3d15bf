"""The parts of an http(s) link that a browser's URL parser (the WHATWG URL Standard) gives.

Only what Bluesky's app reads of a ``new URL(...)`` is computed: ``host`` and the path, query
and fragment as serialised, with the Standard's percent-encoding and dot-segment rules.
Non-ASCII host names are mapped by NFKC and lower case, then punycode: UTS 46 in brief.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import unquote_to_bytes

import regex

_DEFAULT_PORT = {"http": 80, "https": 443}
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = regex.compile(r"(?P<scheme>[hH][tT][tT][pP][sS]?):[/\\]*")
# Code points a host may not hold once percent-decoded (the Standard's forbidden domain ones).
_FORBIDDEN_HOST = regex.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_NUMBERISH = regex.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")

# Percent-encode sets: C0 controls and every code point past U+007E, and these.
_QUERY_SET = frozenset(' "#<>')
_SPECIAL_QUERY_SET = _QUERY_SET | {"'"}
_PATH_SET = _QUERY_SET | frozenset("?`{}")
_FRAGMENT_SET = frozenset(' "<>`')


def _encode(text: str, extra: frozenset[str]) -> str:
    out = []
    for c in text:
        if ord(c) < 0x20 or ord(c) > 0x7E or c in extra:
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass")))
        else:
            out.append(c)
    return "".join(out)


def _ipv4_number(part: str) -> int | None:
    if not part:
        return None
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits:
        return 0
    try:
        return int(digits, base) if regex.fullmatch(r"[0-9A-Fa-f]+", digits) else None
    except ValueError:
        return None


def _ipv4(host: str) -> str | None:
    """Return the dotted form of a host that ends in a number, or None where it is invalid."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    numbers = [_ipv4_number(p) for p in parts]
    if len(parts) > 4 or None in numbers:
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1] + sum(n * 256 ** (3 - i) for i, n in enumerate(values[:-1]))
    return ".".join(str((address >> shift) & 255) for shift in (24, 16, 8, 0))


def _ipv6(raw: str) -> str | None:
    """Return ``[address]`` as the Standard writes it, or None where it is invalid."""
    if not raw.endswith("]") or "%" in raw:
        return None
    try:
        # Both compress the first longest run of two or more zero pieces, in lower case.
        return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
    except ValueError:
        return None


# Code points UTS 46 deletes from a host name, and those it refuses.
_IGNORED = regex.compile(r"[\u00ad\u034f\u180b-\u180d\u200b\u2060\ufe00-\ufe0f\ufeff]")
_DISALLOWED = regex.compile(r"[\p{Zs}\p{Zl}\p{Zp}\p{Cc}\p{Cs}\p{Co}\p{Cn}]")


def _label(label: str) -> str:
    """Return one label as UTS 46 gives it (mapped, then punycode where not ASCII)."""
    mapped = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", label).lower())
    return mapped if mapped.isascii() else "xn--" + mapped.encode("punycode").decode("ascii")


def _host(raw: str) -> str | None:
    """Return the serialised host (lower case, punycode, dotted IPv4), or None on failure."""
    if raw.startswith("["):
        return _ipv6(raw)
    if not raw:
        return None
    decoded = unquote_to_bytes(raw).decode("utf-8", "replace")
    if decoded.isascii():
        host = decoded.lower()
    else:
        decoded = _IGNORED.sub("", decoded)
        if _DISALLOWED.search(decoded):
            return None
        # UTS 46 lets a label be empty; ß and ς stay themselves (not ss, σ as in IDNA 2003).
        host = ".".join(_label(label)
                        for label in regex.split(r"[.\u3002\uff0e\uff61]", decoded))
    if not host or _FORBIDDEN_HOST.search(host):
        return None
    labels = host.split(".")
    last = labels[-1] if labels[-1] or len(labels) == 1 else labels[-2]
    if _NUMBERISH.fullmatch(last):
        return _ipv4(host)
    return host


def _path(raw: str) -> str:
    """Return the serialised path of a special URL: dot segments resolved, percent-encoded."""
    segments: list[str] = []
    pieces = regex.split(r"[/\\]", raw[1:] if raw[:1] in ("/", "\\") else raw)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        lowered = piece.lower()
        if lowered in ("..", ".%2e", "%2e.", "%2e%2e"):
            if segments:
                segments.pop()
            if last:
                segments.append("")
        elif lowered in (".", "%2e"):
            if last:
                segments.append("")
        else:
            segments.append(_encode(piece, _PATH_SET))
    return "".join("/" + s for s in segments)


def host_and_rest(url: str) -> tuple[str, str] | None:
    """Return ``(host, path + search + hash)`` of an http(s) URL, the path empty for ``/``.

    None when the text is no http(s) URL a browser parses.
    """
    url = regex.sub(r"[\t\n\r]", "", url.strip(_C0_AND_SPACE))
    match = _SCHEME.match(url)
    if match is None:
        return None
    scheme = match.group("scheme").lower()
    rest = url[match.end():]
    cut = regex.search(r"[/\\?#]", rest)
    authority, rest = (rest[:cut.start()], rest[cut.start():]) if cut else (rest, "")
    hostport = authority.rpartition("@")[2]
    if "@" in authority and not hostport:
        return None
    if hostport.startswith("["):
        close = hostport.find("]") + 1
        name, after = (hostport[:close], hostport[close:]) if close else (hostport, "")
        if after and not after.startswith(":"):
            return None
        port = after[1:]
    else:
        name, _, port = hostport.partition(":")
    if port and (not port.isascii() or not port.isdigit() or int(port) > 65535):
        return None
    host = _host(name)
    if host is None:
        return None
    if port and int(port) != _DEFAULT_PORT[scheme]:
        host += f":{int(port)}"
    fragment = query = None
    if "#" in rest:
        rest, _, fragment = rest.partition("#")
    if "?" in rest:
        rest, _, query = rest.partition("?")
    path = _path(rest)
    shown = "" if path == "/" else path
    if query:
        shown += "?" + _encode(query, _SPECIAL_QUERY_SET)
    if fragment:
        shown += "#" + _encode(fragment, _FRAGMENT_SET)
    return host, shown
