"""The posting schedule: cadences, slots in priority order, gaps, threads, DST, bounds, errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from conftest import CASES, SAMPLE
from recap_mailer.build import load_campaign, plan_posts
from recap_mailer.cli import main
from recap_mailer.errors import SourceError
from recap_mailer.social.due import posts_due
from recap_mailer.social.exports import schedule_json
from recap_mailer.social.schedule import (
    MAX_OCCURRENCES,
    REPEAT_GAP,
    THREAD_STEP,
    CadenceError,
    Slot,
    attach_zone,
    local_times,
    parse_cadence,
    plan_schedule,
)
from scheduling import plan, write_campaign

LONDON = ZoneInfo("Europe/London")
START = datetime(2023, 9, 15, 9, 0, tzinfo=LONDON)


@pytest.fixture(scope="module")
def sample() -> tuple:
    loaded = load_campaign(SAMPLE)
    posts, slots = plan_posts(loaded)
    return loaded.campaign, posts, slots


def post_slots(slots: tuple[Slot, ...], platform: str | None = None) -> list[Slot]:
    return [s for s in slots if s.post and (platform is None or s.platform == platform)]


def line_of(folder: Path, start: str) -> int:
    """Return the 1-based number of the source line that starts with ``start``."""
    lines = (folder / "recap.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(start))


def times(cadence: str, start: datetime = START, count: int = 6) -> list[str]:
    found, _ = local_times(parse_cadence(cadence, start, LONDON), start, LONDON)
    return [f"{t:%a %Y-%m-%d %H:%M%z}" for t in found[:count]]


# --- the sample -----------------------------------------------------------------------------

def test_sample_schedule_starts_the_day_after_the_event_in_london(sample) -> None:
    campaign, posts, slots = sample
    assert campaign.event.timezone.key == "Europe/London"
    scheduled = post_slots(slots)
    assert sorted(s.id for s in scheduled) == sorted(p.id for p in posts)  # each post once
    first = scheduled[0]
    assert first.at.date() == campaign.event.date + timedelta(days=1) == date(2023, 9, 15)
    assert first.at.isoformat() == "2023-09-15T09:00:00+01:00"
    assert first.utc.isoformat() == "2023-09-15T08:00:00+00:00"
    for slot in scheduled:
        assert slot.at.tzinfo is LONDON
        assert slot.at.weekday() < 5, slot  # weekdays only
        part = slot.post.part - 1
        assert slot.at.time() in {time(9, 5 * part), time(13, 5 * part)}, slot


def test_sample_has_the_email_send_time_as_an_entry(sample) -> None:
    campaign, _, slots = sample
    email = [s for s in slots if s.is_email]
    assert len(email) == 1 and email[0].at == campaign.email.send_at
    assert email[0].post is None


def test_slots_are_taken_in_order_of_quote_priority(sample) -> None:
    campaign, _, slots = sample
    priority = {q.id: q.priority for q in campaign.quotes}
    for platform in {s.platform for s in post_slots(slots)}:
        mine = post_slots(slots, platform)
        assert [priority[s.post.quote_id] for s in mine] == \
            sorted(priority[s.post.quote_id] for s in mine)


def _units(slots: list[Slot]) -> list[list[Slot]]:
    units: list[list[Slot]] = []
    for slot in slots:
        if slot.post.part > 1:
            units[-1].append(slot)
        else:
            units.append([slot])
    return units


def test_posts_on_one_platform_keep_the_gap_and_threads_stay_together(sample) -> None:
    campaign, _, slots = sample
    gap = timedelta(minutes=campaign.schedule.min_gap_minutes)
    threads = 0
    for platform in {s.platform for s in post_slots(slots)}:
        units = _units(post_slots(slots, platform))
        for unit in units:
            assert [s.post.part for s in unit] == list(range(1, unit[0].post.parts + 1))
            assert len({s.post.quote_id for s in unit}) == 1
            for a, b in pairwise(unit):
                assert b.utc - a.utc == THREAD_STEP
            threads += len(unit) > 1
        for a, b in pairwise(units):
            assert b[0].utc - a[-1].utc >= gap
    assert threads, "the sample should have at least one thread to test"


def test_different_platforms_may_share_a_slot(sample) -> None:
    _, _, slots = sample
    first = [s for s in post_slots(slots) if s.at == START]
    assert len({s.platform for s in first}) == 6


def test_the_schedule_does_not_depend_on_the_clock(sample, monkeypatch) -> None:
    campaign, posts, slots = sample
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2000000000")
    assert plan_schedule(campaign, posts) == slots
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert schedule_json(campaign, plan_schedule(campaign, posts)) == \
        schedule_json(campaign, slots)


# --- the rules of the plan --------------------------------------------------------------------

def test_identical_text_on_one_platform_waits_three_days(sample) -> None:
    campaign, posts, _ = sample
    x = [p for p in posts if p.platform == "x" and p.parts == 1]
    same = tuple(replace(p, text="The very same words.") for p in x[:3])
    slots = post_slots(plan_schedule(campaign, same))
    assert len(slots) == 3
    for a, b in pairwise(slots):
        assert b.utc - a.utc >= REPEAT_GAP
    # Fri 15 Sep 09:00, then the first slot at least three days on, and again.
    assert [f"{s.at:%a %d %H:%M}" for s in slots] == ["Fri 15 09:00", "Mon 18 09:00",
                                                      "Thu 21 09:00"]


def test_a_zero_gap_still_uses_each_slot_once_per_platform(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n  cadence: daily at 09:00\n"
                            "  min_gap_minutes: 0", quotes=3)
    _, _, slots = plan(folder)
    assert [f"{s.at:%d %H:%M}" for s in post_slots(slots)] == ["27 09:00", "28 09:00",
                                                                "29 09:00"]


def test_per_platform_cadence_and_gap_override_the_schedule() -> None:
    loaded = load_campaign(CASES["awkward"])
    _, slots = plan_posts(loaded)
    linkedin = post_slots(slots, "linkedin")
    assert [f"{s.at:%a %H:%M}" for s in linkedin] == ["Tue 07:45", "Thu 07:45", "Tue 07:45"]
    instagram = post_slots(slots, "instagram")
    for a, b in pairwise(instagram):
        assert b.utc - a.utc >= timedelta(minutes=2880)
    x = post_slots(slots, "x")
    assert [f"{s.at:%a %H:%M}" for s in x] == ["Mon 08:30", "Mon 12:30", "Wed 08:30"]


def test_schedule_defaults_to_the_send_time_and_daily_at_nine(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  min_gap_minutes: 60", quotes=2,
                            send_at="2023-10-27T10:00")
    _, _, slots = plan(folder)
    assert [s.at.isoformat() for s in post_slots(slots)] == [
        "2023-10-28T09:00:00+01:00", "2023-10-29T09:00:00+00:00"]


# --- daylight saving ----------------------------------------------------------------------

def test_a_schedule_across_the_end_of_british_summer_time_keeps_its_local_times(
        tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n  cadence: daily at 09:00",
                            quotes=5)
    _, _, slots = plan(folder)
    posts = post_slots(slots)
    assert [s.at.strftime("%Y-%m-%d %H:%M %z") for s in posts] == [
        "2023-10-27 09:00 +0100",
        "2023-10-28 09:00 +0100",
        "2023-10-29 09:00 +0000",  # BST ended at 02:00 that morning
        "2023-10-30 09:00 +0000",
        "2023-10-31 09:00 +0000",
    ]
    assert [s.utc.hour for s in posts] == [8, 8, 9, 9, 9]


def test_an_rrule_across_the_change_keeps_its_local_times_too() -> None:
    start = datetime(2023, 10, 27, 9, tzinfo=LONDON)
    assert times("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start, 4) == [
        "Fri 2023-10-27 09:00+0100", "Sat 2023-10-28 09:00+0100",
        "Sun 2023-10-29 09:00+0000", "Mon 2023-10-30 09:00+0000"]


def test_a_time_the_clocks_skip_becomes_the_time_they_show() -> None:
    # 01:30 does not exist on 31 March 2024 in London: clocks go from 01:00 to 02:00.
    skipped = attach_zone(datetime(2024, 3, 31, 1, 30), LONDON)
    assert skipped.isoformat() == "2024-03-31T02:30:00+01:00"
    # 01:30 happens twice on 29 October 2023: the first (still summer time) is taken.
    twice = attach_zone(datetime(2023, 10, 29, 1, 30), LONDON)
    assert twice.isoformat() == "2023-10-29T01:30:00+01:00"
    start = datetime(2024, 3, 30, 0, 0, tzinfo=LONDON)
    assert times("daily at 01:30", start, 3) == [
        "Sat 2024-03-30 01:30+0000", "Sun 2024-03-31 02:30+0100", "Mon 2024-04-01 01:30+0100"]


# --- cadences -------------------------------------------------------------------------------

@pytest.mark.parametrize(("cadence", "expected"), [
    ("weekdays at 09:00 and 13:00", ["Fri 2023-09-15 09:00+0100", "Fri 2023-09-15 13:00+0100",
                                     "Mon 2023-09-18 09:00+0100"]),
    ("Daily at 9:00, 12:30 and 17:00", ["Fri 2023-09-15 09:00+0100",
                                        "Fri 2023-09-15 12:30+0100",
                                        "Fri 2023-09-15 17:00+0100"]),
    ("at 08:00", ["Sat 2023-09-16 08:00+0100", "Sun 2023-09-17 08:00+0100",
                  "Mon 2023-09-18 08:00+0100"]),
    ("every Monday and Thursday at 12:30", ["Mon 2023-09-18 12:30+0100",
                                            "Thu 2023-09-21 12:30+0100",
                                            "Mon 2023-09-25 12:30+0100"]),
    ("mondays, weds and fri at 10:00", ["Fri 2023-09-15 10:00+0100",
                                        "Mon 2023-09-18 10:00+0100",
                                        "Wed 2023-09-20 10:00+0100"]),
    ("weekends at 11:00", ["Sat 2023-09-16 11:00+0100", "Sun 2023-09-17 11:00+0100",
                           "Sat 2023-09-23 11:00+0100"]),
    ("every 4 hours from 08:00 to 16:00 on weekdays", ["Fri 2023-09-15 12:00+0100",
                                                       "Fri 2023-09-15 16:00+0100",
                                                       "Mon 2023-09-18 08:00+0100"]),
    ("every 90 minutes from 09:00 to 12:00", ["Fri 2023-09-15 09:00+0100",
                                              "Fri 2023-09-15 10:30+0100",
                                              "Fri 2023-09-15 12:00+0100"]),
    ("FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=10;BYMINUTE=15", ["Tue 2023-09-19 10:15+0100",
                                                      "Thu 2023-09-21 10:15+0100",
                                                      "Tue 2023-09-26 10:15+0100"]),
    ("RRULE:FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0", ["Fri 2023-09-15 09:00+0100",
                                                         "Sun 2023-09-17 09:00+0100",
                                                         "Tue 2023-09-19 09:00+0100"]),
], ids=["weekdays", "daily-list", "bare-at", "named-days", "abbreviations", "weekends",
        "every-hours", "every-minutes", "rrule", "rrule-prefix"])
def test_cadence_forms(cadence: str, expected: list[str]) -> None:
    start = START if "08:00" not in cadence else datetime(2023, 9, 15, 9, 1, tzinfo=LONDON)
    if cadence.startswith("every 4 hours"):
        start = datetime(2023, 9, 15, 10, 0, tzinfo=LONDON)
    assert times(cadence, start, 3) == expected


def test_the_friendly_form_and_its_rrule_give_the_same_times() -> None:
    friendly = times("weekdays at 09:00 and 13:00", START, 40)
    rrule = times("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,13;BYMINUTE=0", START, 40)
    assert friendly == rrule


@pytest.mark.parametrize(("cadence", "message"), [
    ("whenever", "cannot read 'whenever'; write a form like 'weekdays at 09:00"),
    ("every Mnday at 09:00", "'mnday' is not a day; did you mean 'monday'?"),
    ("daily at 25:00", "'25:00' is not a time; write it 24-hour"),
    ("daily at 9am", "'9am' is not a time"),
    ("every 2 hours from 17:00 to 09:00", "ends before it starts"),
    ("FREQ=FORTNIGHTLY", "is not a valid RRULE"),
    ("FREQ=DAILY;UNTIL=20231001T000000Z", "write UNTIL as a local time without Z"),
    ("FREQ=YEARLY;BYEASTER=0", "BYEASTER is not part of RFC 5545"),
], ids=["unreadable", "misspelt-day", "hour-25", "am-pm", "backwards", "bad-freq", "until-z",
        "byeaster"])
def test_bad_cadences_say_what_to_write(cadence: str, message: str) -> None:
    with pytest.raises(CadenceError) as caught:
        parse_cadence(cadence, START, LONDON)
    assert message in str(caught.value)


def test_a_bad_cadence_is_a_source_error_at_its_key(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n  cadence: every Mnday at 9:00\n"
                            "  platforms:\n    x: {cadence: 'daily at 26:00'}")
    with pytest.raises(SourceError) as caught:
        load_campaign(folder)
    lines = [d.format() for d in caught.value.diagnostics]
    at = f"{folder / 'recap.yaml'}:{line_of(folder, '  cadence:')}:12: error: "
    assert any(line.startswith(at + "schedule.cadence: 'mnday' is not a day") for line in lines)
    assert any("schedule.platforms.x.cadence: '26:00' is not a time" in line for line in lines)


def test_an_rrule_with_fewer_slots_than_posts_is_a_clear_error(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n"
                            "  cadence: FREQ=DAILY;COUNT=2;BYHOUR=9;BYMINUTE=0", quotes=3)
    with pytest.raises(SourceError) as caught:
        plan(folder)
    (diagnostic,) = caught.value.diagnostics
    at = f"{folder / 'recap.yaml'}:{line_of(folder, '  cadence:')}:12: error: "
    assert diagnostic.format().startswith(at + "schedule.cadence: ")
    assert "gives too few times: X has 3 posts (threads count once) but only 2 could be " \
        "placed" in diagnostic.message
    assert "add times to the cadence" in diagnostic.message


def test_a_rule_that_never_matches_fails_fast(tmp_path: Path) -> None:
    # dateutil alone would search every year to 9999 for a 30 February.
    found, capped = local_times(parse_cadence("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", START,
                                              LONDON), START, LONDON)
    assert found == () and not capped
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n"
                            "  cadence: FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30", quotes=1)
    with pytest.raises(SourceError, match="only 0 could be placed"):
        plan(folder)


def test_the_search_looks_at_ten_thousand_times_at_most() -> None:
    found, capped = local_times(parse_cadence("FREQ=SECONDLY", START, LONDON), START, LONDON)
    assert capped and len(found) == MAX_OCCURRENCES
    assert found[-1] - found[0] == timedelta(seconds=MAX_OCCURRENCES - 1)


def test_slots_stay_within_a_year_of_the_start() -> None:
    found, capped = local_times(parse_cadence("FREQ=WEEKLY", START, LONDON), START, LONDON)
    assert not capped and len(found) == 53
    assert found[-1] <= START + timedelta(days=366)


def test_timing_for_a_platform_without_posts_is_flagged(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  platforms:\n    linkedin: {min_gap_minutes: 30}")
    warnings = load_campaign(folder).warnings
    assert any("schedule.platforms.linkedin: no posts are written for linkedin" in w.message
               for w in warnings)


# --- the posts command ----------------------------------------------------------------------

def test_posts_command_prints_the_posts_due_on_a_day() -> None:
    result = CliRunner().invoke(main, ["posts", str(SAMPLE), "--on", "2023-09-18",
                                       "--platform", "x"])
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("=====")]
    assert headers == [
        "===== Mon 18 Sep 2023 09:00 BST (+01:00) · X · van-slyke-rules =====",
        "===== Mon 18 Sep 2023 13:00 BST (+01:00) · X · davies-accountability =====",
    ]
    assert "accountability is key" in result.output
    assert "----- image: cards/davies-accountability-1600x900.png" in result.output


def test_posts_command_without_a_day_prints_every_post() -> None:
    loaded = load_campaign(SAMPLE)
    posts, _ = plan_posts(loaded)
    result = CliRunner().invoke(main, ["posts", str(SAMPLE)])
    assert result.exit_code == 0
    assert result.output.count("\n===== ") + 1 == len(posts)


def test_posts_command_says_when_nothing_is_due() -> None:
    result = CliRunner().invoke(main, ["posts", str(SAMPLE), "--on", "2023-09-16"])
    assert result.exit_code == 0
    assert result.output == "no posts due on 2023-09-16\n"


@pytest.mark.parametrize("args", [["--on", "16/09/2023"], ["--on", "2023-02-30"],
                                  ["--platform", "myspace"]], ids=["format", "date", "platform"])
def test_posts_command_refuses_bad_options(args: list[str]) -> None:
    result = CliRunner().invoke(main, ["posts", str(SAMPLE), *args])
    assert result.exit_code == 2


def test_posts_command_refuses_a_platform_the_campaign_does_not_post_to(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  cadence: daily at 09:00")
    result = CliRunner().invoke(main, ["posts", str(folder), "--platform", "linkedin"])
    assert result.exit_code == 2
    assert "linkedin is not enabled in this campaign (enabled: x)" in result.output


def test_slots_on_a_day_are_local_to_the_event(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T00:30\n  cadence: daily at 00:30",
                            quotes=2)
    _, _, slots = plan(folder)
    # 00:30 BST on the 27th is 23:30 UTC on the 26th: still the 27th for the event.
    assert [s.id for s in posts_due(slots, date(2023, 10, 27))] == ["q0-x-1"]
    assert post_slots(slots)[0].utc.date() == date(2023, 10, 26)
    assert post_slots(slots)[0].utc == datetime(2023, 10, 26, 23, 30, tzinfo=UTC)


# --- the reviewer's schedule check (checks.py) ---------------------------------------------

def schedule_findings(folder: Path, **changes) -> list[str]:
    from recap_mailer.build import render_campaign
    from recap_mailer.checks import run_checks

    loaded = load_campaign(folder)
    build = render_campaign(loaded)
    checked = replace(build.checked, **changes)
    return [f.diagnostic.format() for f in run_checks(checked, loaded.source)
            if f.check == "schedule"]


def test_the_check_finds_nothing_wrong_with_the_sample_before_it_starts() -> None:
    assert schedule_findings(SAMPLE) == []  # SOURCE_DATE_EPOCH: the evening of the event


def test_the_check_reports_slots_in_the_past(tmp_path: Path, monkeypatch) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n  cadence: daily at 09:00",
                            platforms="x: {}\nlinkedin: {}")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2023, 10, 28, 12, tzinfo=UTC)
                                                    .timestamp())))
    found = schedule_findings(folder)
    assert [f.split(": warning: ")[1] for f in found] == [
        "the email's send time 2023-10-27 09:00 BST has passed",
        "2 of 3 X posts are in the past (the first at 2023-10-27 09:00 BST); schedulers refuse "
        "them: move schedule.start on",
        "2 of 3 LinkedIn posts are in the past (the first at 2023-10-27 09:00 BST); schedulers "
        "refuse them: move schedule.start on",
    ]
    assert found[1].startswith(f"{folder / 'recap.yaml'}:{line_of(folder, '  cadence:')}:")


def test_the_check_reports_times_hootsuite_refuses(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n  cadence: daily at 09:03")
    (found,) = schedule_findings(folder)
    assert "3 X posts are not on a five-minute step (like 09:03:00); Hootsuite's bulk " \
        "composer refuses them" in found


def test_the_check_reports_posts_too_close_and_repeated(tmp_path: Path) -> None:
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n  cadence: daily at 09:00",
                            quotes=2)
    _, _, slots = plan(folder)
    email, first, second = slots
    close = replace(second, at=first.at + timedelta(minutes=30),
                    post=replace(second.post, text=first.post.text))
    found = schedule_findings(folder, slots=(email, first, close))
    assert len(found) == 2
    assert "error: X posts q0-x-1 and q1-x-1 are 30 minutes apart; the gap is 60" in found[0]
    assert "error: X post q1-x-1 repeats an earlier post's text within three days" in found[1]


def test_without_source_date_epoch_the_check_never_reads_the_clock(monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert schedule_findings(SAMPLE) == []  # its 2023 times are past, but builds stay the same


def test_posts_that_need_more_than_the_first_look_get_the_same_times_as_a_full_look(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer.social import schedule

    # Weekly on Mondays, seven quotes: the last post is six weeks out, past the first look.
    folder = write_campaign(tmp_path, "  start: 2023-10-27T09:00\n  cadence: mondays at 10:00",
                            quotes=7)
    _, _, slots = plan(folder)
    times = [s.at for s in post_slots(slots)]
    assert len(times) == 7
    assert times[-1] - times[0] == timedelta(weeks=6) > schedule.FIRST_LOOK
    # Looking at the whole horizon from the start gives the very same plan.
    monkeypatch.setattr(schedule, "FIRST_LOOK", schedule.HORIZON)
    assert plan(folder)[2] == slots


def _post_times(folder: Path) -> list[str]:
    return [slot.at.isoformat() for slot in plan(folder)[2] if slot.post]


@pytest.mark.parametrize(("schedule", "expected"), [
    # Spring forward (01:00 GMT -> 02:00 BST): 00:30 GMT to 02:30 BST is one real hour, not two.
    ("  start: 2023-03-26T00:00\n  cadence: FREQ=HOURLY;BYMINUTE=30\n  min_gap_minutes: 90",
     ["2023-03-26T00:30:00+00:00", "2023-03-26T03:30:00+01:00", "2023-03-26T05:30:00+01:00"]),
    # Fall back (02:00 BST -> 01:00 GMT): 00:30 BST to 02:30 GMT is three real hours, not two.
    ("  start: 2023-10-29T00:00\n  cadence: FREQ=HOURLY;BYMINUTE=30\n  min_gap_minutes: 150",
     ["2023-10-29T00:30:00+01:00", "2023-10-29T02:30:00+00:00", "2023-10-29T05:30:00+00:00"]),
], ids=["spring-forward", "fall-back"])
def test_gaps_are_real_time_across_a_dst_change(tmp_path: Path, schedule: str,
                                               expected: list[str]) -> None:
    folder = write_campaign(tmp_path, schedule, quotes=3, send_at="2023-10-27T09:00")
    assert _post_times(folder) == expected


@pytest.mark.parametrize(("start", "expected"), [
    # 01:30 does not exist on 26 March in London: it moves forward to 02:30 BST.
    ("2023-03-25T00:00", ["2023-03-25T01:30:00+00:00", "2023-03-26T02:30:00+01:00",
                          "2023-03-27T01:30:00+01:00"]),
    # 01:30 happens twice on 29 October: the first (BST, fold 0) is taken.
    ("2023-10-28T00:00", ["2023-10-28T01:30:00+01:00", "2023-10-29T01:30:00+01:00",
                          "2023-10-30T01:30:00+00:00"]),
], ids=["nonexistent", "ambiguous"])
def test_missing_and_repeated_local_times_resolve_one_way(tmp_path: Path, start: str,
                                                          expected: list[str]) -> None:
    folder = write_campaign(tmp_path, f"  start: {start}\n  cadence: daily at 01:30\n"
                            "  min_gap_minutes: 0", quotes=3)
    assert _post_times(folder) == expected
