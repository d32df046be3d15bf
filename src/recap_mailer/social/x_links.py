"""X's weighted length, ported from twitter-text 3.1.0 (parseTweet, extractUrlsWithIndices).

twitter-text runs JavaScript regular expressions without the ``u`` flag, so they see UTF-16
code units and fold case by ``toUpperCase``. To match them exactly we do the same: the text
is turned into a string of code units (astral characters become surrogate pairs), and a
case-folded copy of it is matched, case-sensitively, against patterns folded the same way.
The top-level domains and twemoji's emoji pattern are data files beside this module.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import unicodedata

#: What X counts a link as, however long it is written.
URL_LENGTH = 23
_MAX_WEIGHT = 280

# twitter-text's character groups (dist/regexp/*.js), as code point ranges.
_LATIN_ACCENTS = ((0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0xFF), (0x100, 0x24F), (0x253, 0x254),
                  (0x256, 0x257), (0x259, 0x259), (0x25B, 0x25B), (0x263, 0x263),
                  (0x268, 0x268), (0x26F, 0x26F), (0x272, 0x272), (0x289, 0x289),
                  (0x28B, 0x28B), (0x2BB, 0x2BB), (0x300, 0x36F), (0x1E00, 0x1EFF))
_CYRILLIC = ((0x400, 0x4FF),)
# punct.js leaves out '"' and '`', so those are domain characters.
_PUNCT = "!'#%&()*+,\\-./:;<=>?@[]^_{|}~$"
_SPACES = ((0x09, 0x0D), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
           (0x180E, 0x180E), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F),
           (0x205F, 0x205F), (0x3000, 0x3000))
_INVALID = "\ufffe\ufeff\uffff"
_DIRECTIONAL = ((0x202A, 0x202E), (0x61C, 0x61C), (0x200E, 0x200F), (0x2066, 0x2069))
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"

# v3 config: code points in these ranges weigh 100, every other code unit 200 (scale 100).
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


# Case pairs of Unicode 16 and 17, which node's JavaScript knows and Python 3.11's tables
# (Unicode 14) do not.
_NEWER_UPPER = {0x19B: "\ua7dc", 0x264: "\ua7cb", 0xA7CD: "\ua7cc", 0xA7CF: "\ua7ce",
                0xA7D3: "\ua7d2", 0xA7D5: "\ua7d4", 0xA7DB: "\ua7da", 0x1C8A: "\u1c89"}


@functools.cache
def _fold_table() -> dict[int, str]:
    """Return JavaScript's non-unicode case folding (Canonicalize) as a translate table."""
    table: dict[int, str] = {}
    for code in range(0x10000):
        upper = chr(code).upper()
        # A character whose upper case is several characters, or a non-ASCII one whose upper
        # case is ASCII (such as 'ı' or 'ſ'), stays as it is.
        if len(upper) == 1 and upper != chr(code) and not (code >= 128 and ord(upper) < 128):
            table[code] = upper
    for code, upper in _NEWER_UPPER.items():
        table.setdefault(code, upper)
    return table


def _fold(text: str) -> str:
    return text.translate(_fold_table())


def _members(*parts: str | tuple[tuple[int, int], ...]) -> set[int]:
    found: set[int] = set()
    for part in parts:
        if isinstance(part, str):
            found.update(ord(c) for c in part)
        else:
            for low, high in part:
                found.update(range(low, high + 1))
    return found


def _cls(*parts: str | tuple[tuple[int, int], ...], negate: bool = False) -> str:
    """Return a character class matching the folded members, written as escaped ranges."""
    codes = sorted({ord(_fold(chr(c))) for c in _members(*parts)})
    ranges: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        ranges.append(f"\\u{codes[i]:04x}" + (f"-\\u{codes[j]:04x}" if j > i else ""))
        i = j + 1
    return ("[^" if negate else "[") + "".join(ranges) + "]"


def _tld_names() -> dict[str, list[str]]:
    text = importlib.resources.files(__package__).joinpath("data/x-tlds.txt").read_text("utf-8")
    groups: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1], [])
        elif line and not line.startswith("#"):
            current.append(line)
    return groups


def _tld(names: list[str]) -> str:
    # Order kept: the first alternative that is followed by a non-domain character wins.
    alternatives = "|".join(re.escape(_fold(n)) for n in names)
    return rf"(?:(?:{alternatives})(?={_cls(_ALNUM, '@+-', negate=True)}|\Z))"


