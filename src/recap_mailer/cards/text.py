"""Measuring text for cards: which family sets it, advances, metrics, and breaking it in lines.

Each block of text has a family of its own, the script package with the most of its
characters, and falls back character by character to the rest (``runs``); characters no
installed font has show as the block font's empty box, which ``missing_glyphs`` names for
the checks. Advances are measured once at a reference size and scaled, so a size can be
guessed without asking FreeType for every candidate.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from recap_mailer.cards import fonts, runs

if TYPE_CHECKING:
    from PIL import ImageFont

#: The script packages' families: a block of text is set in the one with most of its
#: characters, the first on a tie (see ``family_for``).
FAMILIES = tuple(fonts.PACKAGES)
#: Advances are measured once at this size and scaled: without hinting (Pillow's FreeType
#: sets none on advances) a run's advance is linear in the size to within 0.1%.
REFERENCE_SIZE = 256

Box = tuple[int, int, int, int]


def advance(families: tuple[str, ...], weight: int, size: int, text: str) -> float:
    """Return the advance width of ``text`` at ``size`` pixels, scaled from the reference size."""
    return reference_advance(families, weight, text) * size / REFERENCE_SIZE


@lru_cache(maxsize=8192)
def reference_advance(families: tuple[str, ...], weight: int, text: str) -> float:
    """Return the advance width of ``text`` at the reference size, each run in its family."""
    return runs.advance(text, families, weight, REFERENCE_SIZE)


def scaled_metrics(family: str, weight: int, size: int) -> tuple[int, int]:
    """Return the font's ascent and descent at ``size``, scaled from the reference size."""
    ascent, descent = fonts.font(family, REFERENCE_SIZE, weight).getmetrics()
    return round(ascent * size / REFERENCE_SIZE), round(descent * size / REFERENCE_SIZE)


def family_for(text: str) -> str:
    """Return the package family that has glyphs for the most of ``text``, the first on a tie."""
    needed = runs.needed(text)
    for family in FAMILIES:
        if needed <= runs.coverage(family):
            return family
    return max(FAMILIES, key=lambda f: (len(needed & runs.coverage(f)), -FAMILIES.index(f)))


@lru_cache(maxsize=1024)  # every size tried for a block asks again
def families_for(text: str) -> tuple[str, ...]:
    """Return the families ``text`` is drawn in, tried in order for each character."""
    return runs.families_for(text, family_for(text))


@lru_cache(maxsize=1024)  # a quote's text comes back in every rebuild
def missing_glyphs(text: str) -> str:
    """Return the characters of ``text`` that no installed font can show, in order, once each."""
    return runs.missing(text, families_for(text))


def drawn_box(font: ImageFont.FreeTypeFont, line: str) -> Box:
    """Return the box of the pixels a line actually sets, relative to its baseline origin."""
    mask, (x, y) = font.getmask2(line, anchor="ls")
    x0, y0, x1, y1 = mask.getbbox() or (0, 0, 0, 0)
    return x + x0, y + y0, x + x1, y + y1


# Break lines at spaces and tabs only: a no-break space keeps its words together.
_BREAKS = re.compile(r"[ \t]+")
# A word too long for a line (a web address, a compound) breaks after a slash, full stop,
# hyphen, dash or question mark; only a part still too long alone breaks between letters.
_WORD_PARTS = re.compile(r"[^-‐–—/.?]*[-‐–—/.?]+|[^-‐–—/.?]+")


def wrap(text: str, families: tuple[str, ...], weight: int, size: int, width: float,
         ) -> list[str]:
    """Fill lines greedily word by word; the source's own line breaks are kept."""
    space = advance(families, weight, size, " ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in _BREAKS.split(paragraph.strip()):
            if not word:
                continue
            width_of_word = advance(families, weight, size, word)
            if line and used + space + width_of_word <= width:
                line, used = f"{line} {word}", used + space + width_of_word
                continue
            if not line and width_of_word <= width:
                line, used = word, width_of_word
                continue
            if line and width_of_word > width:
                # A word wider than any line (a web address) starts where the line has room.
                pieces = _break_word(word, families, weight, size, width,
                                     width - used - space)
                head = pieces.pop(0)
                lines.append(f"{line} {head}" if head else line)
            else:
                if line:
                    lines.append(line)
                pieces = _break_word(word, families, weight, size, width, width)
            lines.extend(pieces[:-1])
            line, used = pieces[-1], advance(families, weight, size, pieces[-1])
        lines.append(line)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


def _break_word(word: str, families: tuple[str, ...], weight: int, size: int, width: float,
                room: float) -> list[str]:
    """Split a word wider than a line after ``/ . - ?`` and dashes; a part too wide, anywhere.

    The first piece fills ``room`` (what is left of the line before it) and may be empty;
    the others fill whole lines, and the last is where the line goes on.
    """
    pieces: list[str] = []
    current, limit = "", room
    for part in _WORD_PARTS.findall(word):
        fits = advance(families, weight, size, part) <= width
        for chunk in [part] if fits else _clusters(part):
            if advance(families, weight, size, current + chunk) > limit and (
                    current or limit < width):
                pieces.append(current)
                current, limit = "", width
            current += chunk
    return [*pieces, current]


def _clusters(text: str) -> list[str]:
    """Return the user-perceived characters (extended grapheme clusters) of ``text``."""
    return runs.clusters(text)
