"""Schedule exports read back: csv for CSV, icalendar for ICS, json for JSON; safety of cells."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CASES
from recap_mailer.build import build_campaign, load_campaign, plan_posts
from recap_mailer.social.exports import (
    BUFFER_HEADER,
    BUFFER_ROWS,
    HOOTSUITE_NETWORKS,
    HOOTSUITE_ROWS,
    SCHEDULE_HEADER,
    buffer_files,
    csv_bytes,
    hootsuite_files,
    safe_cell,
    schedule_csv,
    schedule_files,
    schedule_ics,
    schedule_json,
)
from recap_mailer.social.framing import FORMULA_START
from recap_mailer.social.platforms import RULES
from recap_mailer.social.schedule import Slot, build_clock

EPOCH = datetime.fromtimestamp(1694728800, UTC)  # any stamp passed in is written as it is


@pytest.fixture(scope="module")
def planned() -> dict:
    out = {}
    for case, path in CASES.items():
        loaded = load_campaign(path)
        _, slots = plan_posts(loaded)
        out[case] = (loaded.campaign, slots)
    return out


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def posts_of(slots: tuple[Slot, ...]) -> list[Slot]:
    return [s for s in slots if s.post is not None]


def test_the_build_writes_every_export_and_shows_the_timeline() -> None:
    build = build_campaign(CASES["soc23-day1"])
    clock = build_clock(build.campaign)
    assert clock == build.campaign.email.send_at
    expected = schedule_files(build.campaign, build.schedule, clock)
    assert {k: build.files[k] for k in expected} == expected
    assert sorted(n for n in expected if "/" in n) == sorted(
        [f"buffer/{p}-1.csv" for p in ("x", "bluesky", "mastodon", "linkedin", "threads",
                                       "instagram")]
        + [f"hootsuite/{p}.csv" for p in HOOTSUITE_NETWORKS])
    preview = build.files["preview.html"].decode("utf-8")
    assert '<section id="schedule">' in preview
    for slot in build.schedule:
        assert f'id="slot-{slot.id}"' in preview


# --- read back: the same posts at the same times everywhere ---------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_schedule_csv_reads_back_with_the_same_posts_and_times(case: str, planned) -> None:
    _, slots = planned[case]
    header, *body = rows(schedule_csv(slots))
    assert tuple(header) == SCHEDULE_HEADER
    posts = posts_of(slots)
    assert len(body) == len(posts)
    for row, slot in zip(body, posts, strict=True):
        record = dict(zip(header, row, strict=True))
        assert record["post_id"] == slot.id and record["platform"] == slot.platform
        assert datetime.fromisoformat(record["local_time"]) == slot.at
        assert record["local_time"] == slot.at.isoformat()
        assert datetime.fromisoformat(record["utc_time"]) == slot.utc
        assert record["utc_time"].endswith("Z")
        assert record["text"] == safe_cell(slot.post.copy_text)
        assert record["link"] == slot.post.link
        assert record["image"] == (slot.post.image or "")
        assert record["alt_text"] == safe_cell(slot.post.alt)


def _whole_posts(slots: tuple[Slot, ...], platform: str) -> list[Slot]:
    """Return the slots a scheduler's file holds for ``platform``: one per quote."""
    return [s for s in posts_of(slots) if s.platform == platform and s.post.part == 1]


def _assert_whole_post(text: str, slot: Slot, campaign) -> None:
    """A row holds one post, as composed: the quote (whole or trimmed), the credit, the link."""
    post = slot.post
    assert text == post.whole_text  # never altered on the way out (no leading ')
    assert not text.startswith(FORMULA_START)
    assert not re.search(r"(?m)^\d+/\d+$|^\d+/\d+ ", text)  # no part numbers: not a thread
    quote = next(q for q in campaign.quotes if q.id == post.quote_id)
    # The quote, whole or trimmed, after whatever the template puts first (LinkedIn: who spoke).
    shown = text.split("“", 1)[1].split("…”")[0].split("”")[0].rstrip()
    assert shown and quote.text.strip().startswith(shown)
    assert quote.speaker.display_name in text
    rules = RULES[slot.platform]
    assert (post.link in text) if rules.link_in_text else ("link in bio" in text)
    assert rules.count(text) <= (post.limit)
    if post.parts > 1:
        assert post.single_length == rules.count(text)


@pytest.mark.parametrize("case", list(CASES))
def test_buffer_files_read_back_with_whole_posts_and_their_times(case: str, planned) -> None:
    campaign, slots = planned[case]
    files = buffer_files(campaign, slots)
    seen = []
    for name, data in sorted(files.items()):
        platform = re.fullmatch(r"buffer/([a-z]+)-(\d+)\.csv", name)[1]
        assert data.startswith(b"Text,Image URL,Tags,Posting Time\r\n")
        header, *body = rows(data)
        assert tuple(header) == BUFFER_HEADER
        assert 0 < len(body) <= BUFFER_ROWS
        for row, slot in zip(body, _whole_posts(slots, platform), strict=True):
            _assert_whole_post(row[0], slot, campaign)
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row[3])
            assert datetime.strptime(row[3], "%Y-%m-%d %H:%M") == slot.at.replace(tzinfo=None)
            seen.append(slot.id)
    assert sorted(seen) == sorted(s.id for s in posts_of(slots) if s.post.part == 1)


