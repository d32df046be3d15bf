"""iCalendar (RFC 5545) text: content lines, escaping, folding and a zone's VTIMEZONE.

The posting schedule needs a small, fixed part of RFC 5545, so it is written here; the
icalendar library (a test dependency) reads it back in the tests, and its output for the same
calendar is what this matches byte for byte, but for the VTIMEZONE's onsets, where icalendar
strays from RFC 5545 and tzdata (see ``observances``). Loading icalendar took a twelfth of a
cold build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: Octets a folded line holds before its line break (RFC 5545 section 3.1: 75 at most).
FOLD_OCTETS = 75
#: Zone names that are UTC under another name: their times are written with a Z, no VTIMEZONE.
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal",
                       "Etc/Zulu", "Zulu", "Etc/GMT", "GMT", "Etc/GMT0", "GMT0", "Etc/GMT+0",
                       "GMT+0", "Etc/GMT-0", "GMT-0", "Etc/Greenwich", "Greenwich"})
#: Parameter values holding one of these are quoted.
_PARAM_SPECIALS = frozenset(',;:"')


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma, and every line break as ``\\n``."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def param(value: str) -> str:
    """Return a parameter value, in double quotes if it holds a comma, colon or semicolon."""
    return f'"{value}"' if _PARAM_SPECIALS & set(value) else value


def utc_time(moment: datetime) -> str:
    """Return an aware moment as a UTC DATE-TIME: ``20230915T080000Z``."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_time(moment: datetime) -> str:
    """Return a moment's wall-clock time as a local DATE-TIME: ``20230915T090000``."""
    return moment.strftime("%Y%m%dT%H%M%S")


def utc_offset(offset: timedelta) -> str:
    """Return a UTC-OFFSET: ``+0100``, ``-0330``, with seconds only when there are some."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def fold(line: str) -> str:
    """Fold a content line into pieces of fewer than 75 octets, each after the first indented."""
    data = line.encode("utf-8")
    width = FOLD_OCTETS - 1
    pieces = []
    start = 0
    while len(data) - start > width:
        end = start + width
        while data[end] & 0xC0 == 0x80:
            end -= 1  # never inside a character: back to where one starts
        if data[end - 1] in b"\\^":
            end -= 1  # an escape (``\,``) starts the next piece: some clients misread it split
        pieces.append(data[start:end].decode("utf-8"))
        start = end
    pieces.append(data[start:].decode("utf-8"))
    return "\r\n ".join(pieces)


def to_ical(lines: Iterable[str]) -> bytes:
    """Return content lines as iCalendar bytes: each folded, each ending in CRLF."""
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


# --- VTIMEZONE ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Observance:
    """A stretch of one UTC offset: standard or daylight time, and when it begins (local)."""

    standard: bool
    name: str
    offset_from: timedelta
    offset_to: timedelta
    starts: tuple[datetime, ...]


def observances(zone: ZoneInfo, first: date, last: date) -> list[Observance]:
    """Return the offsets ``zone`` keeps from ``first`` to ``last``, each with its starts.

    Stretches alike (the same offsets, name and kind) are one observance with several starts,
    in the order each first appears. A start is the moment of change on the clock it changes
    from, as RFC 5545 has it: in London, 01:00 in March (GMT) and 02:00 in October (BST).
    """
    begin = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(last.year, last.month, last.day, tzinfo=zone)
    found: dict[tuple[timedelta, timedelta, str, bool], list[datetime]] = {}
    offset = begin.utcoffset() or timedelta()
    _observe(found, begin, begin.replace(tzinfo=None), offset, offset)
    for moment, new in _transitions(zone, begin.astimezone(UTC), end.astimezone(UTC)):
        after = moment.replace(tzinfo=UTC).astimezone(zone)
        _observe(found, after, moment + offset, offset, new)
        offset = new
    return [Observance(standard, name, before, after, tuple(starts))
            for (before, after, name, standard), starts in found.items()]


def _observe(found: dict[tuple[timedelta, timedelta, str, bool], list[datetime]],
             at: datetime, start: datetime, before: timedelta, after: timedelta) -> None:
    """Note a stretch that begins at ``at`` (aware), written ``start`` on the old clock."""
    name = at.tzname() or utc_offset(after)
    key = (before, after, name, at.dst() == timedelta())
    found.setdefault(key, []).append(start)


def _transitions(zone: ZoneInfo, start: datetime, end: datetime,
                 ) -> Iterator[tuple[datetime, timedelta]]:
    """Yield each moment (naive UTC) from ``start`` to ``end`` the zone's time changes."""
    # A change of offset, of name or of daylight saving (Asunción kept -03 in October 2024
    # but left daylight saving for standard time). Every six hours: no zone changes twice in
    # that time. (icalendar looks 64 days ahead at a time and misses an offset that lasts
    # less, such as Morocco's in Ramadan.)
    def state(moment: datetime) -> tuple[timedelta | None, str | None, timedelta | None]:
        local = moment.astimezone(zone)
        return local.utcoffset(), local.tzname(), local.dst()

    step = timedelta(hours=6)
    at = start
    now = state(at)
    while at < end:
        ahead = min(at + step, end)
        if state(ahead) != now:
            low, high = at, ahead  # the change is after low and at or before high
            while high - low > timedelta(seconds=1):
                middle = (low + (high - low) / 2).replace(microsecond=0)
                if state(middle) == now:
                    low = middle
                else:
                    high = middle
            now = state(high)
            if high < end:
                yield high.replace(tzinfo=None), now[0] or timedelta()
        at = ahead


def vtimezone(zone: ZoneInfo, first: date, last: date) -> list[str]:
    """Return the content lines of ``zone``'s VTIMEZONE from ``first`` to ``last``."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{escape_text(zone.key)}",
             f"COMMENT:{escape_text(f'This timezone only works from {first} to {last}.')}"]
    for observance in observances(zone, first, last):
        kind = "STANDARD" if observance.standard else "DAYLIGHT"
        lines += [f"BEGIN:{kind}", f"DTSTART:{local_time(observance.starts[0])}"]
        if observance.starts[1:]:
            lines.append("RDATE:" + ",".join(local_time(s) for s in observance.starts[1:]))
        lines += [f"TZNAME:{escape_text(observance.name)}",
                  f"TZOFFSETFROM:{utc_offset(observance.offset_from)}",
                  f"TZOFFSETTO:{utc_offset(observance.offset_to)}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return lines
