"""Value kinds of a session as programmes write them: any kind of session, times as written."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from recap_mailer.format.kinds import INVALID, Checker, Text
from recap_mailer.format.source import Path_
from recap_mailer.model import SESSION_KINDS


@dataclass
class SessionKind(Text):
    """What kind of session: a built-in kind, or any other a programme uses (a roundtable)."""

    max_length: int = 40

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        value = super().check(value, at, checker)
        if value is INVALID or value in SESSION_KINDS:
            return value
        close = difflib.get_close_matches(value.lower(), SESSION_KINDS, n=1, cutoff=0.75)
        if close and close[0] != value.lower():
            checker.warning(at, f"'{value}' is not a built-in kind; did you mean '{close[0]}'? "
                                "(any kind is accepted, shown as written)")
        return value

    def schema(self) -> dict[str, Any]:
        return {**super().schema(), "examples": list(SESSION_KINDS)}


_CLOCK = r"(?P<h{n}>\d{{1,2}})(?:[:.h](?P<m{n}>\d{{2}}))?\s*(?P<ap{n}>[ap]\.?\s?m\.?)?"
_WRITTEN = re.compile(
    rf"\s*{_CLOCK.format(n=1)}(?:\s*(?:-|–|—|to)\s*{_CLOCK.format(n=2)})?"
    r"(?:\s*(?P<zone>[A-Z]{2,5}|UTC\s?[+−-]\s?\d{1,2}(?::\d{2})?|local time))?\s*\Z",
    re.IGNORECASE,
)
_STRUCTURED = re.compile(r"\d{1,2}:\d{2}(?:\s*[-–]\s*\d{1,2}:\d{2})?\Z")


@dataclass
class ProgrammeTime(Text):
    """When a session ran, as the programme writes it: 09:30-10:45, 9:30am–11:00am, 14:00 BST."""

    max_length: int = 60

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        value = super().check(value, at, checker)
        if value is INVALID:
            return value
        written = value.strip()
        match = _WRITTEN.match(written)
        times = _times(match) if match else None
        if times is None:
            checker.error(at, f"'{written}' is not a time; write it as the programme does, "
                              "like 09:30, 09:30-10:45, 9:30am–11:00am or 14:00–15:30 BST")
            return INVALID
        if len(times) == 2 and times[1] <= times[0]:
            checker.error(at, f"'{written}' ends before it starts")
            return INVALID
        if _STRUCTURED.match(written):  # 09:30-10:45 is shown with an en dash
            return "–".join(f"{t:%H:%M}" for t in times)
        return written

    def schema(self) -> dict[str, Any]:
        return {**super().schema(),
                "examples": ["09:30", "09:30-10:45", "9:30am–11:00am", "14:00–15:30 BST"]}


def _times(match: re.Match[str]) -> list[time] | None:
    """Return the start (and end) a written time means, or None when it is not a time."""
    given = [(match[f"h{n}"], match[f"m{n}"], match[f"ap{n}"]) for n in (1, 2) if match[f"h{n}"]]
    # "9:30–11:00am": a meridiem written once, at the end, is the start's too.
    shared = given[-1][2]
    times = []
    for i, (hour_text, minute_text, meridiem) in enumerate(given):
        meridiem = meridiem or (shared if i == 0 else None)
        if minute_text is None and meridiem is None:
            return None  # a bare "9" is a number, not a time
        hour, minute = int(hour_text), int(minute_text or 0)
        if meridiem:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
        if hour > 23 or minute > 59:
            return None
        times.append(time(hour, minute))
    if (len(times) == 2 and not given[0][2] and shared and shared.lower().startswith("p")
            and times[0] > times[1]):
        times[0] = time(times[0].hour - 12, times[0].minute)  # "11–1pm" starts at 11am
    return times
