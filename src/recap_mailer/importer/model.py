"""The importer's data: a page's blocks, what the user knows, and the draft recap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "quote", "break", "attribution", "dateline"]
PageKind = Literal["html", "markdown", "text"]

#: The largest page the importer reads (a recap page is a few hundred KB at most).
MAX_PAGE_CHARS = 4 * 1024 * 1024

PLACEHOLDER_DATE = "2000-01-01"
PLACEHOLDER_TIMEZONE = "UTC"
PLACEHOLDER_RECAP_URL = "https://example.org/recap"
CHECK = "# CHECK:"


@dataclass(frozen=True)
class Block:
    """One piece of a page's text: a heading, a paragraph, a block quote or a section break."""

    kind: BlockKind
    text: str = ""
    level: int | None = None  # heading level, where the markup gives one
    cite: str | None = None  # who a block quote is attributed to


@dataclass(frozen=True)
class ImportOptions:
    """What the user knows that the page may not say."""

    page_name: str = "page"
    date: str | None = None
    timezone: str | None = None
    recap_url: str | None = None


@dataclass
class DraftPerson:
    id: str
    name: str
    honorific: str | None = None
    affiliation: str | None = None
    role: str | None = None


@dataclass
class DraftSession:
    id: str
    kind: str
    title: str
    summary: list[str]
    block: str | None = None
    chair: str | None = None
    speakers: list[str] = field(default_factory=list)


@dataclass
class DraftQuote:
    id: str
    text: str
    speaker: str
    session: str
    featured: bool = False
    priority: int = 100


@dataclass
class Draft:
    """Everything found on the page, plus a note on each thing a person should check."""

    page_name: str
    event_name: str
    short_name: str
    day_label: str
    date: str
    timezone: str
    venue: str
    recap_url: str
    recap_url_given: bool
    subject: str
    preheader: str
    intro: list[str]
    people: list[DraftPerson]
    sessions: list[DraftSession]
    quotes: list[DraftQuote]
    hashtags: list[str]
    notes: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def note(self, key: str, message: str) -> None:
        """Mark ``key`` (like ``event.date`` or ``quotes.<id>``) for a person to check."""
        self.notes.setdefault(key, []).append(message)
