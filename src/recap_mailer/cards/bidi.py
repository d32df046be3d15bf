"""The Unicode bidirectional algorithm for one line without explicit embeddings (UAX #9).

A line in one font is handed to libraqm whole, which orders it itself. A line whose runs come
from several fonts is drawn run by run, so the runs' order and direction are worked out
here: the weak, neutral and implicit rules (W1-W7, N1-N2, I1-I2), trailing white space (L1)
and reordering (L2). Explicit embeddings and isolates (rare in a quote) count as neutrals.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

_STRONG = {"L", "R", "AL"}


def bidi_class(text: str) -> str:
    """Return the bidi class of a cluster: that of its first character."""
    return (unicodedata.bidirectional(text[0]) or "L") if text else "ON"


def levels(classes: Sequence[str], rtl: bool) -> list[int]:
    """Return the embedding level of each item of a line whose paragraph level is ``rtl``."""
    base = 1 if rtl else 0
    sos = "R" if rtl else "L"
    types = _weak(list(classes), sos)
    _neutrals(types, sos)
    result = []
    for kind in types:  # I1, I2
        if base == 0:
            result.append({"R": 1, "AN": 2, "EN": 2}.get(kind, 0))
        else:
            result.append(1 if kind == "R" else 2)
    for i in range(len(classes) - 1, -1, -1):  # L1: white space at the end reads with the line
        if classes[i] not in ("WS", "S", "B", "BN", "LRI", "RLI", "FSI", "PDI"):
            break
        result[i] = base
    return result


def _weak(types: list[str], sos: str) -> list[str]:  # one branch a rule: UAX #9 reads so
    """Return the classes after the weak rules, W1-W7, one pass each as UAX #9 gives them."""
    for i, kind in enumerate(types):  # W1: a mark takes the class before it
        if kind == "NSM":
            types[i] = types[i - 1] if i else sos
    last = sos
    for i, kind in enumerate(types):  # W2, W3: European digits after Arabic letters are Arabic
        if kind in _STRONG:
            last = kind
        elif kind == "EN" and last == "AL":
            types[i] = "AN"
    types = ["R" if kind == "AL" else kind for kind in types]
    for i in range(1, len(types) - 1):  # W4: one separator between two numbers joins them
        before, kind, after = types[i - 1], types[i], types[i + 1]
        if (before == after == "EN" and kind in ("ES", "CS")) or \
                (before == after == "AN" and kind == "CS"):
            types[i] = before
    _terminators(types)  # W5
    types = ["ON" if kind in ("ES", "ET", "CS") else kind for kind in types]  # W6
    last = sos
    for i, kind in enumerate(types):  # W7: European digits after Latin are Latin
        if kind in ("L", "R"):
            last = kind
        elif kind == "EN" and last == "L":
            types[i] = "L"
    return types


def _terminators(types: list[str]) -> None:
    """W5: a run of currency signs, percent and the like next to a European number joins it."""
    i = 0
    while i < len(types):
        if types[i] != "ET":
            i += 1
            continue
        end = i
        while end < len(types) and types[end] == "ET":
            end += 1
        if (i and types[i - 1] == "EN") or (end < len(types) and types[end] == "EN"):
            types[i:end] = ["EN"] * (end - i)
        i = end


def _neutrals(types: list[str], sos: str) -> None:
    """N1, N2: neutrals between two of one direction take it, others the paragraph's."""
    def direction(kind: str) -> str | None:
        return "L" if kind == "L" else "R" if kind in ("R", "EN", "AN") else None

    i = 0
    while i < len(types):
        if direction(types[i]) is not None:
            i += 1
            continue
        end = i
        while end < len(types) and direction(types[end]) is None:
            end += 1
        before = direction(types[i - 1]) if i else sos
        after = direction(types[end]) if end < len(types) else sos
        types[i:end] = [before if before == after else sos] * (end - i)
        i = end


def visual_order(line_levels: Sequence[int]) -> list[int]:
    """Return the indices of a line's items in the order they are seen, left to right (L2)."""
    order = list(range(len(line_levels)))
    if not order:
        return order
    lowest_odd = min((level for level in line_levels if level % 2), default=None)
    if lowest_odd is None:
        return order
    for level in range(max(line_levels), lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if line_levels[order[i]] < level:
                i += 1
                continue
            end = i
            while end < len(order) and line_levels[order[end]] >= level:
                end += 1
            order[i:end] = reversed(order[i:end])
            i = end
    return order
