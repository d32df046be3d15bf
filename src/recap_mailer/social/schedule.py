"""When each post goes out: a cadence (an RRULE or a friendly form) turned into slots.

Slots are planned as local wall-clock times in the event's zone and only then given that
zone, so a 09:00 slot stays 09:00 across a daylight-saving change while its UTC time moves.
Nothing here reads the clock: the same source always gives the same schedule.

Rules of the plan, per platform:
- posts take slots in order of quote priority (the order compose_posts gives them);
- two posts are never closer than the platform's min_gap_minutes, and no slot is used twice;
- the same text is never posted twice within three days (schedulers such as Ayrshare refuse it);
- a thread takes one slot, its parts five minutes apart with nothing in between (five, so the
  times stay on Hootsuite's five-minute grid and schedulers that cannot thread keep the order).
Different platforms may share a slot. The email's send time is an entry of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as rr

from recap_mailer.errors import RecapError
from recap_mailer.format.kinds import did_you_mean
from recap_mailer.format.source import Path_, format_path
from recap_mailer.model import PLATFORMS, Campaign
from recap_mailer.social.platforms import RULES
from recap_mailer.social.posts import Post

DEFAULT_CADENCE = "daily at 09:00"
#: How far past the start slots are looked for, and how many times are looked at at most:
#: together they bound the search, so no RRULE can keep a build busy.
HORIZON = timedelta(days=366)
#: How far the plan looks first; only if the posts do not fit does it look to the horizon.
FIRST_LOOK = timedelta(days=31)
MAX_OCCURRENCES = 10_000
REPEAT_GAP = timedelta(days=3)
THREAD_STEP = timedelta(minutes=5)

EMAIL = "email"

#: The Gregorian calendar repeats exactly every 400 years (146,097 days, 20,871 weeks).
_CYCLE_YEARS = 400


class CadenceError(RecapError):
    """A cadence that cannot be read; the message says how to write one."""


class ScheduleError(RecapError):
    """The schedule cannot be made; ``at`` is the key of recap.yaml to fix."""

    def __init__(self, at: Path_, message: str) -> None:
        self.at = at
        super().__init__(f"{format_path(at)}: {message}")


@dataclass(frozen=True)
class Slot:
    """One entry of the schedule: a post, or the email, and when it goes out."""

    id: str
    platform: str  # a platform name, or "email"
    at: datetime  # aware, in the event's time zone
    post: Post | None = None

    @property
    def utc(self) -> datetime:
        """Return the time in UTC."""
        return self.at.astimezone(UTC)

    @property
    def is_email(self) -> bool:
        """Say whether this is the email's send time rather than a post."""
        return self.platform == EMAIL


# --- cadences -----------------------------------------------------------------------------

Rule = rr.rrule | rr.rruleset

