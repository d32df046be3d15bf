"""Draft a recap source from a saved recap page: read the page, find what it says, write YAML.

Three stages, each a pure function: ``read_page`` turns HTML, Markdown or plain text into
blocks (headings, paragraphs, block quotes, breaks) without the page's chrome;
``draft_recap`` finds the event, the sessions, the people and their quotes in those blocks;
``render_draft`` writes the draft as commented YAML. Whatever the importer is unsure of
carries a ``# CHECK:`` comment for a person to look at.
"""

from __future__ import annotations

from dataclasses import dataclass

from recap_mailer.errors import SourceError, single_error
from recap_mailer.importer.drafting import draft_recap
from recap_mailer.importer.model import (
    CHECK,
    MAX_PAGE_CHARS,
    PLACEHOLDER_DATE,
    PLACEHOLDER_RECAP_URL,
    PLACEHOLDER_TIMEZONE,
    Block,
    BlockKind,
    Draft,
    DraftPerson,
    DraftQuote,
    DraftSession,
    ImportOptions,
    PageKind,
)
from recap_mailer.importer.reading import page_kind, read_page
from recap_mailer.importer.yaml_writer import render_draft

__all__ = [
    "CHECK", "MAX_PAGE_CHARS", "PLACEHOLDER_DATE", "PLACEHOLDER_RECAP_URL", "PLACEHOLDER_TIMEZONE",
    "Block", "BlockKind", "Draft", "DraftPerson", "DraftQuote", "DraftSession", "ImportOptions",
    "Imported", "PageKind", "draft_recap", "import_page", "page_kind", "read_page", "render_draft",
]


@dataclass(frozen=True)
class Imported:
    """A draft ready to write, and what it holds."""

    text: str
    sessions: int
    people: int
    quotes: int
    checks: int

    def summary(self) -> str:
        """Say what was found, the way the command prints it."""
        return (f"{self.sessions} sessions, {self.people} people, {self.quotes} quotes, "
                f"{self.checks} items to check (marked {CHECK})")


def import_page(text: str, kind: PageKind, options: ImportOptions, slug: str,
                draft_path: str | None = None) -> Imported:
    """Read a page, draft its recap source and prove the draft validates before anyone sees it."""
    from recap_mailer.format.declaration import RECAP
    from recap_mailer.format.source import parse_source
    from recap_mailer.format.validate import validate

    draft = draft_recap(read_page(text, kind), options)
    # A page of more than one source may hold (a whole conference) is the user's to split.
    found = {"sessions": len(draft.sessions), "people": len(draft.people),
             "quotes": len(draft.quotes)}
    over = [f"{count:,} {key} (a recap holds {RECAP.fields[key].kind.max_items:,} at most)"
            for key, count in found.items() if count > RECAP.fields[key].kind.max_items]
    if over:
        raise single_error(options.page_name, f"the page has {', '.join(over)}; split it into "
                                              "one page a day and import each")
    rendered = render_draft(draft)
    path = draft_path or f"campaigns/{slug}/recap.yaml"
    try:
        validate(parse_source(rendered, path), slug)
    except SourceError as exc:
        # A draft that does not validate is the importer's bug; say what failed, no traceback.
        raise single_error(options.page_name, "the draft made from this page does not "
                           "validate; please report it:\n" + str(exc)) from None
    return Imported(rendered, len(draft.sessions), len(draft.people), len(draft.quotes),
                    rendered.count(CHECK))
