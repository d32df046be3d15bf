"""Quote cards: a PNG per quote and card size, in the theme's colours.

The type is Noto Sans, with Noto Sans Arabic for Arabic text (both SIL Open Font License,
from the fontpkg-noto-sans and fontpkg-noto-sans-arabic packages). Each block of text is
set in the first of those fonts that has all its characters; characters neither has (emoji,
CJK) show as the font's empty box. Right-to-left text is shaped and ordered by libraqm,
which Pillow's wheels bring (with the system's FriBiDi); without it Pillow falls back to
basic layout and Arabic comes out unshaped.

A card is laid out first (``layout_card``: every line of text with the box its ink covers),
then drawn (``draw_card``), so tests can check the layout and the pixels separately. Fonts
are opened by ``fonts.py``; sizes are chosen from advances scaled from one reference size,
and only the chosen sizes are measured for real.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import re
import select
import signal
import struct
import threading
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from recap_mailer.cards import fonts
from recap_mailer.colour import readable, rgb
from recap_mailer.model import Campaign, Quote
from recap_mailer.outputs import write_all

if TYPE_CHECKING:
    from PIL import Image, ImageFont

# Pillow is imported where a card is laid out or drawn: a rebuild that keeps every card from
# the last build (see render_cards) loads only its version numbers.

#: Card sizes: 16:9 serves X, Bluesky, Mastodon and LinkedIn; 4:5 is Instagram's.
CARD_SIZES = ((1600, 900), (1080, 1350))
#: WCAG 2 AA contrast for normal text; every glyph on a card meets it against the background.
#: Font families tried in order for each block of text: the first with every character wins.
FAMILIES = ("Noto Sans", "Noto Sans Arabic")
#: Fixed, so the same source always gives the same bytes.
PNG_COMPRESS_LEVEL = 4  # 6 is a third slower for 6% less
#: The quote is never cut: below its normal smallest size it shrinks down to this, in pixels.
FLOOR_SIZE = 8

Box = tuple[int, int, int, int]


def card_path(quote: Quote, size: tuple[int, int]) -> str:
    """Return the card's path inside the output folder: ``cards/<quote-id>-1600x900.png``."""
    width, height = size
    return f"cards/{quote.id}-{width}x{height}.png"


# --- Layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextLine:
    """One line of a text block: where it is drawn from and the box its ink covers."""

    text: str
    origin: tuple[int, int]
    box: Box


@dataclass(frozen=True)
class TextBlock:
    """A run of lines in one font, size and colour: the quote, the speaker's name, ..."""

    role: str
    family: str
    weight: int
    size: int
    colour: str
    anchor: str  # "ls": origin is the left end of the baseline; "rs": the right end (RTL)
    lines: tuple[TextLine, ...]


@dataclass(frozen=True)
class Rule:
    """A filled rectangle (the accent bar under the quote)."""

    box: Box
    colour: str


@dataclass(frozen=True)
class CardLayout:
    """Everything a card shows and where, before a pixel is drawn."""

    size: tuple[int, int]
    content: Box  # the area inside the margins
    background: str
    blocks: tuple[TextBlock, ...]
    rules: tuple[Rule, ...]

    def block(self, role: str) -> TextBlock | None:
        """Return the block playing ``role``, if the card has one."""
        return next((b for b in self.blocks if b.role == role), None)


@dataclass(frozen=True)
class _Set:
    """Text broken into lines at one size, with its vertical extent around the first baseline."""

    family: str
    weight: int
    size: int
    lines: tuple[str, ...]
    boxes: tuple[Box, ...]  # each line's ink, relative to its origin at the block's anchor
    line_height: int
    top: int  # relative to the first baseline, so negative
    bottom: int
    rtl: bool

    @property
    def height(self) -> int:
        return self.bottom - self.top


def layout_card(quote: Quote, campaign: Campaign, size: tuple[int, int]) -> CardLayout:
    """Lay out one card: the quote as large as fits, then who said it, where, and the event."""
    # Drawing and the checks both need the layout: fitting the text is the costly part.
    key = card_inputs(quote, campaign, size)
    if key not in _LAID_OUT:
        _LAID_OUT[key] = _layout_card(quote, campaign, size)
    return _LAID_OUT[key]


