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
    levels = sorted({b.level for b in items if b.kind == "heading" and b.level})

    def is_block(b: Block) -> bool:
        if NUMBERED.match(b.text):
            return False
        if len(levels) >= 2 and b.level == levels[0]:
            return True
        return bool(_BLOCK_HEADING.match(b.text)) and len(b.text) <= 80

    def text_before(i: int) -> bool:
        j = i - 1
        while j >= 0 and items[j].kind in ("break", "dateline"):
            j -= 1
        return j >= 0 and items[j].kind in ("paragraph", "quote")

    def text_after(i: int) -> bool:
        j = i + 1
        while j < len(items) and items[j].kind in ("break", "dateline"):
            j += 1
        return j < len(items) and items[j].kind in ("paragraph", "quote")

    titles = [i for i, b in enumerate(items) if b.kind == "heading" and not is_block(b)]
    trailing_votes = sum(text_before(i) and not text_after(i) for i in titles)
    leading_votes = sum(text_after(i) and not text_before(i) for i in titles)
    trailing_page = trailing_votes > leading_votes

    intro: list[Block] | None = None
    pending: list[Block] = []
    sections: list[Section] = []
    current: Section | None = None
    block_name: str | None = None
    for i, item in enumerate(items):
        if item.kind == "dateline":
            continue
        if item.kind == "break":
            if intro is None and not sections and current is None and pending:
                intro, pending = pending, []
            continue
        if item.kind in ("paragraph", "quote"):
            (current.blocks if current else pending).append(item)
            continue
        if is_block(item):
            current = None
            if intro is None and not sections and pending:
                intro, pending = pending, []
            block_name = item.text
            continue
        before, after = bool(pending), text_after(i)
        if before and (not after or trailing_page):
            if intro is None and not sections:
                intro = []
            sections.append(Section(item.text, block_name, pending))
            pending, current = [], None
        elif after or before:
            if intro is None and not sections:
                intro, pending = pending, []
            current = Section(item.text, block_name, pending)
            if pending:
                current.notes.append("the paragraphs before this heading had no title; "
                                     "check they belong to this session")
            sections.append(current)
            pending = []
        else:
            last = current or (sections[-1] if sections else None)
            if last is not None and last.title and _same_title(item.text, last.title):
                current = None  # the caption of a recording, repeating the title
                continue
            current = Section(item.text, block_name, [])
            sections.append(current)
    if pending:
        if not sections and intro is None:
            intro, pending = (pending[:1], pending[1:]) if len(pending) > 1 else ([], pending)
        if pending:
            section = Section(None, block_name, pending)
            section.notes.append("the page gives no title for these paragraphs")
            sections.append(section)
    return page_title, intro or [], _split_sections(sections), trailing_page


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
