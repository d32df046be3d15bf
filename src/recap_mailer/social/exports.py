"""The schedule as schedulers and scripts take it: CSV, Buffer, Hootsuite, iCalendar and JSON.

CSV follows RFC 4180 (CRLF line ends; a cell with a comma, quote or line break is quoted,
its quotes doubled) and no cell can run as a spreadsheet formula. iCalendar is written by
ical.py (text escaped, lines folded at 75 octets, the zone's VTIMEZONE from tzdata): what
the icalendar library writes, byte for byte but for VTIMEZONE onsets, which follow RFC 5545.
Every file is the same bytes for the same source.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urljoin

from recap_mailer.model import PLATFORMS, Campaign
from recap_mailer.social.calendar import (
    UTC_NAMES,
    escape_text,
    local_time,
    param,
    to_ical,
    utc_time,
    vtimezone,
)
from recap_mailer.social.framing import FORMULA_START
from recap_mailer.social.platforms import RULES
from recap_mailer.social.schedule import Slot, platform_timing

BUFFER_HEADER = ("Text", "Image URL", "Tags", "Posting Time")
BUFFER_ROWS = 100
HOOTSUITE_ROWS = 350
#: The networks of ours Hootsuite publishes to (X, LinkedIn, Threads, Instagram; not Bluesky
#: or Mastodon): the others go to Buffer, or by hand from posts/<platform>.txt.
HOOTSUITE_NETWORKS = ("x", "linkedin", "threads", "instagram")
SCHEDULE_HEADER = ("post_id", "platform", "local_time", "utc_time", "text", "link", "image",
                   "alt_text")


def safe_cell(value: object) -> str:
    """Return a CSV cell no spreadsheet runs: one starting with = + - @ tab or CR gets a '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(rows: Iterable[Sequence[object]], header: Sequence[str] | None = None) -> bytes:
    """Return RFC 4180 CSV in UTF-8, every cell made safe."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


def local_iso(moment: datetime) -> str:
    """Return ``2023-09-15T09:00:00+01:00``."""
    return moment.isoformat(timespec="seconds")


def utc_iso(moment: datetime) -> str:
    """Return ``2023-09-15T08:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def image_url(campaign: Campaign, image: str | None) -> str | None:
    """Return where a card will be on the web, when schedule.image_base_url says so."""
    base = campaign.schedule.image_base_url
    if not (image and base):
        return None
    # Joined as a URL: the folder's address, then the card's file name, quoted as a path.
    folder = base if base.endswith("/") else base + "/"
    return urljoin(folder, quote(image.removeprefix("cards/")))


def _posts(slots: Iterable[Slot]) -> list[Slot]:
    return [slot for slot in slots if slot.post is not None]


def _chunks(rows: list[Any], size: int) -> list[list[Any]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]


# --- the files ----------------------------------------------------------------------------

def schedule_csv(slots: Iterable[Slot]) -> bytes:
    """Return schedule.csv: one row per post, in order of time."""
    rows = []
    for slot in _posts(slots):
        post = slot.post
        assert post is not None
        rows.append((post.id, slot.platform, local_iso(slot.at), utc_iso(slot.at), post.copy_text,
                     post.link, post.image, post.alt))
    return csv_bytes(rows, SCHEDULE_HEADER)


def buffer_files(campaign: Campaign, slots: Iterable[Slot]) -> dict[str, bytes]:
    """Return buffer/<platform>-<n>.csv: Buffer's bulk upload, one channel a file, 100 rows."""
    files: dict[str, bytes] = {}
    mine = _posts(slots)
    for platform in PLATFORMS:
        rows = []
        for slot in mine:
            # A row is a post of its own: a thread goes as its quote in one post.
            if slot.platform == platform and slot.post and slot.post.whole_text is not None:
                rows.append((slot.post.whole_text, image_url(campaign, slot.post.image), "",
                             f"{slot.at:%Y-%m-%d %H:%M}"))
        for n, chunk in enumerate(_chunks(rows, BUFFER_ROWS), start=1):
            files[f"buffer/{platform}-{n}.csv"] = csv_bytes(chunk, BUFFER_HEADER)
    return files


def hootsuite_files(slots: Iterable[Slot]) -> dict[str, bytes]:
    """Return hootsuite/<platform>.csv: the bulk composer's date, message, link; 350 rows a file.

    Only for the networks Hootsuite publishes to (HOOTSUITE_NETWORKS). Hootsuite's CSV has
    no header row and the date format is chosen at upload: these use MM/DD/YYYY HH:mm
    (24-hour). A row is a post of its own, so a thread goes as its quote in one post. The
    link column stays empty where the message already holds the link, which Hootsuite would
    otherwise add a second time.
    """
    files: dict[str, bytes] = {}
    mine = _posts(slots)
    for platform in HOOTSUITE_NETWORKS:
        rows = []
        for slot in mine:
            post = slot.post
            if slot.platform == platform and post is not None and post.whole_text is not None:
                text = post.whole_text
                link = "" if post.link in text or not RULES[platform].link_in_text \
                    else post.link
                rows.append((f"{slot.at:%m/%d/%Y %H:%M}", text, link))
        chunks = _chunks(rows, HOOTSUITE_ROWS)
        for n, chunk in enumerate(chunks, start=1):
            name = f"hootsuite/{platform}.csv" if len(chunks) == 1 \
                else f"hootsuite/{platform}-{n}.csv"
            files[name] = csv_bytes(chunk)
    return files