def test_buffer_image_urls_come_from_image_base_url(planned) -> None:
    campaign, slots = planned["awkward"]
    body = rows(buffer_files(campaign, slots)["buffer/instagram-1.csv"])[1:]
    assert [r[1] for r in body] == [f"https://example.org/recap/jour-2/cards/q{i}-1080x1350.png"
                                    for i in (1, 2, 3)]
    campaign, slots = planned["minimal"]  # no image_base_url: no image for Buffer
    for name, data in buffer_files(campaign, slots).items():
        assert {r[1] for r in rows(data)[1:]} <= {""}, name


@pytest.mark.parametrize(("base", "url"), [
    ("https://cdn.example.org/a b/", "https://cdn.example.org/a b/q%20%C3%A9-1600x900.png"),
    ("https://cdn.example.org/cards", "https://cdn.example.org/cards/q%20%C3%A9-1600x900.png"),
    ("https://cdn.example.org", "https://cdn.example.org/q%20%C3%A9-1600x900.png"),
])
def test_image_urls_are_joined_as_urls(base: str, url: str, planned) -> None:
    from recap_mailer.social.exports import image_url

    campaign, _ = planned["minimal"]
    campaign = replace(campaign, schedule=replace(campaign.schedule, image_base_url=base))
    assert image_url(campaign, "cards/q é-1600x900.png") == url


@pytest.mark.parametrize("case", list(CASES))
def test_hootsuite_files_read_back_with_whole_posts_and_their_times(case: str, planned) -> None:
    campaign, slots = planned[case]
    seen = []
    files = hootsuite_files(slots)
    assert {re.fullmatch(r"hootsuite/([a-z]+)\.csv", n)[1] for n in files} <= set(
        HOOTSUITE_NETWORKS)
    for name, data in sorted(files.items()):
        platform = re.fullmatch(r"hootsuite/([a-z]+)\.csv", name)[1]
        body = rows(data)  # no header row
        assert 0 < len(body) <= HOOTSUITE_ROWS
        for row, slot in zip(body, _whole_posts(slots, platform), strict=True):
            assert len(row) == 3
            assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", row[0])
            assert datetime.strptime(row[0], "%m/%d/%Y %H:%M") == slot.at.replace(tzinfo=None)
            _assert_whole_post(row[1], slot, campaign)
            assert row[2] == ""  # the link is in the message already (or, Instagram, in bio)
            seen.append(slot.id)
    assert sorted(seen) == sorted(s.id for s in posts_of(slots) if s.post.part == 1
                                  and s.platform in HOOTSUITE_NETWORKS)


def test_long_schedules_are_split_into_files_each_scheduler_takes() -> None:
    campaign = load_campaign(CASES["soc23-day1"]).campaign
    _, slots = plan_posts(load_campaign(CASES["soc23-day1"]))
    x = next(s for s in slots if s.platform == "x")
    many = tuple(replace(x, id=f"p{i}", at=x.at + timedelta(hours=i),
                         post=replace(x.post, id=f"p{i}")) for i in range(351))
    buffer = buffer_files(campaign, many)
    assert sorted(buffer) == [f"buffer/x-{n}.csv" for n in (1, 2, 3, 4)]
    assert [len(rows(buffer[f"buffer/x-{n}.csv"])) - 1 for n in (1, 2, 3, 4)] == [100, 100,
                                                                                   100, 51]
    hootsuite = hootsuite_files(many)
    assert sorted(hootsuite) == ["hootsuite/x-1.csv", "hootsuite/x-2.csv"]
    assert [len(rows(hootsuite[n])) for n in sorted(hootsuite)] == [350, 1]


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_ics_reads_back_with_the_same_posts_and_times(case: str, planned) -> None:
    campaign, slots = planned[case]
    data = schedule_ics(campaign, slots, EPOCH)
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(slots)
    zone = campaign.event.timezone.key
    if zone != "UTC":
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [zone]
        assert f"DTSTART;TZID={zone}:".encode() in data
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    domain = campaign.email.sender.address.split("@")[1]
    for event, slot in zip(events, slots, strict=True):
        start = event.decoded("DTSTART")
        assert start == slot.at and start.utcoffset() == slot.at.utcoffset()
        assert str(event["UID"]) == f"{campaign.slug}.{slot.id}@{domain}"
        assert event.decoded("DTSTAMP") == EPOCH
        if slot.post:
            assert str(event["DESCRIPTION"]) == slot.post.copy_text
            assert str(event["URL"]) == slot.post.link
        else:
            assert str(event["SUMMARY"]) == f"Email: {campaign.email.subject}"
    for line in data.split(b"\r\n"):
        assert len(line) <= 75


