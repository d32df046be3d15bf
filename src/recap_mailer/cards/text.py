"""Measuring text for cards: which family sets it, advances, metrics, and breaking it in lines.

Each block of text is set in the first family that has all its characters; characters
neither has (emoji, CJK) show as the font's empty box, which ``missing_glyphs`` names for
the checks. Advances are measured once at a reference size and scaled, so a size can be
guessed without asking FreeType for every candidate.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from recap_mailer.cards import fonts

if TYPE_CHECKING:
    from PIL import ImageFont

#: Font families tried in order for each block of text: the first with every character wins.
FAMILIES = ("Noto Sans", "Noto Sans Arabic")
#: Advances are measured once at this size and scaled: without hinting (Pillow's FreeType
#: sets none on advances) a run's advance is linear in the size to within 0.1%.
REFERENCE_SIZE = 256

Box = tuple[int, int, int, int]


def advance(family: str, weight: int, size: int, text: str) -> float:
    """Return the advance width of ``text`` at ``size`` pixels, scaled from the reference size."""
    return reference_advance(family, weight, text) * size / REFERENCE_SIZE


@lru_cache(maxsize=8192)
def reference_advance(family: str, weight: int, text: str) -> float:
    """Return the advance width of ``text`` at the reference size."""
    return fonts.font(family, REFERENCE_SIZE, weight).getlength(text)


def scaled_metrics(family: str, weight: int, size: int) -> tuple[int, int]:
    """Return the font's ascent and descent at ``size``, scaled from the reference size."""
    ascent, descent = fonts.font(family, REFERENCE_SIZE, weight).getmetrics()
    return round(ascent * size / REFERENCE_SIZE), round(descent * size / REFERENCE_SIZE)


def _needed(text: str) -> set[int]:
    """Return the code points that need a glyph (not spaces, joiners or variation selectors)."""
    return {ord(ch) for ch in text
            if not ch.isspace() and unicodedata.category(ch) != "Cf"
            and not 0xFE00 <= ord(ch) <= 0xFE0F}


def family_for(text: str) -> str:
    """Return the family that has glyphs for the most of ``text``, the first on a tie."""
    needed = _needed(text)
    for family in FAMILIES:
        if needed <= fonts.font_data(family)[1]:
            return family
    return max(FAMILIES, key=lambda f: (len(needed & fonts.font_data(f)[1]), -FAMILIES.index(f)))


def missing_glyphs(text: str) -> str:
    """Return the characters of ``text`` that its card font cannot show, in order, once each."""
    missing = _needed(text) - fonts.font_data(family_for(text))[1]
    return "".join(dict.fromkeys(ch for ch in text if ord(ch) in missing))


def is_rtl(text: str) -> bool:
    """Tell whether the text's first strong character reads right to left."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def drawn_box(font: ImageFont.FreeTypeFont, line: str) -> Box:
    """Return the box of the pixels a line actually sets, relative to its baseline origin."""
    mask, (x, y) = font.getmask2(line, anchor="ls")
    x0, y0, x1, y1 = mask.getbbox() or (0, 0, 0, 0)
    return x + x0, y + y0, x + x1, y + y1


# Break lines at spaces and tabs only: a no-break space keeps its words together.
_BREAKS = re.compile(r"[ \t]+")
# Inside a word too long for a line, break after a hyphen, dash or slash first.
_WORD_PARTS = re.compile(r"[^-‐–—/]*[-‐–—/]+|[^-‐–—/]+")


def wrap(text: str, family: str, weight: int, size: int, width: float) -> list[str]:
    """Fill lines greedily word by word; the source's own line breaks are kept."""
    space = advance(family, weight, size, " ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in _BREAKS.split(paragraph.strip()):
            if not word:
                continue
            width_of_word = advance(family, weight, size, word)
            if line and used + space + width_of_word <= width:
                line, used = f"{line} {word}", used + space + width_of_word
                continue
            if not line and width_of_word <= width:
                line, used = word, width_of_word
                continue
            if line:
                lines.append(line)
            pieces = _break_word(word, family, weight, size, width)
            lines.extend(pieces[:-1])
            line, used = pieces[-1], advance(family, weight, size, pieces[-1])
        lines.append(line)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


def _break_word(word: str, family: str, weight: int, size: int, width: float) -> list[str]:
    """Split a word wider than a line: after hyphens if that is enough, else between letters."""
    pieces: list[str] = []
    current = ""
    for part in _WORD_PARTS.findall(word):
        fits = advance(family, weight, size, part) <= width
        for chunk in [part] if fits else _clusters(part):
            if current and advance(family, weight, size, current + chunk) > width:
                pieces.append(current)
                current = ""
            current += chunk
    return [*pieces, current]


def _clusters(text: str) -> Iterator[str]:
    """Yield user-perceived characters, roughly: a base with its marks, joiners and modifiers."""
    cluster = ""
    for ch in text:
        joins = (unicodedata.category(ch) in ("Mn", "Me", "Mc", "Cf")
                 or 0x1F3FB <= ord(ch) <= 0x1F3FF or cluster.endswith("\u200d"))
        if cluster and not joins:
            yield cluster
            cluster = ""
        cluster += ch
    if cluster:
        yield cluster
