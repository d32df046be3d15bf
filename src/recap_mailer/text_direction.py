"""Which way text reads: one rule for the quote cards, the email and its text part.

A piece of text reads the way its first strong character does (UAX #9 rules P2 and P3, the
rule of HTML's ``dir="auto"``); text with no strong character takes its surroundings'.
"""

from __future__ import annotations

import unicodedata

#: Unicode's isolates: right-to-left, left-to-right and first-strong initiators, and the end.
RLI, LRI, FSI, PDI = "\u2067", "\u2066", "\u2068", "\u2069"
#: The left-to-right mark: an invisible strong left-to-right character.
LRM = "\u200e"
_INITIATORS = frozenset((RLI, LRI, FSI))


def direction(text: str) -> str | None:
    """Return "rtl" or "ltr" by the first strong character, None when there is none."""
    depth = 0
    for ch in text:
        # P2: what an isolate holds does not decide the direction around it.
        if ch in _INITIATORS:
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif not depth:
            kind = unicodedata.bidirectional(ch)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
    return None


def is_rtl(text: str) -> bool:
    """Tell whether the text's first strong character reads right to left."""
    return direction(text) == "rtl"


def isolate(text: str) -> str:
    """Return right-to-left ``text`` between RLI and PDI, so a left-to-right line keeps it whole.

    Left-to-right text, and text with no strong character, come back as they are: the text
    part's lines read left to right already.
    """
    return f"{RLI}{text}{PDI}" if is_rtl(text) else text


def open_isolates(text: str, already: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Return the isolate initiators still open after ``text``, ``already`` open before it."""
    opened = list(already)
    for ch in text:
        if ch in _INITIATORS:
            opened.append(ch)
        elif ch == PDI and opened:
            opened.pop()
    return tuple(opened)