def _summary(campaign: Campaign, slot: Slot) -> str:
    post = slot.post
    if post is None:
        return f"Email: {campaign.email.subject}"
    quote = next(q for q in campaign.quotes if q.id == post.quote_id)
    part = f" ({post.part}/{post.parts})" if post.parts > 1 else ""
    return f"{RULES[post.platform].label}: {quote.speaker.display_name}, {quote.id}{part}"


def uid(campaign: Campaign, slot: Slot) -> str:
    """Return the event's UID, the same for every build of the campaign: slug.id@domain."""
    domain = campaign.email.sender.address.rpartition("@")[2].lower()
    return f"{campaign.slug}.{slot.id}@{domain}"


def schedule_ics(campaign: Campaign, slots: Iterable[Slot], clock: datetime) -> bytes:
    """Return schedule.ics: one event per post and one for the email, in the event's zone."""
    event = campaign.event
    zone = event.timezone
    slots = tuple(slots)
    name = f"{event.short_name} {event.day_label}: posting schedule"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//recap-mailer//posting schedule//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}",
             f"X-WR-TIMEZONE:{escape_text(zone.key)}"]
    utc = zone.key in UTC_NAMES
    if slots and not utc:
        # The zone's rules for the years the schedule spans: a short VTIMEZONE, the same for
        # every build (a 1970-2038 span would list every change since 1970).
        times = [slot.at for slot in slots]
        lines += vtimezone(zone, date(min(times).year, 1, 1), date(max(times).year + 1, 1, 1))
    stamp = utc_time(clock)
    for slot in slots:
        start = f"DTSTART:{utc_time(slot.at)}" if utc else \
            f"DTSTART;TZID={param(zone.key)}:{local_time(slot.at.astimezone(zone))}"
        post = slot.post
        lines += ["BEGIN:VEVENT", f"SUMMARY:{escape_text(_summary(campaign, slot))}", start,
                  f"DTSTAMP:{stamp}", f"UID:{escape_text(uid(campaign, slot))}",
                  f"CATEGORIES:{escape_text(slot.platform if post else 'email')}",
                  "DESCRIPTION:" + escape_text(post.copy_text if post
                                               else campaign.email.preheader),
                  "TRANSP:TRANSPARENT"]
        if post is not None:
            lines.append(f"URL:{post.link}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return to_ical(lines)


def schedule_data(campaign: Campaign, slots: Sequence[Slot]) -> dict[str, Any]:
    """Return the schedule as plain JSON data."""
    posts = _posts(slots)
    platforms = {}
    for platform in PLATFORMS:
        mine = [s for s in posts if s.platform == platform]
        if mine:
            cadence, gap, _ = platform_timing(campaign, platform)
            platforms[platform] = {"cadence": cadence, "min_gap_minutes": gap,
                                   "posts": len(mine), "first": local_iso(mine[0].at),
                                   "last": local_iso(mine[-1].at)}
    email = campaign.email
    entries = []
    for slot in posts:
        post = slot.post
        assert post is not None
        entries.append({
            "id": post.id, "platform": slot.platform, "local_time": local_iso(slot.at),
            "utc_time": utc_iso(slot.at), "text": post.text, "copy_text": post.copy_text,
            "facets": post.as_json()["facets"], "link": post.link,
            "image": post.image, "image_url": image_url(campaign, post.image), "alt": post.alt,
            "quote_id": post.quote_id, "session_id": post.session_id,
            "thread": {"part": post.part, "parts": post.parts},
            "uid": uid(campaign, slot),
        })
    email_slot = next(s for s in slots if s.is_email)
    return {
        "format": 1,
        "campaign": campaign.slug,
        "timezone": campaign.event.timezone.key,
        "email": {"subject": email.subject, "local_time": local_iso(email.send_at),
                  "utc_time": utc_iso(email.send_at), "uid": uid(campaign, email_slot)},
        "platforms": platforms,
        "posts": entries,
    }


def schedule_json(campaign: Campaign, slots: Sequence[Slot]) -> str:
    """Return schedule.json: sorted keys, UTF-8, U+2028/U+2029 escaped for JavaScript."""
    text = json.dumps(schedule_data(campaign, slots), ensure_ascii=False, sort_keys=True,
                      indent=2)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def schedule_files(campaign: Campaign, slots: Sequence[Slot], clock: datetime) -> dict[str, bytes]:
    """Return every schedule export for a build's files."""
    return {
        "schedule.csv": schedule_csv(slots),
        "schedule.json": schedule_json(campaign, slots).encode("utf-8"),
        "schedule.ics": schedule_ics(campaign, slots, clock),
        **buffer_files(campaign, slots),
        **hootsuite_files(slots),
    }
