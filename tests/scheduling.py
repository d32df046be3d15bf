"""Small campaigns written on the fly for schedule and export tests."""

from __future__ import annotations

import json
from pathlib import Path

from recap_mailer.build import Loaded, load_campaign, plan_posts
from recap_mailer.social.posts import Post
from recap_mailer.social.schedule import Slot


def write_campaign(root: Path, schedule: str, *, quotes: int = 3, platforms: str = "x: {}",
                   timezone: str = "Europe/London", day: str = "2023-10-26",
                   send_at: str = "2023-10-27T09:00", texts: list[str] | None = None,
                   slug: str = "synthetic") -> Path:
    """Write campaigns/<slug>/recap.yaml with ``quotes`` quotes and the given schedule block."""
    texts = texts or [f"Quote number {i} says something worth sharing." for i in range(quotes)]
    quote_items = "\n".join(
        f"  - {{id: q{i}, speaker: ada, session: talk, priority: {i + 1}, "
        f"text: {json.dumps(text, ensure_ascii=False)}}}"
        for i, text in enumerate(texts))
    indented = "\n".join(f"    {line}" for line in platforms.splitlines())
    source = f"""version: 1
email:
  subject: Synthetic recap
  preheader: A campaign written by a test to exercise the posting schedule and its exports.
  from: {{name: Test Team, address: news@example.org}}
  unsubscribe_url: https://example.org/unsubscribe
  postal_address: 1 Example Street, Exampletown EX1 1EX
  send_at: {send_at}
  intro: One session happened.
event:
  name: Synthetic Event
  short_name: SYN
  day_label: Day 1
  date: {day}
  timezone: {timezone}
  venue: Online
  recap_url: https://example.org/recap
people:
  - {{id: ada, name: Ada Lovelace}}
sessions:
  - {{id: talk, kind: talk, title: A talk, speakers: [ada], summary: Ada spoke.}}
quotes:
{quote_items}
social:
  platforms:
{indented}
schedule:
{schedule}
"""
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "recap.yaml").write_text(source, encoding="utf-8")
    return folder


def plan(folder: Path) -> tuple[Loaded, tuple[Post, ...], tuple[Slot, ...]]:
    """Load a campaign and plan its posts."""
    loaded = load_campaign(folder)
    posts, slots = plan_posts(loaded)
    return loaded, posts, slots