def _layout_card(quote: Quote, campaign: Campaign, size: tuple[int, int]) -> CardLayout:
    width, height = size
    unit = min(width, height) / 100
    margin_x, margin_y = round(width * 0.08), round(height * 0.08)
    left, top, right, bottom = margin_x, margin_y, width - margin_x, height - margin_y
    measure = right - left
    theme = campaign.theme
    background = theme.background
    ink = readable(theme.text, background)
    muted = readable(theme.muted, background)
    strong = readable(theme.primary, background)
    accent = readable(theme.accent, background)
    person, session = quote.speaker, quote.session

    def px(value: float) -> int:
        return max(1, round(value * unit))

    text = quote.text.strip()
    rtl = _is_rtl(text)
    speaker = _fit_lines(person.display_name, 700, measure, px(3.6), px(2.4), 2)
    affiliation = (_fit_lines(person.affiliation, 400, measure, px(3.2), px(2.2), 2)
                   if person.affiliation else None)
    where = _fit_lines(session.title, 400, measure, px(2.6), px(1.8), 3)
    event = _fit_lines(_event_line(campaign), 700, measure, px(2.6), px(1.8), 2)

    gap_mark, gap_quote, gap_rule, gap_name, gap_session = px(2.5), px(4), px(3), px(0.6), px(1.6)
    gap_event = px(4)
    # Under the quote, top to bottom: (space above, role, text or None for the rule, colour).
    below: list[tuple[int, str, _Set | None, str]] = [
        (gap_quote, "rule", None, accent), (gap_rule, "speaker", speaker, ink)]
    if affiliation:
        below.append((gap_name, "affiliation", affiliation, muted))
    below.append((gap_session, "session", where, muted))
    rule_height = px(0.7)
    room = (bottom - event.height - gap_event) - top
    for mark_size in (px(20), px(11)):  # a long quote gets the room of a smaller mark
        mark = _set_text("”" if rtl else "“", 700, mark_size, measure, 1.0, tight=True, rtl=rtl)
        fixed = mark.height + gap_mark + sum(
            gap + (item.height if item else rule_height) for gap, _, item, _ in below)
        body = _fit_quote(text, measure, room - fixed, px(8), px(2))
        if body.size >= px(4.5):
            break

    # The quote and its attribution sit in the middle of the room above the event line.
    y = top + max(0, (room - fixed - body.height) // 2)
    blocks = [_place(mark, "mark", accent, y, left, right)]
    y += mark.height + gap_mark
    blocks.append(_place(body, "quote", ink, y, left, right))
    y += body.height
    rules = []
    for gap, role, item, colour in below:
        y += gap
        if item is None:
            bar = px(12)
            x0 = right - bar if rtl else left
            rules.append(Rule((x0, y, x0 + bar, y + rule_height), colour))
            y += rule_height
        else:
            blocks.append(_place(item, role, colour, y, left, right))
            y += item.height
    blocks.append(_place(event, "event", strong, bottom - event.height, left, right))
    return CardLayout(size, (left, top, right, bottom), background, tuple(blocks), tuple(rules))


def _event_line(campaign: Campaign) -> str:
    tags = " ".join(f"#{tag}" for tag in campaign.event.hashtags)
    return f"{campaign.event.name}  ·  {tags}" if tags else campaign.event.name


def _fit_quote(text: str, width: int, height: int, largest: int, smallest: int) -> _Set:
    """Set the quote as large as fits the box; it is never cut, only made smaller."""
    fitted = _largest_fitting(text, width, height, smallest, largest)
    if fitted is None and "\n" in text:
        # Many short lines: run them together rather than set the quote tiny.
        text = " ".join(text.split())
        fitted = _largest_fitting(text, width, height, smallest, largest)
    if fitted is None:
        fitted = _largest_fitting(text, width, height, FLOOR_SIZE, smallest - 1)
    return fitted or _set_text(text, 600, FLOOR_SIZE, width, 1.25)


def _largest_fitting(text: str, width: int, height: int, lo: int, hi: int) -> _Set | None:
    """Return ``text`` at the largest size in ``lo..hi`` at which it fits the box, if any."""
    family = family_for(text)

    def guess(size: int) -> bool:
        lines = len(_wrap(text, family, 600, size, width))
        ascent, descent = _scaled_metrics(family, 600, size)
        return (lines - 1) * round(size * 1.25) + ascent + descent <= height

    return _largest(lo, hi, guess, lambda size: _set_text(text, 600, size, width, 1.25),
                    lambda fitted: fitted.height <= height)


def _fit_lines(text: str, weight: int, width: int, largest: int, smallest: int,
               max_lines: int) -> _Set:
    """Set a line of attribution in at most ``max_lines`` lines, shrinking it if need be."""
    family = family_for(text)
    best = _largest(smallest, largest,
                    lambda size: len(_wrap(text, family, weight, size, width)) <= max_lines,
                    lambda size: _set_text(text, weight, size, width, 1.3),
                    lambda fitted: len(fitted.lines) <= max_lines)
    # Still too many lines at the smallest size: keep them all rather than cut the text.
    return best or _set_text(text, weight, smallest, width, 1.3)


def _largest(lo: int, hi: int, guess: Callable[[int], bool], set_at: Callable[[int], _Set],
             fits: Callable[[_Set], bool]) -> _Set | None:
    """Return the text set at the largest size in ``lo..hi`` that ``fits``, or None.

    Setting text for real measures every line's ink in FreeType, which is slow, so the size is
    first guessed from advance widths alone (they scale linearly with the size), then
    confirmed: usually two real settings instead of a dozen.
    """
    if lo > hi:
        return None

    def search(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
        best = lo - 1
        while lo <= hi:
            size = (lo + hi) // 2
            if ok(size):
                best, lo = size, size + 1
            else:
                hi = size - 1
        return best

    def real(size: int) -> bool:
        return fits(set_at(size))

    start = max(lo, search(lo, hi, guess))
    if real(start):
        best = start if start >= hi or not real(start + 1) else search(start + 1, hi, real)
    else:
        best = search(lo, start - 1, real)
    return set_at(best) if best >= lo else None


@lru_cache(maxsize=1024)
def _set_text(text: str, weight: int, size: int, width: int, leading: float,
              *, tight: bool = False, rtl: bool | None = None) -> _Set:
    """Break ``text`` into lines no wider than ``width`` (measured on the ink) at ``size``."""
    family = family_for(text)
    font = fonts.font(family, size, weight)
    rtl = _is_rtl(text) if rtl is None else rtl
    anchor = "rs" if rtl else "ls"
    limit = float(width)
    for _ in range(4):
        lines = _wrap(text, family, weight, size, limit)
        boxes = [font.getbbox(line, anchor=anchor) if line else (0, 0, 0, 0) for line in lines]
        # Ink can reach a little past a glyph's advance: measure the ink of every line.
        over = max((max(x1, 0) - min(x0, 0) - width for x0, _, x1, _ in boxes), default=0)
        if over <= 0:
            break
        limit -= over
    line_height = round(size * leading)
    ascent, descent = font.getmetrics()
    # The block's extent: the font's ascent and descent, or wherever ink goes beyond them
    # (stacked diacritics); ``tight`` takes the ink alone (the big quotation mark). Only the
    # first and last lines can reach past the block. getbbox reaches down to the baseline at
    # least; ``tight`` looks at the drawn ink instead.
    ends = {0, len(lines) - 1}
    inks = [(i * line_height + t, i * line_height + b)
            for i, line in enumerate(lines) if line and i in ends
            for _, t, _, b in [_drawn_box(font, line) if tight else boxes[i]]]
    top = min((t for t, _ in inks), default=0)
    bottom = max((b for _, b in inks), default=0)
    if not tight:
        top, bottom = min(top, -ascent), max(bottom, (len(lines) - 1) * line_height + descent)
    return _Set(family, weight, size, tuple(lines), tuple(boxes), line_height, top, bottom, rtl)


def _place(fitted: _Set, role: str, colour: str, y: int, left: int, right: int) -> TextBlock:
    """Put a set text block with its top at ``y``, aligned to the side its script reads from."""
    anchor = "rs" if fitted.rtl else "ls"
    lines = []
    for i, (text, (x0, y0, x1, y1)) in enumerate(zip(fitted.lines, fitted.boxes, strict=True)):
        baseline = y - fitted.top + i * fitted.line_height
        x = right - max(x1, 0) if fitted.rtl else left - min(x0, 0)
        lines.append(TextLine(text, (x, baseline), (x + x0, baseline + y0, x + x1, baseline + y1)))
    return TextBlock(role, fitted.family, fitted.weight, fitted.size, colour, anchor, tuple(lines))


# Break lines at spaces and tabs only: a no-break space keeps its words together.
_BREAKS = re.compile(r"[ \t]+")
# Inside a word too long for a line, break after a hyphen, dash or slash first.
_WORD_PARTS = re.compile(r"[^-‐–—/]*[-‐–—/]+|[^-‐–—/]+")


def _wrap(text: str, family: str, weight: int, size: int, width: float) -> list[str]:
    """Fill lines greedily word by word; the source's own line breaks are kept."""
    space = _advance(family, weight, size, " ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in _BREAKS.split(paragraph.strip()):
            if not word:
                continue
            advance = _advance(family, weight, size, word)
            if line and used + space + advance <= width:
                line, used = f"{line} {word}", used + space + advance
                continue
            if not line and advance <= width:
                line, used = word, advance
                continue
            if line:
                lines.append(line)
            pieces = _break_word(word, family, weight, size, width)
            lines.extend(pieces[:-1])
            line, used = pieces[-1], _advance(family, weight, size, pieces[-1])
        lines.append(line)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


def _break_word(word: str, family: str, weight: int, size: int, width: float) -> list[str]:
    """Split a word wider than a line: after hyphens if that is enough, else between letters."""
    pieces: list[str] = []
    current = ""
    for part in _WORD_PARTS.findall(word):
        fits = _advance(family, weight, size, part) <= width
        for chunk in [part] if fits else _clusters(part):
            if current and _advance(family, weight, size, current + chunk) > width:
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


def _drawn_box(font: ImageFont.FreeTypeFont, line: str) -> Box:
    """Return the box of the pixels a line actually sets, relative to its baseline origin."""
    mask, (x, y) = font.getmask2(line, anchor="ls")
    x0, y0, x1, y1 = mask.getbbox() or (0, 0, 0, 0)
    return x + x0, y + y0, x + x1, y + y1


def _is_rtl(text: str) -> bool:
    """Tell whether the text's first strong character reads right to left."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


# --- Fonts -------------------------------------------------------------------------------


#: Advances are measured once at this size and scaled: without hinting (Pillow's FreeType
#: sets none on advances) a run's advance is linear in the size to within 0.1%.
REFERENCE_SIZE = 256


def _advance(family: str, weight: int, size: int, text: str) -> float:
    """Return the advance width of ``text`` at ``size`` pixels, scaled from the reference size."""
    return _reference_advance(family, weight, text) * size / REFERENCE_SIZE


@lru_cache(maxsize=8192)
def _reference_advance(family: str, weight: int, text: str) -> float:
    return fonts.font(family, REFERENCE_SIZE, weight).getlength(text)


def _scaled_metrics(family: str, weight: int, size: int) -> tuple[int, int]:
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
    have = fonts.font_data(family_for(text))[1]
    return "".join(dict.fromkeys(chr(c) for c in map(ord, text) if c in _needed(text)
                                 and c not in have))


# --- Drawing -----------------------------------------------------------------------------


def draw_card(layout: CardLayout) -> Image.Image:
    """Draw a laid-out card as a palette image: each colour in shades over the background."""
    # Text is drawn as coverage masks, one block at a time, and each level of coverage is a
    # palette entry between the background and the block's colour. A card has at most five
    # colours, so each gets 51 or more shades, which the eye cannot tell from 256; the PNG
    # encodes three times faster than RGB and is half the size.
    colours = list(dict.fromkeys([rule.colour for rule in layout.rules]
                                 + [block.colour for block in layout.blocks]))
    levels = 255 // max(1, len(colours))
    from PIL import Image, ImageChops, ImageDraw

    background = rgb(layout.background)
    palette = list(background)
    for colour in colours:
        ink = rgb(colour)
        for level in range(1, levels + 1):
            palette += [round(b + (i - b) * level / levels) for b, i in
                        zip(background, ink, strict=True)]
    image = Image.new("L", layout.size, 0)

    def solid(colour: str) -> int:
        return colours.index(colour) * levels + levels

    for rule in layout.rules:
        image.paste(solid(rule.colour), rule.box)
    for block in layout.blocks:
        drawn = [line for line in block.lines if line.text]
        if not drawn:
            continue
        left = min(line.box[0] for line in drawn)
        top = min(line.box[1] for line in drawn)
        right = max(line.box[2] for line in drawn)
        bottom = max(line.box[3] for line in drawn)
        if right <= left or bottom <= top:
            continue
        mask = Image.new("L", (right - left, bottom - top), 0)
        draw = ImageDraw.Draw(mask)
        font = fonts.font(block.family, block.size, block.weight)
        for line in drawn:
            x, y = line.origin
            draw.text((x - left, y - top), line.text, font=font, fill=255, anchor=block.anchor)
        shades = mask.point(_shade_table(solid(block.colour) - levels, levels))
        box = (left, top, right, bottom)
        # Blocks do not overlap, but their boxes may touch: keep what is already inked.
        image.paste(ImageChops.lighter(image.crop(box), shades), box)
    image.putpalette(palette)
    return image


@cache
def _shade_table(first: int, levels: int) -> list[int]:
    """Map coverage 0-255 to palette entries: 0 is background, then ``levels`` shades."""
    return [0] + [first + max(1, round(v * levels / 255)) for v in range(1, 256)]


def render_card(quote: Quote, campaign: Campaign, size: tuple[int, int]) -> bytes:
    """Return one card as PNG bytes; the same input always gives the same bytes."""
    layout = layout_card(quote, campaign, size)
    buffer = BytesIO()
    # No time stamp and a fixed compression level: reproducible bytes.
    draw_card(layout).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    shows = {role: "\n".join(line.text for line in block.lines)
             for role in ("quote", "speaker") if (block := layout.block(role))}
    return _stamp(buffer.getvalue(), card_inputs(quote, campaign, size), shows)


# --- The stamp: what a card shows and was drawn from ---------------------------------------
#
# Every card ends with one iTXt chunk, just before IEND: the hash of its inputs, the text it
# shows (which the checks read, as they read every other output) and the SHA-256 of the
# bytes before the chunk. A later build may reuse a card from the previous outputs only if
# stamping those bytes afresh gives the very same file: same inputs, same drawing code, not
# a byte changed since.

STAMP_KEYWORD = "recap-mailer"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _stamp(png: bytes, inputs: str, shows: dict[str, str]) -> bytes:
    body = png[:-len(_IEND)]
    record = {"inputs": inputs, "shows": shows, "sha256": hashlib.sha256(body).hexdigest()}
    text = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    # iTXt: keyword, no compression, no language tag, no translated keyword, UTF-8 text.
    stamp = _chunk(b"iTXt", STAMP_KEYWORD.encode("latin-1") + b"\0\0\0\0\0" + text)
    return body + stamp + _IEND


def card_stamp(png: bytes) -> dict[str, object] | None:
    """Return a card's stamp (its inputs, the text it shows), or None if it has none intact."""
    if not png.endswith(_IEND):
        return None
    end = len(png) - len(_IEND)
    start = png.rfind(b"iTXt" + STAMP_KEYWORD.encode("latin-1") + b"\0", 0, end) - 4
    if start < 8:
        return None
    try:
        text = png[start + 8 + len(STAMP_KEYWORD) + 5:end - 4].decode("utf-8")
        record = json.loads(text)
        rebuilt = _stamp(png[:start] + _IEND, record["inputs"], record["shows"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    return record if rebuilt == png else None


def card_inputs(quote: Quote, campaign: Campaign, size: tuple[int, int]) -> str:
    """Return a hash of everything a card is drawn from: its text and theme, and the drawing."""
    person = quote.speaker
    parts = (quote.text, person.display_name, person.affiliation, quote.session.title,
             _event_line(campaign), campaign.theme, size, _renderer())
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


@cache
def _renderer() -> str:
    """Identify the drawing: this code, Pillow and its libraries, Unicode and the fonts."""
    from PIL import __version__, _imaging, _imagingft

    modules = b"".join(Path(module).read_bytes() for module in (__file__, fonts.__file__))
    libraries = (__version__, _imaging.zlib_version,
                 *(getattr(_imagingft, f"{name}_version", None)
                   for name in ("freetype2", "harfbuzz", "fribidi", "raqm")))
    return repr((hashlib.sha256(modules).hexdigest(), libraries, unicodedata.unidata_version,
                 fonts.font_versions()))


#: The cards (and layouts) of the latest render, by content hash: a rebuild redraws only the
#: cards whose inputs changed. Holding exactly one campaign's cards, however many, means
#: no thrashing on a large campaign and no growth across many.
_DRAWN: dict[str, bytes] = {}
_LAID_OUT: dict[str, CardLayout] = {}


def card_paths(campaign: Campaign) -> list[str]:
    """Return the path of every card the campaign has, as ``render_cards`` keys them."""
    return [card_path(quote, size) for quote in campaign.quotes for size in CARD_SIZES]


def render_cards(campaign: Campaign, previous: Mapping[str, bytes] | None = None,
                 ) -> dict[str, bytes]:
    """Render a card per quote and size, keyed ``cards/<quote-id>-<width>x<height>.png``."""
    # A card is drawn only if neither this process nor ``previous`` (the last build's cards,
    # by path) has one stamped with the same inputs.
    global _DRAWN, _LAID_OUT
    cards: dict[str, bytes] = {}
    drawn: dict[str, bytes] = {}
    for path, key, quote, size, kept in _each_card(campaign, previous):
        if key not in drawn:
            drawn[key] = kept if kept is not None else render_card(quote, campaign, size)
        cards[path] = drawn[key]
    _DRAWN = drawn
    _LAID_OUT = {key: layout for key, layout in _LAID_OUT.items() if key in drawn}
    return cards


#: Cards left to the helper when this process is free, from which it draws some of them
#: too: Pillow and the fonts cost this process a few cards' time before its first.
SHARE_FROM = 6
#: Seconds the build waits for the helper's next card before drawing the rest itself (a card
#: takes a twentieth of a second).
HELPER_PATIENCE = 30.0


class CardsInProgress:
    """Cards being drawn, by a helper process if allowed: ``result()`` gives them all."""

    # The helper draws the cards still to draw, first to last, while the caller renders the
    # email on the other core. When the caller asks for them and many are left (hundreds of
    # quotes), it draws from the last backwards until the two meet; otherwise it waits, and
    # never loads Pillow or the fonts. If the helper fails, its cards are drawn here instead.

    def __init__(self, campaign: Campaign, previous: Mapping[str, bytes] | None = None,
                 *, helper: bool = False) -> None:
        self.campaign, self.previous = campaign, previous
        self._helper: tuple[int, int] | None = None  # the helper's pid and its pipe
        todo = _to_draw(campaign, previous) if helper else []
        self._left = collections.deque(todo)  # still to come, in the order the helper draws
        self._done: dict[str, bytes] = {}
        self._ended = False  # the helper has sent all it will
        if len(todo) >= 2 and _may_fork():
            self._helper = _fork_drawing(campaign, todo)

    def collect(self) -> None:
        """Take the cards the helper has sent so far, without waiting."""
        # Called between stages of a long build: a helper whose pipe is full waits until read.
        if self._helper is not None:
            self._receive(wait=False)

    def result(self) -> dict[str, bytes]:
        """Wait for the helper (or share its work), draw anything left, and return every card."""
        if self._helper is not None:
            try:
                self._share()
            finally:
                self.cancel()  # once the two meet, it may be drawing a card already drawn here
            _DRAWN.update(self._done)
            # Whatever neither drew (a helper that failed) is drawn here, below.
        return render_cards(self.campaign, self.previous)

    def _receive(self, wait: bool) -> None:
        """Take the helper's cards as they come; with ``wait``, until it has sent them all."""
        assert self._helper is not None
        pipe = self._helper[1]
        poller = select.poll()
        poller.register(pipe, select.POLLIN)
        patience = int(HELPER_PATIENCE * 1000) if wait else 0
        while self._left and not self._ended:
            if not poller.poll(patience):
                # Nothing within the patience while waiting: a helper stuck on a card must
                # not hang the build; what it has not sent is drawn here.
                self._ended = wait
                return
            card = _receive_card(pipe)
            if card is None:
                self._ended = True  # the helper stopped: result() draws what it did not send
                return
            self._done[card[0]] = card[1]
            self._left.popleft()

    def _share(self) -> None:
        """Take the helper's cards, drawing from the other end if many are left."""
        self._receive(wait=False)
        if len(self._left) < SHARE_FROM or self._ended:
            self._receive(wait=True)
            return
        while self._left:
            quote, size = self._left.pop()
            self._done[card_inputs(quote, self.campaign, size)] = render_card(
                quote, self.campaign, size)
            self._receive(wait=False)
        # Drawn here only to share the work: the sized fonts and layouts it kept (megabytes
        # for hundreds of cards) are let go before the rest of the build.
        _LAID_OUT.clear()
        _set_text.cache_clear()
        fonts.font.cache_clear()

    def cancel(self) -> None:
        """Stop the helper: the build failed before its cards were wanted, or has them all."""
        if self._helper is not None:
            pid, pipe = self._helper
            self._helper = None
            os.close(pipe)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _to_draw(campaign: Campaign, previous: Mapping[str, bytes] | None,
             ) -> list[tuple[Quote, tuple[int, int]]]:
    """Return the cards neither this process nor ``previous`` has, once each."""
    todo = {key: (quote, size) for _, key, quote, size, kept in _each_card(campaign, previous)
            if kept is None}
    return list(todo.values())


def _each_card(campaign: Campaign, previous: Mapping[str, bytes] | None,
               ) -> Iterator[tuple[str, str, Quote, tuple[int, int], bytes | None]]:
    """Yield each card's path, inputs, quote and size, and its bytes if they can be kept."""
    for quote in campaign.quotes:
        for size in CARD_SIZES:
            key = card_inputs(quote, campaign, size)
            path = card_path(quote, size)
            if key in _DRAWN:
                yield path, key, quote, size, _DRAWN[key]
            elif previous and path in previous and _stamped_with(previous[path], key):
                yield path, key, quote, size, previous[path]
            else:
                yield path, key, quote, size, None


def _may_fork() -> bool:
    """Say whether a helper may be forked: only from a process with no other thread."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _fork_drawing(campaign: Campaign, items: list[tuple[Quote, tuple[int, int]]],
                  ) -> tuple[int, int] | None:
    """Fork a helper that draws ``items`` and sends them back, one by one, through a pipe."""
    reading, writing = os.pipe()
    # Room for several cards: a helper blocked on a full pipe would wait while the parent
    # draws its share (Linux; elsewhere the default size).
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, 1 << 20)
    try:
        pid = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return None
    if pid:
        os.close(writing)
        return pid, reading
    # The helper: draw, send, and leave without running anything the parent set up.
    status = 1
    try:
        os.close(reading)
        for quote, size in items:
            png = render_card(quote, campaign, size)
            key = card_inputs(quote, campaign, size).encode("utf-8")
            write_all(writing, struct.pack(">II", len(key), len(png)) + key + png)
        status = 0
    finally:
        os._exit(status)


# Between the helper and its parent, each card is its inputs and its PNG, each after its
# length: read exactly, with no read-ahead, so poll() tells truly whether one is waiting.


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    chunks, wanted = [], size
    while wanted:
        chunk = os.read(descriptor, min(wanted, 1 << 20))
        if not chunk:
            return None  # the helper ended in the middle: nothing of this card is used
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def _receive_card(descriptor: int) -> tuple[str, bytes] | None:
    """Read the helper's next card (inputs, PNG); None when it has sent its last."""
    header = _read_exactly(descriptor, 8)
    if header is None:
        return None
    key_size, png_size = struct.unpack(">II", header)
    key, png = _read_exactly(descriptor, key_size), _read_exactly(descriptor, png_size)
    if key is None or png is None:
        return None
    return key.decode("utf-8"), png


def _stamped_with(png: bytes, inputs: str) -> bool:
    stamp = card_stamp(png)
    return stamp is not None and stamp.get("inputs") == inputs


def clear_caches() -> None:
    """Forget every card, layout, setting, advance and sized font (not the font files)."""
    _DRAWN.clear()
    _LAID_OUT.clear()
    _set_text.cache_clear()
    _reference_advance.cache_clear()
    fonts.font.cache_clear()
