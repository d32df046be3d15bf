"""Split a page's blocks into its title, its introduction and its sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from recap_mailer.importer.model import Block
from recap_mailer.importer.text import first_sentence

_KINDS = [
    ("big-picture", re.compile(r"\bbig[ -]picture\b", re.IGNORECASE)),
    ("book-launch", re.compile(r"\bbook launch\b", re.IGNORECASE)),
    ("deep-dive", re.compile(r"\bdeep[ -]dives?\b", re.IGNORECASE)),
    ("keynote", re.compile(r"\bkeynote\b", re.IGNORECASE)),
    ("fireside-chat", re.compile(r"\bfireside\b", re.IGNORECASE)),
    ("panel", re.compile(r"\bpanel(?:s| discussion)?\b", re.IGNORECASE)),
    ("workshop", re.compile(r"\bworkshops?\b", re.IGNORECASE)),
    ("plenary", re.compile(r"\bplenary\b", re.IGNORECASE)),
    ("networking", re.compile(r"\bnetworking\b", re.IGNORECASE)),
    ("talk", re.compile(r"\b(?:talk|lecture|presentation)s?\b", re.IGNORECASE)),
]
_BLOCK_HEADING = re.compile(
    r"^(?:morning|afternoon|evening|(?:(?:morning|afternoon|evening|opening|closing|parallel|"
    r"concurrent|breakout) +)?(?:[a-z]+ +)?(?:deep dives|sessions|panels|workshops|talks|"
    r"breakouts|plenaries))$", re.IGNORECASE)
_SPLIT = re.compile(
    r"\b(?:was|were) followed by (?:a|an) +(?P<what>panel(?: discussion)?|fireside chat|"
    r"workshop|roundtable|Q&A)\b", re.IGNORECASE)
NUMBERED = re.compile(r"^(?:deep[ -]dive|session|workshop|panel|talk|breakout)\s+"
                       r"(?P<n>\d+(?:\.\d+)*)\b", re.IGNORECASE)


def kind_of(text: str) -> str | None:
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


@dataclass
class Section:
    title: str | None
    block: str | None
    blocks: list[Block]
    kind: str | None = None
    notes: list[str] = field(default_factory=list)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2 or w.isdigit()}


def _same_title(short: str, long: str) -> bool:
    """Say whether one heading repeats another ("Book Launch" after "Book Launch - ...")."""
    a, b = _words(short), _words(long)
    if not a or not b:
        return False
    if len(a) > len(b):
        a, b = b, a
    return len(a & b) >= max(1, round(0.75 * len(a)))


def segment(blocks: list[Block]) -> tuple[str | None, list[Block], list[Section], bool]:
    """Split the blocks into the page title, the introduction and the sessions.

    Recap pages put a session's title before its text or, when the title is the caption of a
    recording, after it; each heading is read whichever way leaves no paragraph without a
    title, and the page's usual way decides the rest.
    """
    items = list(blocks)
    page_title = None
    first_heading = next((b for b in items if b.kind == "heading"), None)
    if first_heading is not None and first_heading.level == 1:
        page_title = first_heading.text
        items.remove(first_heading)
    page = _Page(items)
    for i, item in enumerate(items):
        page.take(i, item)
    return page_title, page.finish(), _split_sections(page.sections), page.trailing


_PROSE = ("paragraph", "quote")
_SKIPPED = ("break", "dateline")


class _Page:
    """The sections of a page as its blocks are read in order."""

    def __init__(self, items: list[Block]) -> None:
        self.items = items
        self.levels = sorted({b.level for b in items if b.kind == "heading" and b.level})
        titles = [i for i, b in enumerate(items) if b.kind == "heading" and not self.is_block(b)]
        trailing = sum(self.text_before(i) and not self.text_after(i) for i in titles)
        leading = sum(self.text_after(i) and not self.text_before(i) for i in titles)
        self.trailing = trailing > leading  # the page puts titles after their text
        self.intro: list[Block] | None = None
        self.pending: list[Block] = []  # paragraphs not yet under a title
        self.sections: list[Section] = []
        self.current: Section | None = None
        self.block_name: str | None = None

    def is_block(self, b: Block) -> bool:
        """Say whether a heading names a block of sessions ("Afternoon deep dives")."""
        if NUMBERED.match(b.text):
            return False
        if len(self.levels) >= 2 and b.level == self.levels[0]:
            return True
        return bool(_BLOCK_HEADING.match(b.text)) and len(b.text) <= 80

    def text_before(self, i: int) -> bool:
        j = i - 1
        while j >= 0 and self.items[j].kind in _SKIPPED:
            j -= 1
        return j >= 0 and self.items[j].kind in _PROSE

    def text_after(self, i: int) -> bool:
        j = i + 1
        while j < len(self.items) and self.items[j].kind in _SKIPPED:
            j += 1
        return j < len(self.items) and self.items[j].kind in _PROSE

    def end_intro(self) -> None:
        """Make the paragraphs read so far the introduction, if no session has begun."""
        if self.intro is None and not self.sections:
            self.intro, self.pending = self.pending, []

    def take(self, i: int, item: Block) -> None:
        if item.kind == "dateline":
            return
        if item.kind == "break":
            if self.current is None and self.pending:
                self.end_intro()
        elif item.kind in _PROSE:
            (self.current.blocks if self.current else self.pending).append(item)
        elif self.is_block(item):
            self.current = None
            if self.pending:
                self.end_intro()
            self.block_name = item.text
        else:
            self.heading(item, bool(self.pending), self.text_after(i))

    def heading(self, item: Block, before: bool, after: bool) -> None:
        """Place a session title before or after its text, or as a recording's caption."""
        if before and (not after or self.trailing):
            if self.intro is None and not self.sections:
                self.intro = []
            self.sections.append(Section(item.text, self.block_name, self.pending))
            self.pending, self.current = [], None
        elif after or before:
            self.end_intro()
            self.current = Section(item.text, self.block_name, self.pending)
            if self.pending:
                self.current.notes.append("the paragraphs before this heading had no title; "
                                          "check they belong to this session")
            self.sections.append(self.current)
            self.pending = []
        else:
            last = self.current or (self.sections[-1] if self.sections else None)
            if last is not None and last.title and _same_title(item.text, last.title):
                self.current = None  # the caption of a recording, repeating the title
                return
            self.current = Section(item.text, self.block_name, [])
            self.sections.append(self.current)

    def finish(self) -> list[Block]:
        """Give paragraphs left without a title a section of their own; return the intro."""
        if self.pending and not self.sections and self.intro is None:
            if len(self.pending) > 1:
                self.intro, self.pending = self.pending[:1], self.pending[1:]
            else:
                self.intro = []
        if self.pending:
            section = Section(None, self.block_name, self.pending)
            section.notes.append("the page gives no title for these paragraphs")
            self.sections.append(section)
        return self.intro or []


def _split_sections(sections: list[Section]) -> list[Section]:
    """Split off a session a paragraph says came next ("The keynote was followed by a panel")."""
    out: list[Section] = []
    for section in sections:
        out.append(section)
        for k, block in enumerate(section.blocks):
            if k == 0 or block.kind != "paragraph":
                continue
            match = _SPLIT.search(first_sentence(block.text.replace("\u00a0", " ")))
            if match:
                what = match["what"]
                kind = kind_of(what) or "other"
                title = what[0].upper() + what[1:].lower() if what != "Q&A" else what
                new = Section(title, section.block, section.blocks[k:], kind)
                new.notes.append("the page gives no title for this session; the title is a guess")
                section.blocks = section.blocks[:k]
                out.append(new)
                break
    return out