_DAYS = {name: i for i, name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_WEEKDAYS = (rr.MO, rr.TU, rr.WE, rr.TH, rr.FR, rr.SA, rr.SU)
_DAY_SETS = {
    "daily": tuple(range(7)), "every day": tuple(range(7)), "each day": tuple(range(7)),
    "weekdays": tuple(range(5)), "every weekday": tuple(range(5)), "on weekdays": tuple(range(5)),
    "weekends": (5, 6), "every weekend": (5, 6), "on weekends": (5, 6),
}
_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_AT_FORM = re.compile(r"(?:(?P<days>.+?)\s+)?at\s+(?P<times>.+)")
_EVERY_FORM = re.compile(r"every\s+(?P<n>\d+)\s+(?P<unit>hours?|minutes?)\s+from\s+(?P<first>\S+)"
                         r"\s+to\s+(?P<last>\S+)(?:\s+(?P<days>on\s+.+|every\s+.+|daily))?")
_FORMS_HINT = ("write a form like 'weekdays at 09:00 and 13:00', 'every Monday and Thursday at "
               "12:30', 'every 3 hours from 09:00 to 18:00', or an RFC 5545 RRULE like "
               "'FREQ=DAILY;BYHOUR=9;BYMINUTE=0'")


def wall_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """Return ``moment`` as a naive local wall-clock time in ``zone``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.replace(tzinfo=None, microsecond=0)


def attach_zone(wall: datetime, zone: ZoneInfo) -> datetime:
    """Give a wall-clock time its zone, as the real moment it names, shown in that zone."""
    # fold=0 picks the first of two readings: in the repeated hour when clocks go back, the
    # earlier one (still summer time); in the hour skipped when clocks go forward, the offset
    # from before the change, so 01:30 on that night becomes 02:30 summer time. The round trip
    # through UTC turns such a time into the local time a clock on the wall really shows.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def parse_cadence(text: str, start: datetime, zone: ZoneInfo) -> Rule:
    """Return the rule of a cadence, giving naive local times from ``start`` on.

    ``text`` is an RFC 5545 RRULE (``FREQ=...``, optionally after ``RRULE:``) with its
    DTSTART taken from ``start``, or a friendly form: ``daily at 09:00``, ``weekdays at 09:00
    and 13:00``, ``every Monday and Thursday at 12:30``, ``every 2 hours from 09:00 to 17:00``.
    """
    cadence = " ".join(text.split())
    first = wall_time(start, zone)
    if "FREQ=" in cadence.upper():
        return _parse_rrule(cadence, first)
    return _parse_friendly(cadence, first)


def _parse_rrule(text: str, first: datetime) -> rr.rrule:
    body = re.sub(r"(?i)^RRULE:\s*", "", text)
    upper = body.upper()
    if "DTSTART" in upper or "\n" in body:
        raise CadenceError("give one RRULE line; its start is schedule.start")
    if "BYEASTER" in upper:
        raise CadenceError("BYEASTER is not part of RFC 5545; name the dates instead")
    try:
        rule = rr.rrulestr(body.upper(), dtstart=first, forceset=False)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        if "UNTIL" in str(exc):
            raise CadenceError("write UNTIL as a local time without Z, like UNTIL=20231031T235900 "
                               "(the schedule runs in the event's time zone)") from None
        raise CadenceError(f"is not a valid RRULE ({exc}); {_FORMS_HINT}") from None
    if not isinstance(rule, rr.rrule):
        raise CadenceError(f"give one RRULE; {_FORMS_HINT}")
    return rule


def _parse_friendly(text: str, first: datetime) -> rr.rruleset:
    lowered = text.lower()
    every = _EVERY_FORM.fullmatch(lowered)
    if every:
        days = _parse_days(every["days"] or "daily")
        step = int(every["n"]) * (60 if every["unit"].startswith("hour") else 1)
        low, high = _parse_time(every["first"]), _parse_time(every["last"])
        if step < 1:
            raise CadenceError("'every 0 ...' never moves on; give a step of 1 or more")
        if high < low:
            raise CadenceError(f"'from {every['first']} to {every['last']}' ends before it starts")
        begin, end = low.hour * 60 + low.minute, high.hour * 60 + high.minute
        times = tuple(time(m // 60, m % 60) for m in range(begin, end + 1, step))
    else:
        form = _AT_FORM.fullmatch(lowered)
        if not form:
            raise CadenceError(f"cannot read {text!r}; {_FORMS_HINT}")
        days = _parse_days(form["days"] or "daily")
        times = tuple(sorted({_parse_time(t) for t in _LIST_SPLIT.split(form["times"].strip())}))
    rules = rr.rruleset()
    for clock in times:
        rules.rrule(rr.rrule(rr.DAILY, dtstart=datetime.combine(first.date(), clock),
                             byweekday=[_WEEKDAYS[d] for d in days]))
    return rules


def _parse_time(text: str) -> time:
    match = _CLOCK.fullmatch(text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise CadenceError(f"{text.strip()!r} is not a time; write it 24-hour, like 09:00 or 13:30")
    return time(int(match[1]), int(match[2]))


def _parse_days(text: str) -> tuple[int, ...]:
    phrase = text.strip()
    if phrase in _DAY_SETS:
        return _DAY_SETS[phrase]
    words = re.sub(r"^(?:every|on|each)\s+", "", phrase)
    days: set[int] = set()
    for word in _LIST_SPLIT.split(words):
        name = word.strip()
        name = name if name in _DAYS else name.removesuffix("s")  # "mondays", "tues"
        found = [d for n, d in _DAYS.items() if len(name) >= 3 and n.startswith(name)]
        if not found:
            hint = did_you_mean(name, [*_DAYS, "daily", "weekdays", "weekends"])
            raise CadenceError(f"{word.strip()!r} is not a day" + (hint or f"; {_FORMS_HINT}"))
        days.update(found)
    return tuple(sorted(days))


def local_times(rule: Rule, start: datetime, zone: ZoneInfo, horizon: timedelta = HORIZON,
                ) -> tuple[tuple[datetime, ...], bool]:
    """Return the rule's times from ``start`` to ``horizon`` later, aware and in order.

    Also say whether the search stopped at ``MAX_OCCURRENCES`` rather than at the horizon.
    """
    first = wall_time(start, zone)
    last = first + horizon
    seen: dict[datetime, None] = {}
    for looked, wall in enumerate(_walls(rule, first), start=1):
        if wall > last:
            break
        if wall >= first:
            seen[attach_zone(wall, zone)] = None
        if looked >= MAX_OCCURRENCES:
            return tuple(sorted(seen)), True
    return tuple(sorted(seen)), False


def _walls(rule: Rule, first: datetime) -> Iterator[datetime]:
    """Iterate the rule's wall times without letting a rule that never matches run for long."""
    if not isinstance(rule, rr.rrule):
        yield from rule  # the friendly forms: one match a week at least
        return
    # dateutil looks for a match until the year 9999; a rule that matches nothing (FREQ=DAILY;
    # BYMONTH=2;BYMONTHDAY=30) takes seconds to find that out. Run it in the same days of a
    # later 400-year cycle, where it reaches 9999 soon, and shift what it gives back.
    years = max(0, (datetime.max.year - 1 - first.year) // _CYCLE_YEARS) * _CYCLE_YEARS
    until = rule._until  # the RRULE's own UNTIL, shifted alongside
    moved = rule.replace(dtstart=_shift(rule._dtstart, years),
                         until=_shift(until, years) if until else None)
    for wall in moved:
        yield _shift(wall, -years)


def _shift(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years) if years else moment


# --- the plan -----------------------------------------------------------------------------

def schedule_start(campaign: Campaign) -> datetime:
    """Return the first possible slot: schedule.start, or else the email's send time."""
    return campaign.schedule.start or campaign.email.send_at


def build_clock(campaign: Campaign) -> datetime:
    """Return the build's "now", for stamps such as DTSTAMP: the email's send time, in UTC.

    It comes from the source, never from the machine, so a build is the same bytes whenever
    and wherever it runs (like the email's Date header, which is the same moment).
    """
    return campaign.email.send_at.astimezone(UTC)


def platform_timing(campaign: Campaign, platform: str) -> tuple[str, int, Path_]:
    """Return a platform's cadence, its least gap in minutes, and the key the cadence is at."""
    schedule = campaign.schedule
    own = schedule.override(platform)
    cadence = own.cadence or schedule.cadence or DEFAULT_CADENCE
    at: Path_ = (("schedule", "platforms", platform, "cadence") if own.cadence
                 else ("schedule", "cadence"))
    gap = own.min_gap_minutes if own.min_gap_minutes is not None else schedule.min_gap_minutes
    return cadence, gap, at


def plan_schedule(campaign: Campaign, posts: Iterable[Post]) -> tuple[Slot, ...]:
    """Return the email's send time and a time for every post, in order of time."""
    start = schedule_start(campaign)
    slots = [Slot(EMAIL, EMAIL, campaign.email.send_at)]
    posts = tuple(posts)
    for platform in PLATFORMS:
        mine = [p for p in posts if p.platform == platform]
        if mine:
            slots.extend(_plan_platform(campaign, platform, mine, start))
    return tuple(sorted(slots, key=_order))


def _order(slot: Slot) -> tuple[datetime, int, str]:
    rank = PLATFORMS.index(slot.platform) + 1 if slot.platform in PLATFORMS else 0
    return slot.utc, rank, slot.id


def _threads(posts: list[Post]) -> list[list[Post]]:
    """Group the posts of one platform into units that take one slot: a post, or a thread."""
    units: list[list[Post]] = []
    for post in posts:
        if post.part > 1 and units and units[-1][-1].quote_id == post.quote_id:
            units[-1].append(post)
        else:
            units.append([post])
    return units


def _plan_platform(campaign: Campaign, platform: str, posts: list[Post],
                   start: datetime) -> list[Slot]:
    zone = campaign.event.timezone
    cadence, minutes, at = platform_timing(campaign, platform)
    gap = timedelta(minutes=minutes)
    try:
        rule = parse_cadence(cadence, start, zone)
    except CadenceError as exc:
        raise ScheduleError(at, str(exc)) from None
    units = _threads(posts)
    # Posts usually fit in the first weeks: look that far first, and at the whole horizon only
    # if they do not. Slots are taken in time order, so either way the same ones are chosen.
    for horizon in (FIRST_LOOK, HORIZON):
        times, capped = local_times(rule, start, zone, horizon)
        slots = _place(units, times, zone, platform, gap)
        if isinstance(slots, list):
            return slots
    raise ScheduleError(at, _too_few(cadence, RULES[platform].label, len(units), slots, start,
                                     gap, capped))


def _place(units: list[list[Post]], times: tuple[datetime, ...], zone: ZoneInfo,
           platform: str, gap: timedelta) -> list[Slot] | int:
    """Give each unit (a post, or a thread's parts) a time; or say how many could be placed."""
    slots: list[Slot] = []
    # Gaps are real elapsed time, as the check measures them: arithmetic on aware datetimes of
    # one zone is wall-clock arithmetic, which is an hour out across a DST change.
    last: datetime | None = None  # when the previous unit's last part goes out, in UTC
    said: dict[str, datetime] = {}  # each text's latest time, in UTC
    index = 0
    for placed, unit in enumerate(units):
        while index < len(times):
            when = times[index].astimezone(UTC)
            index += 1
            if last is not None and (when <= last or when - last < gap):
                continue
            if any(p.text in said and when - said[p.text] < REPEAT_GAP for p in unit):
                continue
            break
        else:
            return placed
        for i, post in enumerate(unit):
            moment = when + i * THREAD_STEP
            slots.append(Slot(post.id, platform, moment.astimezone(zone), post))
            said[post.text] = moment
            last = moment
    return slots


def _too_few(cadence: str, label: str, needed: int, placed: int, start: datetime,
             gap: timedelta, capped: bool) -> str:
    until = (start + HORIZON).date()
    why = (f"looked at the first {MAX_OCCURRENCES:,} times" if capped
           else f"{start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d}")
    return (f"{cadence!r} gives too few times: {label} has {needed} posts (threads count once) "
            f"but only {placed} could be placed ({why}, {gap.total_seconds() / 60:.0f} minutes "
            f"apart at least); add times to the cadence, let it run longer, or lower "
            f"min_gap_minutes")
