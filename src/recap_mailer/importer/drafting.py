"""Draft the recap: the intro, a session for each section, the people and their quotes."""

from __future__ import annotations

import re

from recap_mailer.errors import single_error
from recap_mailer.importer.event import draft_event
from recap_mailer.importer.model import Block, Draft, DraftQuote, DraftSession, ImportOptions
from recap_mailer.importer.people import People, find_cited, find_mentions, find_people
from recap_mailer.importer.quotes import FoundQuote, block_quotes
from recap_mailer.importer.sections import NUMBERED, Section, kind_of, segment
from recap_mailer.importer.text import first_sentence, slugify


def draft_recap(blocks: list[Block], options: ImportOptions) -> Draft:
    """Find the event, sessions, people and quotes in a page's blocks."""
    if not any(b.kind in ("paragraph", "quote", "heading") for b in blocks):
        raise single_error(options.page_name, "found no text to import in the page")
    page_title, intro_blocks, sections, trailing_page = segment(blocks)
    if not sections:
        # A page of headings and no text: each heading is a session to fill in.
        sections = [Section(b.text, None, []) for b in blocks if b.kind == "heading"][:50]
    people = _find_all_people(blocks)
    draft = draft_event([_folded(b.text) for b in blocks], page_title, options)
    _draft_intro(draft, intro_blocks)
    if trailing_page:
        draft.general.append("the page puts session titles after their text; check each "
                             "summary sits under the right title")

    intro_quotes: list[FoundQuote] = []
    earlier: str | None = None
    for block in intro_blocks:
        found, earlier = block_quotes(block, people, earlier)
        intro_quotes.extend(found)
    session_ids: set[str] = set()
    for section in sections:
        draft.sessions.append(_draft_session(section, people, session_ids, draft))
    for quote in intro_quotes:
        target = next((s for s in draft.sessions if quote.speaker in s.speakers),
                      draft.sessions[0])
        added = _add_quote(draft, quote, target)
        if added:
            draft.note(f"quotes.{added.id}", "found in the introduction; check its session")

    _settle_people(draft, people)
    for i, quote in enumerate(draft.quotes):
        quote.priority = i + 1
        quote.featured = i < 3
    draft.preheader = _preheader(draft)
    return draft


def _folded(text: str) -> str:
    return text.replace("\u00a0", " ")


def _find_all_people(blocks: list[Block]) -> People:
    """Register everyone the page names in its text and in its quotes' credits."""
    people = People()
    for block in blocks:
        if block.kind in ("paragraph", "quote", "attribution"):
            find_people(_folded(block.text), people)
        if block.cite:
            find_cited(_folded(block.cite), people)
    return people


def _draft_intro(draft: Draft, intro_blocks: list[Block]) -> None:
    draft.intro = [markdown_escape(b.text) for b in intro_blocks if b.kind == "paragraph"]
    if not draft.intro:
        name = draft.event_name if draft.event_name != "Event name (to check)" else "the event"
        draft.intro = [f"Thank you to everyone who joined us for {draft.day_label} of {name}. "
                       "Here is a look back at the day."]
        draft.note("email.intro", "written by the importer; the page has no introduction")


def _fill_session(session: DraftSession, section: Section, people: People,
                  draft: Draft) -> None:
    """Add the session's chair, speakers and quotes, from the people its text names."""
    earlier: str | None = None
    for block in section.blocks:
        for mention in find_mentions(_folded(block.text), people):
            if mention.chair and not session.chair:
                session.chair = mention.person
            elif not mention.passive and mention.person not in session.speakers:
                session.speakers.append(mention.person)
        found, earlier = block_quotes(block, people, earlier)
        for quote in found:
            _add_quote(draft, quote, session)
    if session.chair in session.speakers:
        session.speakers.remove(session.chair)


def _add_quote(draft: Draft, found: FoundQuote, session: DraftSession) -> DraftQuote | None:
    if found.speaker is None:
        return None
    folded = " ".join(found.text.split())
    if any(" ".join(q.text.split()) == folded for q in draft.quotes):
        return None
    surname = found.speaker.rsplit("-", 1)[-1]
    word = next((w.lower() for w in re.findall(r"[A-Za-z]{4,}", found.text)
                 if w.lower() not in _QUOTE_STOPWORDS), "quote")
    base = slugify(f"{surname}-{word}", 60) or "quote"
    qid, n = base, 2
    while any(q.id == qid for q in draft.quotes):
        qid, n = f"{base}-{n}", n + 1
    quote = DraftQuote(qid, found.text, found.speaker, session.id)
    draft.quotes.append(quote)
    if found.speaker not in session.speakers and found.speaker != session.chair:
        session.speakers.append(found.speaker)
    if found.note:
        draft.note(f"quotes.{qid}", found.note)
    return quote


_QUOTE_STOPWORDS = {"that", "this", "there", "their", "they", "what", "when", "with", "have",
                    "will", "would", "about", "think", "just", "because", "which", "were",
                    "been", "from", "your", "into", "then", "than", "them", "these", "those"}


