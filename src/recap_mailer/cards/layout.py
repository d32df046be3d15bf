"""Laying out a card: the quote as large as fits, then who said it, where, and the event.

A card is laid out first (``layout_card``: every line of text with the box its ink covers),
then drawn (``draw.draw_card``), so tests can check the layout and the pixels separately.
Sizes are chosen from advances scaled from one reference size (``text.py``), and only the
chosen sizes are measured for real.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from recap_mailer.cards import fonts, runs
from recap_mailer.cards.text import (
    Box,
    drawn_box,
    families_for,
    scaled_metrics,
    wrap,
)
from recap_mailer.colour import readable
from recap_mailer.model import Campaign, Quote
from recap_mailer.text_direction import is_rtl

#: The quote is never cut: below its normal smallest size it shrinks down to this, in pixels.
FLOOR_SIZE = 8

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
    families: tuple[str, ...]  # ``family`` first, then the fallbacks tried for each character
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
    families: tuple[str, ...]
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
    rtl = is_rtl(text)
    speaker = _fit_lines(person.display_name, 700, measure, px(3.6), px(2.4), 2)
    affiliation = (_fit_lines(person.affiliation, 400, measure, px(3.2), px(2.2), 2)
                   if person.affiliation else None)
    where = _fit_lines(session.title, 400, measure, px(2.6), px(1.8), 3)
    event = _fit_lines(event_line(campaign), 700, measure, px(2.6), px(1.8), 2)

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
        mark = set_text("”" if rtl else "“", 700, mark_size, measure, 1.0, tight=True, rtl=rtl)
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


def event_line(campaign: Campaign) -> str:
    """Return the line naming the event and its hashtags, at the foot of every card."""
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
    return fitted or set_text(text, 600, FLOOR_SIZE, width, 1.25)


def _largest_fitting(text: str, width: int, height: int, lo: int, hi: int) -> _Set | None:
    """Return ``text`` at the largest size in ``lo..hi`` at which it fits the box, if any."""
    families = families_for(text)

    def guess(size: int) -> bool:
        lines = len(wrap(text, families, 600, size, width))
        ascent, descent = scaled_metrics(families[0], 600, size)
        return (lines - 1) * round(size * 1.25) + ascent + descent <= height

    return _largest(lo, hi, guess, lambda size: set_text(text, 600, size, width, 1.25),
                    lambda fitted: fitted.height <= height)


def _fit_lines(text: str, weight: int, width: int, largest: int, smallest: int,
               max_lines: int) -> _Set:
    """Set a line of attribution in at most ``max_lines`` lines, shrinking it if need be."""
    families = families_for(text)
    best = _largest(smallest, largest,
                    lambda size: len(wrap(text, families, weight, size, width)) <= max_lines,
                    lambda size: set_text(text, weight, size, width, 1.3),
                    lambda fitted: len(fitted.lines) <= max_lines)
    # Still too many lines at the smallest size: keep them all rather than cut the text.
    return best or set_text(text, weight, smallest, width, 1.3)


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


@lru_cache(maxsize=1024)  # fitting sets the same text at the same sizes again and again
def set_text(text: str, weight: int, size: int, width: int, leading: float,
              *, tight: bool = False, rtl: bool | None = None) -> _Set:
    """Break ``text`` into lines no wider than ``width`` (measured on the ink) at ``size``."""
    families = families_for(text)
    family = families[0]
    font = fonts.font(family, size, weight)
    rtl = is_rtl(text) if rtl is None else rtl
    limit = float(width)
    for _ in range(4):
        lines = wrap(text, families, weight, size, limit)
        boxes = [runs.place(line, families, weight, size, rtl).box if line else (0, 0, 0, 0)
                 for line in lines]
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
            for _, t, _, b in [drawn_box(font, line) if tight else boxes[i]]]
    top = min((t for t, _ in inks), default=0)
    bottom = max((b for _, b in inks), default=0)
    if not tight:
        top, bottom = min(top, -ascent), max(bottom, (len(lines) - 1) * line_height + descent)
    return _Set(family, families, weight, size, tuple(lines), tuple(boxes), line_height, top,
                bottom, rtl)


def _place(fitted: _Set, role: str, colour: str, y: int, left: int, right: int) -> TextBlock:
    """Put a set text block with its top at ``y``, aligned to the side its script reads from."""
    anchor = "rs" if fitted.rtl else "ls"
    lines = []
    for i, (text, (x0, y0, x1, y1)) in enumerate(zip(fitted.lines, fitted.boxes, strict=True)):
        baseline = y - fitted.top + i * fitted.line_height
        x = right - max(x1, 0) if fitted.rtl else left - min(x0, 0)
        lines.append(TextLine(text, (x, baseline), (x + x0, baseline + y0, x + x1, baseline + y1)))
    return TextBlock(role, fitted.family, fitted.families, fitted.weight, fitted.size, colour,
                     anchor, tuple(lines))