def test_schedule_ics_is_the_same_whenever_it_is_built(planned, monkeypatch) -> None:
    campaign, slots = planned["soc23-day1"]
    first = schedule_ics(campaign, slots, build_clock(campaign))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2000000000")
    again = plan_posts(load_campaign(CASES["soc23-day1"]))[1]
    assert schedule_ics(campaign, again, build_clock(campaign)) == first
    assert b"DTSTAMP:20230915T080000Z" in first  # the email's send time, 09:00 BST


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_json_reads_back_with_the_same_posts_and_times(case: str, planned) -> None:
    campaign, slots = planned[case]
    data = json.loads(schedule_json(campaign, slots))
    assert data["timezone"] == campaign.event.timezone.key
    assert datetime.fromisoformat(data["email"]["local_time"]) == campaign.email.send_at
    posts = posts_of(slots)
    assert [p["id"] for p in data["posts"]] == [s.id for s in posts]
    for entry, slot in zip(data["posts"], posts, strict=True):
        assert datetime.fromisoformat(entry["local_time"]) == slot.at
        assert datetime.fromisoformat(entry["utc_time"]) == slot.utc
        assert entry["text"] == slot.post.text  # JSON needs no formula guard
        assert entry["copy_text"] == slot.post.copy_text
        assert entry["facets"] == slot.post.as_json()["facets"]
    assert sum(p["posts"] for p in data["platforms"].values()) == len(posts)


# --- hostile text -----------------------------------------------------------------------------

HOSTILE = [
    "=HYPERLINK(\"https://evil.example\",\"click\")",
    "+1 for this",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTabbed",
    "\rCarriage",
    "Commas, \"quotes\" and\nnew lines; semi;colons \\ back\\slash",
    "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@example.org\r\nSUMMARY:injected\r\nEND:VEVENT",
    "Long UTF-8: " + "é日本語🎉" * 40,
]


@pytest.fixture(scope="module")
def hostile(planned) -> tuple:
    campaign, slots = planned["soc23-day1"]
    x = posts_of(slots)[: len(HOSTILE)]
    out = tuple(replace(s, post=replace(s.post, text=text, written=text, alt=text))
                for s, text in zip(x, HOSTILE, strict=True))
    return campaign, (next(s for s in slots if s.is_email), *out)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@cmd", "\tx", "\rx"],
                         ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_safe_cell_defuses_formulas(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "“quoted”", " =space first", "#tag", "", "1-2"])
def test_safe_cell_leaves_other_text_alone(value: str) -> None:
    assert safe_cell(value) == value


def test_no_cell_of_any_csv_export_can_run_as_a_formula(hostile) -> None:
    campaign, slots = hostile
    files = {"schedule.csv": schedule_csv(slots), **buffer_files(campaign, slots),
             **hootsuite_files(slots)}
    for name, data in files.items():
        for row in rows(data):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    body = rows(schedule_csv(slots))[1:]
    assert [r[4] for r in body] == [safe_cell(t) for t in HOSTILE]


def test_csv_quotes_as_rfc_4180_says() -> None:
    data = csv_bytes([["a,b", 'say "hi"', "two\nlines", "plain"]], ["h1", "h2", "h3", "h4"])
    assert data == b'h1,h2,h3,h4\r\n"a,b","say ""hi""","two\nlines",plain\r\n'
    assert rows(data) == [["h1", "h2", "h3", "h4"], ["a,b", 'say "hi"', "two\nlines", "plain"]]


def test_ics_keeps_injected_text_inside_the_description(hostile) -> None:
    campaign, slots = hostile
    data = schedule_ics(campaign, slots, EPOCH)
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded content lines
    assert lines.count(b"BEGIN:VEVENT") == len(slots) == lines.count(b"END:VEVENT")
    assert b"UID:evil@example.org" not in lines
    events = list(icalendar.Calendar.from_ical(data).walk("VEVENT"))
    posts = [s for s in slots if s.post]
    # iCalendar TEXT has one line break, written \n: a bare CR comes back as a line feed.
    assert [str(e["DESCRIPTION"]) for e in events[1:]] == [
        s.post.copy_text.replace("\r\n", "\n").replace("\r", "\n") for s in posts]
    assert len({str(e["UID"]) for e in events}) == len(slots)
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a UTF-8 sequence


def test_json_survives_control_characters_and_line_separators(hostile) -> None:
    campaign, slots = hostile
    odd = "line\u2028separator\u2029paragraph\x07bell"
    slots = (slots[0], replace(slots[1], post=replace(slots[1].post, text=odd)))
    text = schedule_json(campaign, slots)
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text)["posts"][0]["text"] == odd


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                               blacklist_characters="\x00")),
                min_size=1, max_size=5))
def test_any_text_round_trips_through_csv(cells: list[str]) -> None:
    back = rows(csv_bytes([cells]))
    assert back == [[safe_cell(c) for c in cells]] or (cells == [""] and back == [[""]])
    for cell in back[0] if back else []:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