def _draft_session(section: Section, people: People, ids: set[str],
                   draft: Draft) -> DraftSession:
    """Draft one session from its section: id, kind, title, summary, people and quotes."""
    title = _folded(section.title or "Untitled session")
    first = next((b.text for b in section.blocks if b.kind == "paragraph"), "")
    kind = (section.kind or kind_of(title) or kind_of(first_sentence(first))
            or (kind_of(section.block) if section.block else None) or "other")
    block = section.block
    if block and ((kind_of(block) and kind_of(block) != kind) or len(block) > 80):
        block = None  # "Afternoon Deep Dives" does not hold the big picture session after them
    sid = _session_id(title, kind, ids)
    notes = list(section.notes)
    if len(title) > 300:
        title = title[:299].rstrip() + "…"
        notes.append("the title was cut to 300 characters")
    summary = _summary(section, notes)
    if kind == "other":
        notes.append("the kind of session is a guess")
    if section.title is None:
        notes.append("the title is a placeholder")
    session = DraftSession(sid, kind, title, summary, block)
    for message in notes:
        draft.note(f"sessions.{sid}", message)
    _fill_session(session, section, people, draft)
    return session


def _session_id(title: str, kind: str, ids: set[str]) -> str:
    """Return a new session id from its number ("deep-dive-2"), its kind or its title."""
    numbered = NUMBERED.match(title)
    if numbered:
        base = f"{kind}-{numbered['n'].replace('.', '-')}"
    elif kind != "other":
        base = kind
    else:
        base = slugify(" ".join(title.split()[:5]), 40) or "session"
    base = slugify(base, 60) or "session"
    sid, n = base, 2
    while sid in ids:
        sid, n = f"{base}-{n}", n + 1
    ids.add(sid)
    return sid


def _summary(section: Section, notes: list[str]) -> list[str]:
    """Return the section's paragraphs as a summary of at most 4000 characters."""
    summary = [markdown_escape(b.text) for b in section.blocks if b.kind == "paragraph"]
    kept: list[str] = []
    for paragraph in summary:
        if sum(len(p) + 2 for p in kept) + len(paragraph) > 4000:
            notes.append("the summary was shortened to fit 4000 characters")
            break
        kept.append(paragraph)
    if not kept and summary:
        kept = [summary[0][:3990].rstrip() + "…"]
    if not kept:
        kept = ["The page has no text for this session: write a summary."]
        notes.append("no summary on the page")
    return kept


def markdown_escape(text: str) -> str:
    """Keep page text literal in Markdown prose: no links, HTML, emphasis or list markers."""
    text = text.replace("\u00a0", " ")
    text = re.sub(r" {2,}", " ", text).strip()
    text = re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", r"\\&", text)
    text = re.sub(r"^([#+=|~-])", r"\\\1", text)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)


def _settle_people(draft: Draft, people: People) -> None:
    """Give everyone a role, keep only the people the draft uses or the page names clearly."""
    keynote = {pid for s in draft.sessions if s.kind == "keynote" for pid in s.speakers}
    chairs = {s.chair for s in draft.sessions if s.chair}
    on_stage = {pid for s in draft.sessions for pid in (s.chair, *s.speakers) if pid}
    for person in people.people.values():
        if person.id in chairs:
            person.role = "Chair"
        elif person.id in keynote:
            person.role = "Keynote speaker"
        elif not person.role:
            person.role = "Speaker"
        if person.affiliation and len(person.affiliation) > 200:
            person.affiliation = None
        draft.people.append(person)
        if person.id in people.conflicts:
            others = ", ".join(sorted(set(people.conflicts[person.id])))
            draft.note(f"people.{person.id}", f"the page also gives the affiliation {others}")
        if person.id in people.shared_affiliation:
            draft.note(f"people.{person.id}",
                       "the affiliation follows a list of names; check it is theirs")
        if person.id not in on_stage and person.role not in ("Editor", "Contributor"):
            draft.note(f"people.{person.id}", "named on the page but in no session")


_NUMBERS = {1: "a", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
            8: "eight", 9: "nine", 10: "ten"}
_KIND_NAMES = {"keynote": ("keynote", "keynotes"), "panel": ("panel", "panels"),
               "deep-dive": ("deep dive", "deep dives"),
               "big-picture": ("big picture session", "big picture sessions"),
               "book-launch": ("book launch", "book launches"),
               "workshop": ("workshop", "workshops"), "talk": ("talk", "talks"),
               "plenary": ("plenary", "plenaries"), "fireside-chat": ("fireside chat",
                                                                      "fireside chats"),
               "networking": ("networking session", "networking sessions"),
               "other": ("session", "sessions")}


def _preheader(draft: Draft) -> str:
    """Say what the day held in 50-140 characters: "A keynote, seven deep dives and ..."."""
    counts: dict[str, int] = {}
    for session in draft.sessions:
        counts[session.kind] = counts.get(session.kind, 0) + 1
    parts = []
    for kind, n in counts.items():
        one, many = _KIND_NAMES.get(kind, ("session", "sessions"))
        article = "an" if one[0] in "aeiou" else "a"
        parts.append(f"{article} {one}" if n == 1 else f"{_NUMBERS.get(n, str(n))} {many}")
    listing = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    text = f"{listing[0].upper()}{listing[1:]}: the highlights and key quotes of the day."
    if len(text) > 140:
        text = f"The highlights and key quotes of {draft.day_label} of {draft.short_name}."
    if len(text) < 50:
        text += " Read on for the recordings."
    return text
