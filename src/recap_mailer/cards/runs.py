"""Which font draws each character of a line, and where each run of one font goes.

A block of text has a chain of families (``families_for``): the family that sets most of it,
the other script packages, then the machine's CJK face for the block's language, colour emoji
and DejaVu Sans. Each user-perceived character (grapheme cluster) is drawn in the first family
of the chain with a glyph for all of it; punctuation stays in the family before it, so a
Japanese sentence's commas are Japanese commas. A line in one family is handed to
libraqm whole, as it always was; a line of several is cut into runs of one family and one
direction, ordered by ``bidi``, and each run is shaped on its own.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import regex

from recap_mailer.cards import bidi, fonts, system

Box = tuple[int, int, int, int]

_CLUSTER = regex.compile(r"\X")


@dataclass(frozen=True)
class Run:
    """Part of a line in one family: drawn from ``x`` (from the line's origin) at ``anchor``."""

    text: str
    family: str
    direction: str | None  # None: libraqm orders the run itself (a line in one family)
    x: int
    anchor: str


@dataclass(frozen=True)
class Placed:
    """A line cut into runs, left to right as seen, with its advance and the box of its ink."""

    runs: tuple[Run, ...]
    advance: float
    box: Box  # relative to the line's origin at its anchor


def needed(text: str) -> set[int]:
    """Return the code points that need a glyph (not spaces, joiners or variation selectors)."""
    return {ord(ch) for ch in text
            if not ch.isspace() and unicodedata.category(ch) != "Cf"
            and not 0xFE00 <= ord(ch) <= 0xFE0F}


@cache
def coverage(family: str) -> frozenset[int]:
    """Return the code points a family has glyphs for."""
    return fonts.font_data(family)[1]


def families_for(text: str, first: str) -> tuple[str, ...]:
    """Return the families tried for each character of ``text``, ``first`` first."""
    have = fonts.installed()
    cjk = f"Noto Sans CJK {_cjk_language(text)}"
    fallbacks = [f for f in have if not f.startswith("Noto Sans CJK") or f == cjk]
    return (first, *(f for f in fallbacks if f != first))


def _cjk_language(text: str) -> str:
    """Tell which CJK face suits the text: Korean for Hangul, Japanese for kana, else Chinese."""
    # Han characters are shared by the three languages but drawn differently in each: kana or
    # Hangul next to them say which; Han alone is taken as Simplified Chinese.
    for ch in text:
        point = ord(ch)
        if 0xAC00 <= point <= 0xD7AF or 0x1100 <= point <= 0x11FF or 0x3130 <= point <= 0x318F:
            return "KR"
        if 0x3040 <= point <= 0x30FF or 0x31F0 <= point <= 0x31FF or 0xFF66 <= point <= 0xFF9F:
            return "JP"
    return "SC"


def _wants_emoji(cluster: str) -> bool:
    """Tell whether a cluster asks for its emoji picture rather than a text glyph."""
    return any(ch in "\ufe0f\u20e3" or ord(ch) >= 0x1F000 for ch in cluster) \
        and "\ufe0e" not in cluster


def _family_of(cluster: str, families: tuple[str, ...], previous: str | None) -> str | None:
    """Return the family that draws a cluster, or None if none of ``families`` can."""
    wanted = needed(cluster)
    # Punctuation and symbols go with what they follow. Spaces do not: each word is measured
    # alone when lines are filled, and a space between two words in two fonts is the block's.
    if previous is not None and wanted and wanted <= coverage(previous) and not any(
            unicodedata.category(ch)[0] in "LNMZ" for ch in cluster):
        return previous
    order = families
    if system.EMOJI in families and _wants_emoji(cluster):
        order = (system.EMOJI, *families)
    return next((family for family in order if wanted <= coverage(family)), None)


@lru_cache(maxsize=4096)
def split(text: str, families: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Return each cluster of ``text`` with its family; no family draws it: the first's box."""
    if needed(text) <= coverage(families[0]) and not _wants_emoji(text):
        # The usual case, a line all in the block's own family: no cluster needs a look.
        return ((text, families[0]),)
    found: list[tuple[str, str]] = []
    previous: str | None = None
    for cluster in _CLUSTER.findall(text):
        family = _family_of(cluster, families, previous) or families[0]
        found.append((cluster, family))
        previous = family
    return tuple(found)


def missing(text: str, families: tuple[str, ...]) -> str:
    """Return the characters of ``text`` that no family in ``families`` has, once each."""
    found: dict[str, None] = {}
    previous: str | None = None
    for cluster in _CLUSTER.findall(text):
        previous = _family_of(cluster, families, previous)
        if previous is None:
            have = coverage(families[0])
            found.update((ch, None) for ch in cluster if ord(ch) in needed(ch)
                         and ord(ch) not in have)
    return "".join(found)


def scale(family: str, size: int) -> float:
    """Return what the family's measurements at ``size`` are multiplied by: 1 but for emoji."""
    return size / system.EMOJI_STRIKE if family == system.EMOJI else 1.0


def _measure(text: str, family: str, weight: int, size: int, direction: str | None,
             anchor: str) -> tuple[float, Box]:
    font = fonts.font(family, size, weight)
    factor = scale(family, size)
    length = font.getlength(text, direction=direction) * factor
    x0, y0, x1, y1 = font.getbbox(text, anchor=anchor, direction=direction)
    if factor != 1.0:
        x0, y0 = math.floor(x0 * factor), math.floor(y0 * factor)
        x1, y1 = math.ceil(x1 * factor), math.ceil(y1 * factor)
    return length, (x0, y0, x1, y1)


@lru_cache(maxsize=4096)
def place(text: str, families: tuple[str, ...], weight: int, size: int, rtl: bool) -> Placed:
    """Cut a line into runs, put them in the order they are seen, and measure its ink."""
    anchor = "rs" if rtl else "ls"
    clusters = split(text, families)
    if len({family for _, family in clusters}) == 1 and clusters[0][1] != system.EMOJI:
        length, box = _measure(text, clusters[0][1], weight, size, None, anchor)
        return Placed((Run(text, clusters[0][1], None, 0, anchor),), length, box)
    # Runs of one family and one direction, each shaped on its own, in the order seen.
    levels = bidi.levels([bidi.bidi_class(cluster) for cluster, _ in clusters], rtl)
    cut: list[tuple[str, str, int]] = []
    for (cluster, family), level in zip(clusters, levels, strict=True):
        if cut and cut[-1][1] == family and cut[-1][2] == level:
            cut[-1] = (cut[-1][0] + cluster, family, level)
        else:
            cut.append((cluster, family, level))
    measured = []
    for i in bidi.visual_order([level for _, _, level in cut]):
        piece, family, level = cut[i]
        direction = "rtl" if level % 2 else "ltr"
        measured.append((piece, family, direction,
                         *_measure(piece, family, weight, size, direction, "ls")))
    total = sum(length for *_, length, _ in measured)
    x = -total if rtl else 0.0
    runs, boxes = [], []
    for piece, family, direction, length, (x0, y0, x1, y1) in measured:
        # Whole pixels, so the box measured is the box drawn.
        left = round(x)
        runs.append(Run(piece, family, direction, left, "ls"))
        boxes.append((left + x0, y0, left + x1, y1))
        x += length
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
           max(b[2] for b in boxes), max(b[3] for b in boxes))
    return Placed(tuple(runs), total, box)


def advance(text: str, families: tuple[str, ...], weight: int, size: int) -> float:
    """Return the advance of ``text``: each run of one family measured in it, and summed."""
    total, run, family = 0.0, "", None
    for cluster, its in [*split(text, families), ("", None)]:
        if its != family and run and family is not None:
            font = fonts.font(family, size, weight)
            total += font.getlength(run) * scale(family, size)
            run = ""
        run, family = run + cluster, its
    return total


def clusters(text: str) -> list[str]:
    """Return the user-perceived characters (extended grapheme clusters) of ``text``."""
    return list(_CLUSTER.findall(text))
