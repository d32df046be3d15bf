"""schedule.ics is written by hand (ical.py): checked against the icalendar library and tzdata."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CASES
from recap_mailer.build import load_campaign, plan_posts
from recap_mailer.model import Campaign
from recap_mailer.social.calendar import (
    UTC_NAMES,
    escape_text,
    fold,
    observances,
    to_ical,
    utc_offset,
    vtimezone,
)
from recap_mailer.social.exports import _summary, schedule_ics, uid
from recap_mailer.social.schedule import Slot, build_clock

#: Zones with something to get wrong: no DST, half-hour and 45-minute offsets, DST of 30
#: minutes, the southern hemisphere, and Dublin, whose winter time is tzdata's negative DST.
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Chatham", "America/St_Johns", "Europe/Dublin", "America/Sao_Paulo",
         "Australia/Sydney", "Etc/UTC", "UTC"]


def reference_ics(campaign: Campaign, slots: tuple[Slot, ...], clock: datetime) -> bytes:
    """Build the same calendar with the icalendar library, as recap-mailer once did."""
    event = campaign.event
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//recap-mailer//posting schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{event.short_name} {event.day_label}: posting schedule")
    calendar.add("x-wr-timezone", event.timezone.key)
    for slot in slots:
        entry = icalendar.Event()
        entry.add("uid", uid(campaign, slot))
        entry.add("dtstamp", clock.astimezone(UTC))
        entry.add("dtstart", slot.at)
        entry.add("summary", _summary(campaign, slot))
        if slot.post is not None:
            entry.add("description", slot.post.copy_text)
            entry.add("url", slot.post.link)
            entry.add("categories", [slot.platform])
        else:
            entry.add("description", campaign.email.preheader)
            entry.add("categories", ["email"])
        entry.add("transp", "TRANSPARENT")
        calendar.add_component(entry)
    times = [slot.at for slot in slots]
    calendar.add_missing_timezones(first_date=date(min(times).year, 1, 1),
                                   last_date=date(max(times).year + 1, 1, 1))
    return calendar.to_ical()


@pytest.fixture(scope="module")
def planned() -> dict[str, tuple[Campaign, tuple[Slot, ...]]]:
    found = {}
    for case, path in CASES.items():
        loaded = load_campaign(path)
        found[case] = loaded.campaign, plan_posts(loaded)[1]
    return found


def without_vtimezone(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    if b"BEGIN:VTIMEZONE" not in lines:
        return data
    return b"\r\n".join(lines[:lines.index(b"BEGIN:VTIMEZONE")]
                        + lines[lines.index(b"END:VTIMEZONE") + 1:])


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("case", list(CASES))
def test_schedule_ics_is_byte_for_byte_what_icalendar_writes(case: str, zone: str,
                                                             planned) -> None:
    campaign, slots = planned[case]
    where = ZoneInfo(zone)
    campaign = dataclasses.replace(campaign, event=dataclasses.replace(campaign.event,
                                                                       timezone=where))
    # From this year into the next, so the zone's changes repeat (RDATE) where it has any.
    for shift in (0, 300):
        moved = tuple(dataclasses.replace(s, at=(s.at + timedelta(days=shift)).astimezone(where))
                      for s in slots)
        clock = build_clock(campaign)
        ours, theirs = schedule_ics(campaign, moved, clock), reference_ics(campaign, moved, clock)
        # The VTIMEZONE differs where icalendar strays from RFC 5545 (tested below).
        assert without_vtimezone(ours) == without_vtimezone(theirs)
        assert (b"BEGIN:VTIMEZONE" in ours) == (b"BEGIN:VTIMEZONE" in theirs) \
            == (zone not in UTC_NAMES)


def test_new_york_has_the_rfc_5545_example_rules() -> None:
    # RFC 5545 3.6.5: each change at 02:00 on the clock it changes from.
    assert vtimezone(ZoneInfo("America/New_York"), date(2023, 1, 1), date(2025, 1, 1)) == [
        "BEGIN:VTIMEZONE", "TZID:America/New_York",
        "COMMENT:This timezone only works from 2023-01-01 to 2025-01-01.",
        "BEGIN:STANDARD", "DTSTART:20230101T000000", "TZNAME:EST", "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0500", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:20230312T020000", "RDATE:20240310T020000", "TZNAME:EDT",
        "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "END:DAYLIGHT",
        "BEGIN:STANDARD", "DTSTART:20231105T020000", "RDATE:20241103T020000", "TZNAME:EST",
        "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "END:STANDARD",
        "END:VTIMEZONE"]
    # icalendar writes the spring change on the new clock (03:00), an hour late by the RFC.
    theirs = icalendar.Timezone.from_tzid("America/New_York", first_date=date(2023, 1, 1),
                                          last_date=date(2024, 1, 1)).to_ical()
    assert b"DTSTART:20230312T030000" in theirs


@pytest.mark.parametrize("zone", [*ZONES[:-1], "Africa/Casablanca", "America/Asuncion"])
def test_every_change_in_the_vtimezone_is_a_change_in_tzdata_and_the_other_way(
        zone: str) -> None:
    where = ZoneInfo(zone)
    first, last = date(2023, 1, 1), date(2025, 1, 1)
    text = to_ical(["BEGIN:VCALENDAR", *vtimezone(where, first, last), "END:VCALENDAR"])
    [parsed] = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    changes = set()
    for part in parsed.subcomponents:
        before, after = part.decoded("TZOFFSETFROM"), part.decoded("TZOFFSETTO")
        starts = [part.decoded("DTSTART")] + [
            d.dt for rdate in ([part["RDATE"]] if "RDATE" in part else []) for d in rdate.dts]
        for start in starts:
            if start == datetime(2023, 1, 1):
                continue
            instant = (start - before).replace(tzinfo=UTC)  # the start is on the old clock
            one_before = instant - timedelta(seconds=1)
            assert one_before.astimezone(where).utcoffset() == before, (zone, start)
            assert instant.astimezone(where).utcoffset() == after, (zone, start)
            assert instant.astimezone(where).tzname() == str(part["TZNAME"])
            changes.add(instant)
    # tzdata's own changes in the span (of offset, name or daylight saving), found by brute
    # force, minute by minute near each.
    def state(moment: datetime) -> tuple[object, ...]:
        local = moment.astimezone(where)
        return local.utcoffset(), local.tzname(), local.dst()

    found = set()
    moment = datetime(2023, 1, 1, tzinfo=UTC) - timedelta(hours=14)
    end = datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=14)
    while moment < end:
        ahead = moment + timedelta(hours=1)
        if state(ahead) != state(moment):
            minute = moment
            while state(minute) == state(moment):
                minute += timedelta(minutes=1)
            found.add(minute)
        moment = ahead
    assert changes == found


def test_a_short_lived_offset_is_kept_where_icalendar_loses_it() -> None:
    # Morocco leaves +01 for +00 during Ramadan, 35 days in 2023; icalendar's search jumps 64
    # days at a time and misses it, so a client trusting its VTIMEZONE would be an hour off.
    zone = ZoneInfo("Africa/Casablanca")
    ours = [(o.offset_to, o.starts) for o in observances(zone, date(2023, 1, 1), date(2024, 1, 1))]
    assert ours == [(timedelta(hours=1), (datetime(2023, 1, 1),)),
                    (timedelta(0), (datetime(2023, 3, 19, 3),)),
                    (timedelta(hours=1), (datetime(2023, 4, 23, 2),))]  # old clocks
    theirs = icalendar.Timezone.from_tzid("Africa/Casablanca", first_date=date(2023, 1, 1),
                                          last_date=date(2024, 1, 1))
    assert len(theirs.subcomponents) == 1


@pytest.mark.parametrize("zone", [*ZONES[:-1], "Africa/Casablanca"])
def test_the_vtimezone_gives_the_zones_offsets_at_every_hour(zone: str) -> None:
    where = ZoneInfo(zone)
    first, last = date(2023, 1, 1), date(2025, 1, 1)
    text = to_ical(["BEGIN:VCALENDAR", *vtimezone(where, first, last), "END:VCALENDAR"])
    [parsed] = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    theirs = parsed.to_tz()  # built from our STANDARD and DAYLIGHT rules alone
    moment = datetime(2023, 1, 1, 12, tzinfo=UTC)
    while moment.date() < last - timedelta(days=1):
        expected = moment.astimezone(where)
        got = moment.astimezone(theirs)
        assert got.utcoffset() == expected.utcoffset(), (zone, moment)
        assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)
        moment += timedelta(hours=7)  # every hour of the day, over the days


def test_utc_offsets_are_written_as_rfc_5545_says() -> None:
    assert [utc_offset(timedelta(minutes=m)) for m in (0, 60, -330, 765, -(4 * 60 + 56))] == [
        "+0000", "+0100", "-0530", "+1245", "-0456"]
    assert utc_offset(-timedelta(hours=4, minutes=56, seconds=2)) == "-045602"


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_survives_escaping_and_folding(text: str) -> None:
    data = to_ical(["BEGIN:VCALENDAR", "BEGIN:VEVENT", f"DESCRIPTION:{escape_text(text)}",
                    "END:VEVENT", "END:VCALENDAR"])
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # never split inside a character
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    assert str(event["DESCRIPTION"]) == expected


@given(st.text(alphabet="ab\\,;é\n", min_size=60, max_size=200))
def test_folding_only_inserts_line_breaks(text: str) -> None:
    line = "DESCRIPTION:" + escape_text(text)
    pieces = fold(line).split("\r\n ")
    assert "".join(pieces) == line
    assert all(len(p.encode("utf-8")) < 75 for p in pieces)


def _fold_by_counting(line: str) -> str:
    """Fold as RFC 5545 says, a character at a time: the reference fold() is checked against."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if current and used + size >= 75:
            carried = [current.pop()] if len(current) > 1 and current[-1] in "\\^" else []
            pieces.append("".join(current))
            current, used = carried, sum(len(c.encode("utf-8")) for c in carried)
        current.append(char)
        used += size
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="a\\^,é€😀", min_size=40, max_size=400))
def test_folding_cuts_as_counting_characters_does(text: str) -> None:
    # Cutting the UTF-8 bytes (backing up to where a character starts, and before an escape)
    # is the fast way; counting a character at a time is the plain one. They must agree.
    assert fold(text) == _fold_by_counting(text)
