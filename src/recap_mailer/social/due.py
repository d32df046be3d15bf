"""What goes out when: the posts due, on one day or in all, as a scheduler copies them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from recap_mailer.social.platforms import RULES
from recap_mailer.social.schedule import Slot


def posts_due(slots: Iterable[Slot], day: date | None = None,
              platform: str | None = None) -> list[Slot]:
    """Return the posts due on ``day`` (local to the event; every day if None), in order."""
    return [s for s in slots if s.post and (day is None or s.at.date() == day)
            and (platform is None or s.platform == platform)]


def nothing_due(day: date | None, platform: str | None) -> str:
    """Return the line that says no post is due."""
    where = f" on {RULES[platform].label}" if platform else ""
    return f"no posts due on {day.isoformat()}{where}" if day else f"no posts{where}"


def format_due(slots: Iterable[Slot]) -> str:
    """Return the posts of ``slots``, each under a marker line with its time and platform."""
    blocks = []
    for slot in slots:
        post = slot.post
        assert post is not None, "posts_due gives only posts"
        part = f" · {post.part}/{post.parts}" if post.parts > 1 else ""
        offset = slot.at.isoformat()[-6:]
        lines = [f"===== {slot.at:%a %d %b %Y %H:%M} {slot.at:%Z} ({offset}) · "
                 f"{RULES[post.platform].label} · {post.quote_id}{part} =====", post.copy_text]
        if post.part == post.parts and post.link not in post.copy_text:
            lines.append(f"----- link: {post.link}")
        if post.image:
            lines += [f"----- image: {post.image}", f"----- alt: {post.alt}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
