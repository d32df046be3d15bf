"""The schedule check: posting times in the past, posts too close, what schedulers refuse."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from recap_mailer.checks.context import Context
from recap_mailer.checks.findings import Finding
from recap_mailer.format.source import Path_
from recap_mailer.social.platforms import RULES
from recap_mailer.social.schedule import REPEAT_GAP, Slot, platform_timing


def schedule_now() -> datetime | None:
    """Return "now" for the schedule check: SOURCE_DATE_EPOCH, or None when it is not set.

    Findings land in report.json and the preview, which must be the same bytes for the same
    source, so the real clock is never read here.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (OverflowError, OSError, ValueError):  # past year 9999: no "now" to compare with
        return None


def check_schedule(ctx: Context) -> list[Finding]:
    """Times in the past, posts too close on one platform, and what schedulers refuse.

    The planner keeps the gap and the three days between identical texts; this checks the
    plan it made all the same, and adds what depends on the day: a slot that has passed
    (before SOURCE_DATE_EPOCH, when it is set) cannot be scheduled. Hootsuite takes times on a
    five-minute grid only. (Buffer's 100 and Hootsuite's 350 rows a file are kept by splitting
    the files.)
    """
    slots = ctx.checked.slots
    found: list[Finding] = []
    now = schedule_now()
    email = next((s for s in slots if s.is_email), None)
    if email is not None and now is not None and email.utc < now:
        found.append(ctx.at("schedule", ("email", "send_at"), "warning",
                            f"the email's send time {email.at:%Y-%m-%d %H:%M %Z} has passed"))
    for platform in dict.fromkeys(s.platform for s in slots if s.post is not None):
        mine = [s for s in slots if s.platform == platform and s.post is not None]
        found += _platform_findings(ctx, platform, mine, now)
    return found


def _platform_findings(ctx: Context, platform: str, mine: list[Slot],
                       now: datetime | None) -> list[Finding]:
    """Return the schedule's findings for the posts of one platform, in time order."""
    cadence, gap_minutes, at = platform_timing(ctx.campaign, platform)
    label = RULES[platform].label
    found: list[Finding] = []
    past = [s for s in mine if now is not None and s.utc < now]
    if past:
        found.append(ctx.at("schedule", at, "warning",
                            f"{len(past)} of {len(mine)} {label} posts are in the past "
                            f"(the first at {past[0].at:%Y-%m-%d %H:%M %Z}); schedulers "
                            "refuse them: move schedule.start on"))
    if RULES[platform].needs_image and ctx.campaign.schedule.image_base_url is None:
        found.append(ctx.at("schedule", ("schedule", "image_base_url"), "warning",
                            f"{label} cannot post without an image, and its {len(mine)} posts "
                            "in the schedulers' files have none: set schedule.image_base_url "
                            "to where out/<slug>/cards/ will be published"))
    found += _too_close(ctx, at, label, mine, gap_minutes)
    found += _repeated(ctx, at, label, mine)
    off_grid = [s for s in mine if s.at.minute % 5 or s.at.second]
    if off_grid:
        found.append(ctx.at("schedule", at, "warning",
                            f"{len(off_grid)} {label} posts are not on a five-minute step "
                            f"(like {off_grid[0].at:%H:%M:%S}); Hootsuite's bulk composer "
                            f"refuses them: use times such as 09:00 or 09:05 in "
                            f"{cadence!r}"))
    return found


def _too_close(ctx: Context, at: Path_, label: str, mine: list[Slot],
               gap_minutes: int) -> list[Finding]:
    """Return a finding for each two posts closer than the gap (a thread's parts aside)."""
    gap = timedelta(minutes=gap_minutes)
    found = []
    for a, b in pairwise(mine):
        thread = b.post is not None and b.post.part > 1 and a.post is not None \
            and a.post.quote_id == b.post.quote_id
        if not thread and b.utc - a.utc < gap:
            found.append(ctx.at("schedule", at, "error",
                                f"{label} posts {a.id} and {b.id} are "
                                f"{(b.utc - a.utc).total_seconds() / 60:.0f} minutes apart; "
                                f"the gap is {gap_minutes}"))
    return found


def _repeated(ctx: Context, at: Path_, label: str, mine: list[Slot]) -> list[Finding]:
    """Return a finding for each post repeating an earlier text within three days."""
    latest: dict[str, datetime] = {}
    found = []
    for slot in mine:
        text = slot.post.text if slot.post is not None else ""
        if text in latest and slot.utc - latest[text] < REPEAT_GAP:
            found.append(ctx.at("schedule", at, "error",
                                f"{label} post {slot.id} repeats an earlier post's text "
                                "within three days (schedulers refuse duplicates)"))
        latest[text] = slot.utc
    return found
