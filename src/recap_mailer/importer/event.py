"""Find the event's name, short name, day and date, and start the draft with them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from recap_mailer.importer.model import (
    PLACEHOLDER_DATE,
    PLACEHOLDER_RECAP_URL,
    PLACEHOLDER_TIMEZONE,
    Draft,
    ImportOptions,
)

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december")
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? +(?P<mn>{_MONTHS}),? +(?P<y>\d{{4}})\b",
               re.IGNORECASE),
    re.compile(rf"\b(?P<mn>{_MONTHS}) +(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? +(?P<y>\d{{4}})\b",
               re.IGNORECASE),
]
_DAY_OF = re.compile(
    r"\b[Dd]ay +(?P<n>\d{1,2}) +of +(?:the +)?(?:[a-z][\w-]* +){0,2}?"
    r"(?P<event>[A-Z][\w’'&-]*(?: +(?:of|on|for|and|&) +[A-Z][\w’'&-]*"
    r"| +[A-Z0-9][\w’'&-]*){0,7})")
_DAY = re.compile(r"\b[Dd]ay +(?P<n>\d{1,2})\b")
_SHORT = re.compile(r"\b[A-Z][A-Za-z]{1,10}\d{2,4}\b")


def _find_date(text: str) -> tuple[str, str] | None:
    months = _MONTHS.split("|")
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = int(parts["m"]) if parts.get("m") else months.index(parts["mn"].lower()) + 1
            try:
                day = date(int(parts["y"]), month, int(parts["d"]))
            except ValueError:
                continue
            return day.isoformat(), match[0]
    return None


def _find_event(texts: list[str]) -> tuple[str | None, str | None, str | None]:
    """Return the event's name, short name and day label, where the page gives them."""
    names: list[str] = []
    day_label = None
    for text in texts:
        for match in _DAY_OF.finditer(text):
            event = match["event"].strip()
            day_label = day_label or f"Day {int(match['n'])}"
            if (len(event.split()) >= 2 and len(event) <= 200) or _SHORT.fullmatch(event):
                names.append(event)
    if day_label is None:
        day = next((m for m in map(_DAY.search, texts) if m), None)
        day_label = f"Day {int(day['n'])}" if day else None
    long_names = [n for n in names if len(n.split()) >= 2]
    name = max(long_names, key=len) if long_names else None
    shorts = [m[0] for text in texts for m in _SHORT.finditer(text)]
    if name is None:
        return None, shorts[0] if shorts else None, day_label
    return name, next((c for c in shorts if _abbreviates(c, name)), None), day_label


def _abbreviates(short: str, name: str) -> bool:
    """Say whether a tag like "SOC23" is made of a name's initials and its year's digits."""
    initials = "".join(w[0] for w in name.split() if w[0].isupper())
    year = re.search(r"\d{4}", name)
    letters = re.sub(r"\d+$", "", short)
    digits = short[len(letters):]
    return letters.upper() == initials.upper() and (not year or year[0].endswith(digits))


def draft_event(texts: list[str], page_title: str | None, options: ImportOptions) -> Draft:
    """Start the draft with the event: its names, day, date, time zone and recap page."""
    name, short, day_label = _find_event(([page_title] if page_title else []) + texts)
    notes: dict[str, list[str]] = {}

    def note(key: str, message: str) -> None:
        notes.setdefault(key, []).append(message)

    if not name:
        name = short or "Event name (to check)"
        note("event.name", "the page does not give the event's full name")
    if not short:
        short = _short_name(name)
        note("event.short_name", "made from the event's name; the page does not use it")
    if not day_label:
        day_label = "Day 1"
        note("event.day_label", "the page does not say which day this is")
    day = _event_date(texts, options, note)
    if not options.timezone:
        note("event.timezone", "the page does not give the time zone")
    if not options.recap_url:
        note("event.recap_url", "the address of the recap page")
    subject = page_title or f"Highlights from {day_label} of {short}"
    if len(subject) > 200:
        subject = f"Highlights from {day_label} of {short}"
    hashtags = [short] if re.fullmatch(r"[^\W_]\w*", short) and len(short) <= 64 else []
    draft = Draft(
        page_name=options.page_name, event_name=name[:200], short_name=short[:40],
        day_label=day_label, date=day, timezone=options.timezone or PLACEHOLDER_TIMEZONE,
        venue="Venue (to check)", recap_url=options.recap_url or PLACEHOLDER_RECAP_URL,
        recap_url_given=bool(options.recap_url), subject=subject, preheader="", intro=[],
        people=[], sessions=[], quotes=[], hashtags=hashtags, notes=notes,
    )
    draft.note("event.venue", "the page does not say where it took place")
    return draft


def _short_name(name: str) -> str:
    """Make a short name from a full one: its capitals and its year ("SOC23")."""
    words = [w for w in name.split() if w[:1].isupper() and not w.isdigit()]
    year = re.search(r"\d{4}", name)
    return "".join(w[0] for w in words)[:8] + (year[0][2:] if year else "") or "EVENT"


def _event_date(texts: list[str], options: ImportOptions,
                note: Callable[[str, str], None]) -> str:
    """Return the day the user gave, else the first date the page names, else a placeholder."""
    if options.date:
        return options.date
    found = _find_date(" ".join(texts))
    if found:
        note("event.date", f"taken from the page ('{found[1]}'); check it is the event day")
        return found[0]
    note("event.date", "the page does not give the date")
    return PLACEHOLDER_DATE
