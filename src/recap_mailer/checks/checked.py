"""What the checks read of one build: plain data, so the checks need not know the build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from recap_mailer.model import Campaign
from recap_mailer.social.posts import Post
from recap_mailer.social.schedule import Slot


@dataclass(frozen=True)
class Checked:
    """One build's outputs as the reviewer's checks read them."""

    campaign: Campaign
    html: str  # email.html, as sent
    text: str  # email.txt
    posts: tuple[Post, ...] = ()
    slots: tuple[Slot, ...] = ()
    cards: Mapping[str, bytes] = field(default_factory=dict)  # by path in the output folder
    compact: frozenset[str] = frozenset()  # ids of sessions the email lists in one line
    omitted: frozenset[str] = frozenset()  # ids of sessions left to the recap page

    @property
    def size(self) -> int:
        """Return the size of the HTML in bytes, as Gmail counts it for clipping."""
        return len(self.html.encode("utf-8"))