@functools.cache
def _patterns() -> dict[str, re.Pattern[str]]:
    """Compile twitter-text's URL patterns (regexp/extractUrl.js and the parts it names)."""
    tlds = _tld_names()
    top = f"(?:{_tld(tlds['gtld'])}|{_tld(tlds['cctld'])}|(?:XN--[\\-0-9A-Z]+))"
    domain_char = _cls(_PUNCT, _SPACES, _INVALID, _DIRECTIONAL, negate=True)
    subdomain = f"(?:(?:{domain_char}(?:[_\\-]|{domain_char})*)?{domain_char}\\.)"
    domain_name = f"(?:(?:{domain_char}(?:-|{domain_char})*)?{domain_char}\\.)"
    path_char = _cls(_ALNUM, _CYRILLIC, "!*';:=+,.$/%#[]-\u2013_~@|&", _LATIN_ACCENTS)
    parens = (f"\\((?:{path_char}+|(?:{path_char}*\\({path_char}+\\){path_char}*))\\)")
    path_end = _cls("+-=_#/", _ALNUM, _CYRILLIC, _LATIN_ACCENTS)
    # validUrlPath.js pastes in validUrlPathEndingChars ("[...]|(?:parens)") ungrouped, so
    # its "|" splits the whole path: parentheses alone are a path too, with nothing before.
    path = (f"(?:(?:{path_char}*(?:{parens}{path_char}*)*{path_end}|(?:{parens}))"
            f"|(?:@{path_char}+/))")
    query_char = _cls(_ALNUM, "!?*'@();:&=+$/%#[]-_.,~|")
    query_end = _cls(_ALNUM, "-_&=#/")
    preceding = (f"(?:{_cls(_ALNUM, '@＠$#＃', _INVALID, negate=True)}"
                 f"|{_cls(_DIRECTIONAL)}|^)")
    extract = (f"({preceding})((HTTPS?://)?(?P<domain>{subdomain}*{domain_name}{top})"
               f"(?::[0-9]+)?(?P<path>/{path}*)?(?:\\?{query_char}*{query_end})?)")
    ascii_domain = f"(?:{_cls('-', _ALNUM, _LATIN_ACCENTS)}+\\.)+{top}"
    tco = f"HTTPS?://T\\.CO/({_cls(_ALNUM)}+)(?:\\?{query_char}*{query_end})?"
    emoji = importlib.resources.files(__package__).joinpath("data/x-twemoji.txt").read_text("utf-8")
    emoji_source = [line for line in emoji.splitlines() if line and not line.startswith("#")]
    return {"extract": re.compile(extract), "ascii": re.compile(ascii_domain),
            "tco": re.compile(tco), "emoji": re.compile(emoji_source[0])}


def _code_units(text: str) -> str:
    """Return ``text`` as UTF-16 code units, an astral character as its surrogate pair."""
    if text.isascii() or max(text) < "\U00010000":
        return text
    data = text.encode("utf-16-le", "surrogatepass")
    return "".join(map(chr, memoryview(data).cast("H")))


def _code_points(units: str) -> str:
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _punycode_length(label: str) -> int:
    """Return the length of ``punycode.toASCII(label)`` (node's built-in punycode 2.1)."""
    parts = re.split("[.\u3002\uff0e\uff61]", _code_points(label))
    encoded = ["xn--" + part.encode("punycode").decode("ascii")
               if re.search("[^\x00-\x7e]", part) else part for part in parts]
    return len(".".join(encoded))


def _valid_domain(domain: str) -> bool:
    """Return whether ``idna.toAscii`` (lib/idna.js) accepts ``domain``."""
    if domain.startswith("xn--") and not _patterns()["ascii"].search(_fold(domain)):
        return False
    return all(1 <= _punycode_length(label) <= 63 for label in domain.split("."))


def extract_links(units: str) -> dict[int, int]:
    """Return {start: length} of each link twitter-text finds in NFC code units ``units``."""
    found: dict[int, int] = {}
    if "." not in units:
        return found
    patterns = _patterns()
    folded = _fold(units)
    pos = 0
    while match := patterns["extract"].search(folded, pos):
        pos = start_end = match.end()
        start = match.start(2)
        url, domain = units[start:start_end], units[match.start("domain"):match.end("domain")]
        protocol = match.group(3)
        # extractUrlsWithIndices.isValidUrl: its protocol (or "https://") and the URL, which
        # holds that protocol again, make at most 4096.
        if not _valid_domain(domain) or len(protocol or "https://") + len(url) > 4096:
            continue
        if protocol:
            tco = patterns["tco"].match(folded, start, start_end)
            if tco:
                if len(tco.group(1)) > 40:
                    continue
                url = url[:tco.end() - start]
            found[start] = len(url)
            continue
        if units[match.start(1):match.end(1)] in ("-", "_", ".", "/"):
            continue
        # Only the ASCII-only (Latin accents allowed) domains in it are links; the path, if
        # any, goes with the last one.
        last = None
        ascii_end = 0
        for part in patterns["ascii"].finditer(_fold(domain)):
            at = domain.find(domain[part.start():part.end()], ascii_end)
            ascii_end = at + len(part.group())
            last = start + at
            found[last] = len(part.group())
        if last is not None and match.group("path"):
            found[last] += len(url) - len(domain)
    return found


def _weight(unit: str) -> int:
    code = ord(unit)
    return 100 if any(low <= code <= high for low, high in _LIGHT) else 200


def parse_x(text: str) -> tuple[int, bool]:
    """Return twitter-text's (weightedLength, valid) for ``text``: 280 is the limit."""
    units = _code_units(unicodedata.normalize("NFC", text))
    links = extract_links(units)
    emoji = {m.start(): len(m.group()) for m in _patterns()["emoji"].finditer(units)}
    total = 0
    valid = True
    i = 0
    while i < len(units):
        if i in links:
            total += URL_LENGTH * 100
            i += links[i] - 1
        elif i in emoji:
            total += 200
            i += emoji[i] - 1
        else:
            if ("\ud800" <= units[i] <= "\udbff" and i + 1 < len(units)
                    and "\udc00" <= units[i + 1] <= "\udfff"):
                i += 1
            total += _weight(units[i])
        # Only the last code unit of a link or an emoji is checked, as twitter-text does.
        valid = valid and units[i] not in _INVALID
        i += 1
    weighted = total // 100
    return weighted, valid and 0 < weighted <= _MAX_WEIGHT
