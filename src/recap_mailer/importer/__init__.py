"""Draft a recap source from a saved recap page: read the page, find what it says, write YAML.

Three stages, each a pure function: ``read_page`` turns HTML, Markdown or plain text into
blocks (headings, paragraphs, block quotes, breaks) without the page's chrome;
``draft_recap`` finds the event, the sessions, the people and their quotes in those blocks;
``render_draft`` writes the draft as commented YAML. Whatever the importer is unsure of
carries a ``# CHECK:`` comment for a person to look at.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Literal

from markdown_it import MarkdownIt

from recap_mailer.errors import SourceError, single_error

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


# --------------------------------------------------------------------------------------------
# Reading a page


_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufeff\ufffe\uffff]"
)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_CHROME_LINES = {
    "menu", "search", "share", "share this", "share this page", "skip to content",
    "skip to main content", "back to top", "close", "print", "tweet", "share on twitter",
    "share on facebook", "share on linkedin", "copy link", "read more", "cookie settings",
    "accept cookies", "main menu", "toggle navigation",
}


def page_kind(name: str) -> PageKind:
    """Say how to read a page from its file name: HTML, Markdown or plain text."""
    lowered = name.lower()
    if lowered.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if lowered.endswith((".md", ".markdown")):
        return "markdown"
    return "text"


def read_page(text: str, kind: PageKind) -> list[Block]:
    """Split a page into blocks of text, dropping menus, icon labels and other chrome."""
    text = _UNWANTED.sub(" ", text[:MAX_PAGE_CHARS])
    if kind == "html":
        raw = _read_html(text)
    elif kind == "markdown":
        raw = _read_markdown(text)
    else:
        raw = _read_text(text)
    return _normalise(raw)


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _is_chrome(text: str) -> bool:
    """Say whether a line is page furniture: icon and logo labels, menus, share links."""
    words = text.casefold().split()
    icons = sum(w.strip(".,") in ("icon", "icons", "logo", "logos") for w in words)
    if icons >= 2 and icons * 4 >= len(words):
        return True
    if len(words) <= 3 and icons:
        return True
    return text.casefold().strip(" .:|") in _CHROME_LINES


_DATELINE = re.compile(r"^(?:posted|published|updated|last updated)(?: on)?:? *\S.{2,58}$",
                       re.IGNORECASE)
_DASH_CITE = re.compile(r"^[-–—~―]+\s*(\S.*)$")


def _normalise(blocks: list[Block]) -> list[Block]:
    """Clean the text of every block, drop chrome, and join quotes to their attributions."""
    out: list[Block] = []
    for block in blocks:
        if block.kind == "break":
            if out and out[-1].kind != "break":
                out.append(block)
            continue
        text = _clean(block.text)
        if not text or _is_chrome(text):
            continue
        if _DATELINE.match(text):
            out.append(Block("dateline", text))  # read for the date, kept out of the prose
            continue
        cite = _clean(block.cite) if block.cite else None
        if block.kind == "quote" and not cite:
            # "> words ... — Jane Doe" written inside the quote itself
            match = re.search(r"\s[-–—―]+\s*([^-–—―]{2,120})$", text)
            if match and _NAME_START.match(match[1]):
                text, cite = text[:match.start()].strip(), match[1].strip()
        previous = out[-1] if out else None
        if (previous and previous.kind == "quote" and not previous.cite
                and len(text) <= 160 and block.kind in ("attribution", "paragraph")):
            dashed = _DASH_CITE.match(text)
            if block.kind == "attribution" or dashed:
                out[-1] = Block("quote", previous.text, cite=dashed[1] if dashed else text)
                continue
        kind: BlockKind = "paragraph" if block.kind == "attribution" else block.kind
        out.append(Block(kind, text, block.level, cite or None))
    while out and out[-1].kind == "break":
        out.pop()
    while out and out[0].kind == "break":
        out.pop(0)
    return out


def _read_text(text: str) -> list[Block]:
    """Read plain text: paragraphs between blank lines; two blank lines or more are a break."""
    blocks: list[Block] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for chunk in re.split(r"(\n(?:[ \t]*\n)+)", text):
        if not chunk.strip():
            if chunk.count("\n") >= 3:
                blocks.append(Block("break"))
            continue
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        # Chrome often sits on a line of its own at the top of a paragraph.
        lines = [line for line in lines if not _is_chrome(line)]
        if not lines:
            continue
        joined = _clean(" ".join(lines))
        blocks.append(Block("heading" if _looks_like_heading(lines, joined) else "paragraph",
                            joined))
    return blocks


def _looks_like_heading(lines: list[str], text: str) -> bool:
    """Say whether a plain-text paragraph is a heading: one short line that is not a sentence."""
    if len(lines) != 1 or len(text) > 160 or len(text.split()) > 25:
        return False
    if re.search(r"[“”\"]", text) or text[-1] in ".,;:!…’'":
        return False
    return not re.search(r"[.!?]\s+[A-Z]", text)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_SKIPPED = {"nav", "script", "style", "svg", "noscript", "template", "form", "button", "select",
            "iframe", "head", "title", "canvas", "video", "audio", "object", "math", "dialog"}
_CHROME_CLASSES = re.compile(r"icon|sr-only|visually-hidden|screen-reader|share|social|menu|"
                             r"breadcrumb|cookie|skip-link|navbar", re.IGNORECASE)
_BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "section", "article", "main", "aside", "table",
               "tr", "td", "th", "dd", "dt", "dl", "pre", "figure", "body", "html", "address",
               "details", "summary", "caption", "center"}


class _HtmlReader(HTMLParser):
    """Collect the blocks of an HTML page, skipping navigation, scripts, SVG and icon labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._buf: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._heading: int | None = None
        self._quote_depth = 0
        self._quote_parts: list[str] = []
        self._cite: list[str] | None = None
        self._cites: list[str] = []
        self._caption = False
        self._content_depth = 0  # inside <article> or <main>, where <header> is content

    def _flush(self) -> None:
        text = "".join(self._buf)
        self._buf = []
        if not text.strip():
            return
        if self._quote_depth:
            self._quote_parts.append(text)
        elif self._heading is not None:
            self.blocks.append(Block("heading", text, self._heading))
        else:
            self.blocks.append(Block("attribution" if self._caption else "paragraph", text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        if tag not in _VOID and self._is_chrome(tag, dict(attrs)):
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag in ("article", "main"):
            self._content_depth += 1
        if tag in ("br", "wbr"):
            self._buf.append(" ")
        elif tag == "hr":
            self._flush()
            self.blocks.append(Block("break"))
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag == "blockquote":
            self._flush()
            if not self._quote_depth:
                self._quote_parts, self._cites = [], []
            self._quote_depth += 1
        elif tag == "cite" or (tag == "footer" and self._quote_depth):
            if self._quote_depth:
                self._flush()
                self._cite = []
            elif tag == "cite" and not "".join(self._buf).strip():
                self._caption = True
        elif tag == "figcaption":
            self._flush()
            self._caption = True
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag in ("article", "main"):
            self._content_depth = max(0, self._content_depth - 1)
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self._flush()
            self._heading = None
        elif tag in ("cite", "footer") and self._cite is not None:
            self._cites.append("".join(self._cite))
            self._cite = None
        elif tag == "blockquote" and self._quote_depth:
            self._flush()
            self._quote_depth -= 1
            if not self._quote_depth:
                cite = " ".join(c for c in self._cites if c.strip()) or None
                self.blocks.append(Block("quote", " ".join(self._quote_parts), cite=cite))
        elif tag in ("figcaption", "cite") and self._caption:
            self._flush()
            self._caption = False
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip_tag is not None:
            return
        if self._cite is not None:
            self._cite.append(data)
        else:
            self._buf.append(data)

    def _is_chrome(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _SKIPPED:
            return True
        if tag in ("header", "footer") and not self._content_depth and not self._quote_depth:
            return True
        if (attrs.get("aria-hidden") or "").lower() == "true" or "hidden" in attrs:
            return True
        if (attrs.get("role") or "").lower() in ("navigation", "banner", "contentinfo"):
            return True
        return bool(_CHROME_CLASSES.search(attrs.get("class") or ""))

    def close(self) -> None:
        super().close()
        self._flush()


def _read_html(text: str) -> list[Block]:
    reader = _HtmlReader()
    reader.feed(text)
    reader.close()
    return reader.blocks


def _inline_text(token: object) -> str:
    """Return the plain text of a markdown-it inline token (emphasis and link marks dropped)."""
    parts: list[str] = []
    for child in getattr(token, "children", None) or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _read_markdown(text: str) -> list[Block]:
    """Read Markdown with markdown-it-py: headings, paragraphs, > quotes, --- breaks."""
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    heading: int | None = None
    quote_depth = 0
    quote_parts: list[str] = []
    for token in tokens:
        if token.type == "heading_open":
            heading = int(token.tag[1])
        elif token.type == "heading_close":
            heading = None
        elif token.type == "blockquote_open":
            if not quote_depth:
                quote_parts = []
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
            if not quote_depth:
                blocks.append(Block("quote", " ".join(quote_parts)))
        elif token.type == "hr":
            blocks.append(Block("break"))
        elif token.type == "html_block":
            blocks.extend(_read_html(token.content))
        elif token.type == "inline":
            content = _inline_text(token)
            if heading is not None:
                blocks.append(Block("heading", content, heading))
            elif quote_depth:
                quote_parts.append(content)
            else:
                blocks.append(Block("paragraph", content))
    return blocks


# --------------------------------------------------------------------------------------------
# Names, organisations and the words around them

_U = "A-ZÀ-ÖØ-ÞĀ-Ž"
_L = "a-zß-öø-ÿā-ž"
_WORD = rf"(?:Mc|O['’])?[{_U}][{_L}]+(?:-[{_U}][{_L}]+|['’][{_U}][{_L}]+)*"
_PARTICLE = r"(?:de|da|di|del|della|van|von|der|den|ter|le|la|du|dos|das|bin|ibn|al|el)"
_NAME = rf"{_WORD}(?: +(?:{_PARTICLE} +){{0,2}}{_WORD}){{1,3}}"
_HONORIFIC = r"(?:Professor|Prof\.?|Dr\.?|Doctor|Sir|Dame|Mr\.?|Mrs\.?|Ms\.?)"
_NAME_START = re.compile(rf"(?:{_HONORIFIC} +)?{_WORD}")
_ORG_WORD = r"[A-Z0-9À-Ö][\w’'&-]*(?<![’'])"
_ORG = rf"{_ORG_WORD}(?: +(?:(?:of|for|and|on|&|the|de|du|des|di) +)?{_ORG_WORD}){{0,7}}"

_RUN = re.compile(
    rf"(?:(?P<hon>{_HONORIFIC}) +)?(?P<name>{_NAME})"
    rf"(?P<more>(?:(?:, +|,? +and +)(?:{_HONORIFIC} +)?{_NAME})*)"
)
_HON_SURNAME = re.compile(rf"\b(?P<hon>{_HONORIFIC}) +(?P<name>{_WORD})\b")
_ONE = re.compile(rf"(?:(?P<hon>{_HONORIFIC}) +)?(?P<name>{_NAME})")

#: Words that start a sentence, never a name ("After Jane ..." is not a person called After).
_FUNCTION_WORDS = {
    "a", "an", "the", "we", "our", "after", "before", "during", "in", "at", "on", "this", "that",
    "these", "those", "then", "next", "meanwhile", "finally", "also", "and", "but", "so", "as",
    "here", "there", "thank", "thanks", "when", "while", "with", "from", "by", "for", "of", "to",
    "edited", "sharing", "speaking", "among", "both", "each", "every", "all", "some", "many",
    "she", "he", "they", "it", "his", "her", "their", "its", "how", "what", "why", "where",
    "who", "which", "today", "yesterday", "tomorrow", "if", "or", "nor", "yet", "later",
    "earlier", "first", "second", "third", "last", "welcome", "join", "watch", "read",
    "including", "like", "chaired", "hosted", "moderated", "led", "keynote", "speaker",
    "speakers", "panellist", "panellists", "panelist", "panelists",
}
#: Words that belong to organisations, places and events, never to a person's name.
_NOT_NAME_WORDS = {
    "day", "deep", "dive", "dives", "session", "sessions", "conference", "university", "school",
    "college", "press", "fund", "lab", "capital", "government", "faculty", "partnership", "hub",
    "science", "economy", "social", "outcomes", "public", "big", "picture", "book", "launch",
    "morning", "afternoon", "evening", "panel", "society", "finance", "research", "policy",
    "institute", "foundation", "trust", "centre", "center", "council", "network", "group",
    "agency", "ministry", "department", "office", "bank", "board", "global", "law", "england",
    "life", "chances", "sector", "reform", "governance", "collaborative", "sustainability",
    "perspectives", "approaches", "insights", "services", "service", "states", "fragile",
    "limited", "ltd", "inc", "association", "company", "committee", "commission", "authority",
    "team", "project", "programme", "program", "initiative", "forum", "summit", "festival",
    "week", "award", "awards", "prize", "street", "road", "house", "hall", "building", "square",
    "city", "county", "state", "national", "international", "european", "royal", "british",
    "american", "scottish", "welsh", "irish", "new", "north", "south", "east", "west",
    "central", "understanding", "procuring", "participatory", "navigating", "pursuing",
    "comparative", "firming", "handshake", "opening", "closing", "plenary", "workshop",
    "keynote", "lunch", "break", "reception", "networking", "highlights", "recap", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "europe", "asia", "africa", "americas", "oceania", "america",
    "economics", "management", "business", "studies", "innovation", "impact", "development",
    "health", "care", "education", "technology", "data", "digital", "media", "news", "online",
    "hybrid", "virtual", "oxford", "cambridge", "london", "museum", "library", "gallery",
    "church", "cathedral", "hospital", "clinic", "court", "parliament", "senate", "congress",
    "union", "federation", "alliance", "coalition", "consortium", "corporation", "partners",
    "ventures", "labs", "systems", "solutions", "consulting", "advisors", "associates",
    "fellowship", "scholars", "chair", "professor", "doctor", "contracting", "contracts",
    "procurement", "investing", "investment", "welcome", "introduction", "summary", "question",
    "questions", "answers", "q&a", "roundtable", "debate", "discussion", "talk", "lecture",
    "presentation", "masterclass", "seminar", "webinar", "series", "edition", "volume",
    "chapter", "part", "annual", "prof", "dr", "mr", "mrs", "ms", "sir", "dame", "world",
    "nations", "united", "kingdom", "republic",
}
_SPEECH_VERBS = (
    r"said|says|shared|spoke|explained|noted|argued|discussed|emphasised|emphasized|suggested|"
    r"suggests|reflected|highlighted|talked|looked|presented|described|stressed|added|asked|"
    r"reminded|left|challenged|concluded|urged|told|warned|pointed|remarked|observed|commented|"
    r"introduced|opened|closed|welcomed|showed|outlined|offered|gave|led|chaired|moderated|"
    r"hosted|joined|spoke|wrote|stated|believes|thinks|called|made|set|took|walked|brought|"
    r"focused|focussed|considered|recalled|insisted|agreed|responded|answered|proposed|"
    r"encouraged|celebrated|launched|unveiled|shares|notes|argues|explains|adds|asks"
)
_VERB_AFTER = re.compile(rf"^(?: +(?:also|then|later|further|briefly))? +(?:{_SPEECH_VERBS})\b")
_PAREN_ORG = re.compile(r"^ *\((?P<org>[^()]{1,100})\)")
_OF_ORG = re.compile(rf"^,? +(?:of|from|at) +(?:the +)?(?P<org>{_ORG})(?P<extra>, +{_ORG}(?=,))?")
_ORG_BEFORE = re.compile(rf"(?P<org>{_ORG})['’]s +(?:own +)?$")
_CHAIR_BEFORE = re.compile(
    rf"\b(?:chaired|moderated|facilitated|convened) by +(?:(?:{_ORG})['’]s +)?$", re.IGNORECASE)
_CUE_BEFORE = re.compile(
    r"\b(?:by|with|from|speakers?|panell?ists?|keynote speaker|featuring|including|and)[ ,:]+$",
    re.IGNORECASE)
_EDITOR_BEFORE = re.compile(r"\bedited by +$", re.IGNORECASE)
_CONTRIBUTOR_BEFORE = re.compile(r"\b(?:contributions? from\b.*\bincluding|contributors "
                                 r"(?:include|including|are)) *:? *$", re.IGNORECASE)
_LIST_GAP = re.compile(rf"(?:, *|,? +and +)(?:(?:{_ORG})['’]s +(?:own +)?)?")
_ORG_HINT = re.compile(r"\b(?:University|College|Institute|School|Faculty|Council|Centre|Center|"
                       r"Foundation|Trust|Lab|Hub|Group|Department|Ministry|Government)\b")


def _slug(text: str, limit: int = 64) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-")


def _valid_name(name: str) -> str | None:
    """Return the name without leading sentence words, or None when it is not a person's name."""
    words = name.split()
    while words and words[0].lower() in _FUNCTION_WORDS:
        words.pop(0)
    if len(words) < 2 or len(" ".join(words)) > 120:
        return None
    if any(w.lower().strip("’'") in _NOT_NAME_WORDS or w.lower() in _FUNCTION_WORDS
           for w in words if not re.fullmatch(_PARTICLE, w)):
        return None
    return " ".join(words)


def _clean_org(org: str | None, name: str = "") -> str | None:
    if not org:
        return None
    org = org.strip(" .,;:")
    org = re.sub(r"^(?:the|The) +", "", org)
    if not org or len(org) > 200:
        return None
    initials = "".join(w[0] for w in name.split() if w[:1].isupper())
    if org == initials:  # "Life Chances Fund (LCF)": an acronym, not an affiliation
        return None
    return org


@dataclass
class _Mention:
    start: int
    end: int
    person: str
    passive: bool = False  # named in a list of contributors, not on stage
    chair: bool = False


class _People:
    """The people found so far, de-duplicated by name and surname."""

    def __init__(self) -> None:
        self.people: dict[str, DraftPerson] = {}
        self.shared_affiliation: set[str] = set()
        self.conflicts: dict[str, list[str]] = {}

    def add(self, name: str, honorific: str | None = None, affiliation: str | None = None,
            role: str | None = None) -> str:
        pid = _slug(name) or f"person-{len(self.people) + 1}"
        person = self.people.get(pid)
        if person is None:
            person = DraftPerson(pid, name)
            self.people[pid] = person
        if honorific and not person.honorific:
            person.honorific = honorific
        if affiliation:
            if not person.affiliation:
                person.affiliation = affiliation
            elif affiliation != person.affiliation and affiliation not in person.affiliation:
                self.conflicts.setdefault(pid, []).append(affiliation)
        if role and not person.role:
            person.role = role
        return pid

    def by_surname(self, surname: str) -> str | None:
        found = [p.id for p in self.people.values() if p.name.split()[-1] == surname]
        return found[0] if len(found) == 1 else None


def _find_people(text: str, people: _People) -> None:
    """Register the people named in ``text`` where the words around them say it is a person."""
    taken_until = 0  # the end of the last organisation found, whose words are not names
    for match in _RUN.finditer(text):
        if match.start() < taken_until:
            continue
        # Only the words near a name are read: slicing from the start of a long text for
        # every name made the importer quadratic (a page-long line never finished).
        before = text[max(0, match.start() - 300):match.start()]
        after_end = match.end()
        names: list[tuple[str | None, str, int, int]] = []
        for one in _ONE.finditer(text, match.start(), match.end()):
            valid = _valid_name(one["name"])
            if valid:
                names.append((one["hon"], valid, one.start(), one.end()))
        if not names:
            continue
        after = text[after_end:after_end + 1000]
        paren = _PAREN_ORG.match(after)
        of_org = _OF_ORG.match(after)
        org_before = _ORG_BEFORE.search(before[-120:])
        affiliation = None
        if paren:
            affiliation = paren["org"]
        elif of_org:
            affiliation = of_org["org"] + (of_org["extra"] or "")
            if of_org["extra"] and not _ORG_HINT.search(of_org["extra"]):
                affiliation = of_org["org"]
        elif org_before:
            affiliation = org_before["org"]
        if paren or of_org:
            taken_until = after_end + (paren or of_org).end()  # type: ignore[union-attr]
        rest = after[paren.end():] if paren else after
        confident = (
            len(names) > 1 or bool(names[0][0]) or bool(paren) or bool(of_org)
            or bool(org_before) or bool(_VERB_AFTER.match(rest))
            or bool(_CHAIR_BEFORE.search(before[-160:])) or bool(_CUE_BEFORE.search(before[-40:]))
            or names[0][1] in {p.name for p in people.people.values()}
        )
        if not confident:
            continue
        role = None
        if _EDITOR_BEFORE.search(before[-40:]):
            role = "Editor"
        elif _CONTRIBUTOR_BEFORE.search(before[-300:]):
            role = "Contributor"
        elif _CHAIR_BEFORE.search(before[-160:]):
            role = "Chair"
        for i, (hon, name, _, _) in enumerate(names):
            last = i == len(names) - 1
            org = _clean_org(affiliation, name) if (last or paren is None) and (
                last or of_org is not None) else None
            if org and len(names) > 1 and not paren:
                people.shared_affiliation.add(_slug(name))
            people.add(name, hon.strip() if hon else None, org,
                       role if (role != "Chair" or i == 0) else None)


def _mentions(text: str, people: _People) -> list[_Mention]:
    """Find every mention of a known person in ``text``: full names and honorific + surname."""
    found: list[_Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for person in sorted(people.people.values(), key=lambda p: -len(p.name)):
        pattern = rf"(?<![\w-])(?:{_HONORIFIC} +)?{re.escape(person.name)}(?![\w-])"
        for match in re.finditer(pattern, text):
            if free(match.start(), match.end()):
                found.append(_Mention(match.start(), match.end(), person.id))
                taken.append((match.start(), match.end()))
    for match in _HON_SURNAME.finditer(text):
        pid = people.by_surname(match["name"])
        if pid and free(match.start(), match.end()):
            found.append(_Mention(match.start(), match.end(), pid))
            taken.append((match.start(), match.end()))
    found.sort(key=lambda m: m.start)
    previous: _Mention | None = None
    for mention in found:
        before = text[max(0, mention.start - 300):mention.start]
        mention.chair = bool(_CHAIR_BEFORE.search(before[-160:]))
        listed = previous is not None and _LIST_GAP.fullmatch(text[previous.end:mention.start])
        if listed and previous is not None:
            mention.passive = previous.passive  # "contributions from A, B and C": all of them
        else:
            mention.passive = bool(_CONTRIBUTOR_BEFORE.search(before[-300:])) and not mention.chair
        previous = mention
    return found


# --------------------------------------------------------------------------------------------
# Quotes

_QUOTE_CUE = re.compile(
    r"(?:[:,\-–—]|\bthat|\bthis|\bsaid|\bsays|\bsaying|\badded|\bnoted|\bexplained|\bremarked|"
    r"\bwrote|\bstated|\bargued|\basked|\bput it|\bquipped|\bthought|\bwarned|\bobserved|"
    r"\bconcluded|\breminded us|\btold us|\bshared|\bwords)\s*$",
    re.IGNORECASE)
_ATTRIBUTION_AFTER = re.compile(
    r"^\s*[,.]?\s*(?:[-–—~―]+\s*|,?\s*(?:said|says|added|noted|explained|according to|asked|"
    r"argued|remarked|concluded|wrote)\s+)", re.IGNORECASE)
_SPEAKER_THEN_VERB = re.compile(r"^\s*,?\s*$")
_SENTENCE_END = re.compile(r"[.!?][”’\"]?\s+(?=[A-Z“\"‘(])")


@dataclass
class _FoundQuote:
    text: str
    speaker: str | None
    note: str | None
    position: int


def _pairs(text: str) -> list[tuple[int, int, str]]:
    """Find quoted spans: (start of the words, end of the words, kind of mark)."""
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "“" or (char == '"' and (i == 0 or not text[i - 1].isalnum())):
            close = _next_of(text, i + 1, "”\"")
            if close < 0:
                break
            spans.append((i + 1, close, "double"))
            i = close + 1
        elif char == "”" and not spans:
            # A closing mark with no opening one: the quote runs from the start of the block.
            spans.append((0, i, "lone"))
            i += 1
        elif char == "‘" and (i == 0 or not text[i - 1].isalnum()):
            close = i + 1
            while True:
                close = text.find("’", close)
                if close < 0 or close + 1 >= len(text) or not text[close + 1].isalnum():
                    break
                close += 1
            if close < 0:
                i += 1
                continue
            spans.append((i + 1, close, "single"))
            i = close + 1
        else:
            i += 1
    return spans


def _next_of(text: str, start: int, chars: str) -> int:
    positions = [p for p in (text.find(c, start) for c in chars) if p >= 0]
    return min(positions) if positions else -1


def _sentence_start(text: str, position: int) -> int:
    start = 0
    for match in _SENTENCE_END.finditer(text, 0, position):
        start = match.end()
    return start


def _quotes_in(text: str, mentions: list[_Mention],
               earlier: str | None) -> list[_FoundQuote]:
    """Find what someone is quoted as saying in a paragraph, and who said it."""
    folded = text.replace("\u00a0", " ")
    found: list[_FoundQuote] = []
    for start, end, mark in _pairs(folded):
        words = text[start:end].strip()
        if words.endswith(","):
            words = words[:-1].rstrip()
        if len(words.split()) < 3 or len(words) > 1000:
            continue
        after = folded[end + 1:]
        speaker: str | None = None
        note: str | None = None
        cue_after = _ATTRIBUTION_AFTER.match(after)
        if cue_after:
            at = end + 1 + cue_after.end()
            speaker = next((m.person for m in mentions if m.start == at), None)
        if speaker is None:
            named_after = next((m for m in mentions if m.start > end
                                and _SPEAKER_THEN_VERB.match(folded[end + 1:m.start])), None)
            if named_after and re.match(r"\s+(?:said|says|added|noted)\b",
                                        folded[named_after.end:]):
                speaker = named_after.person
        if speaker is None and mark != "lone":
            sentence = _sentence_start(folded, start - 1)
            prefix = folded[sentence:start - 1]
            if _QUOTE_CUE.search(prefix):
                before = [m for m in mentions if sentence <= m.start and m.end <= start]
                earlier_here = [m for m in mentions if m.end <= sentence]
                if earlier_here:
                    earlier = earlier_here[-1].person
                if before:
                    speaker = before[-1].person
                    if len({m.person for m in before}) > 1:
                        note = "more than one person is named before this quote; check who said it"
                elif mark == "double" and earlier:
                    speaker = earlier
                    note = ("the sentence names nobody; attributed to the last person named "
                            "before it")
        if speaker is None:
            continue  # scare quotes, titles, words nobody is said to have said
        found.append(_FoundQuote(words, speaker, note, start))
    return found


def _strip_marks(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] in "“\"‘" and text[-1] in "”\"’":
        text = text[1:-1].strip()
    return text


# --------------------------------------------------------------------------------------------
# Sessions

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
_NUMBERED = re.compile(r"^(?:deep[ -]dive|session|workshop|panel|talk|breakout)\s+"
                       r"(?P<n>\d+(?:\.\d+)*)\b", re.IGNORECASE)


def _kind_of(text: str) -> str | None:
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def _first_sentence(text: str) -> str:
    match = _SENTENCE_END.search(text)
    return text[:match.start() + 1] if match else text


@dataclass
class _Section:
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


def _segment(blocks: list[Block]) -> tuple[str | None, list[Block], list[_Section], bool]:
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
        if _NUMBERED.match(b.text):
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
    sections: list[_Section] = []
    current: _Section | None = None
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
            sections.append(_Section(item.text, block_name, pending))
            pending, current = [], None
        elif after or before:
            if intro is None and not sections:
                intro, pending = pending, []
            current = _Section(item.text, block_name, pending)
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
            current = _Section(item.text, block_name, [])
            sections.append(current)
    if pending:
        if not sections and intro is None:
            intro, pending = (pending[:1], pending[1:]) if len(pending) > 1 else ([], pending)
        if pending:
            section = _Section(None, block_name, pending)
            section.notes.append("the page gives no title for these paragraphs")
            sections.append(section)
    return page_title, intro or [], _split_sections(sections), trailing_page


def _split_sections(sections: list[_Section]) -> list[_Section]:
    """Split off a session a paragraph says came next ("The keynote was followed by a panel")."""
    out: list[_Section] = []
    for section in sections:
        out.append(section)
        for k, block in enumerate(section.blocks):
            if k == 0 or block.kind != "paragraph":
                continue
            match = _SPLIT.search(_first_sentence(block.text.replace("\u00a0", " ")))
            if match:
                what = match["what"]
                kind = _kind_of(what) or "other"
                title = what[0].upper() + what[1:].lower() if what != "Q&A" else what
                new = _Section(title, section.block, section.blocks[k:], kind)
                new.notes.append("the page gives no title for this session; the title is a guess")
                section.blocks = section.blocks[:k]
                out.append(new)
                break
    return out


# --------------------------------------------------------------------------------------------
# The event

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december")
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? +(?P<mn>{_MONTHS}),? +(?P<y>\d{{4}})\b",
               re.IGNORECASE),
    re.compile(rf"\b(?P<mn>{_MONTHS}) +(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? +(?P<y>\d{{4}})\b",
               re.IGNORECASE),
]
_DAY_OF = re.compile(
    r"\b[Dd]ay +(?P<n>\d{1,2}) +of +(?:the +)?(?:[a-z][\w-]* +){0,2}?"
    r"(?P<event>[A-Z][\w’'&-]*(?: +(?:of|on|for|and|&) +[A-Z][\w’'&-]*"
    r"| +[A-Z0-9][\w’'&-]*){0,7})")
_DAY = re.compile(r"\b[Dd]ay +(?P<n>\d{1,2})\b")
_SHORT = re.compile(r"\b[A-Z][A-Za-z]{1,10}\d{2,4}\b")


def _find_date(text: str) -> tuple[str, str] | None:
    months = _MONTHS.split("|")
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = int(parts["m"]) if parts.get("m") else months.index(parts["mn"].lower()) + 1
            try:
                day = date(int(parts["y"]), month, int(parts["d"]))
            except ValueError:
                continue
            return day.isoformat(), match[0]
    return None


def _find_event(texts: list[str]) -> tuple[str | None, str | None, str | None]:
    """Return the event's name, short name and day label, where the page gives them."""
    names: list[str] = []
    day_label = None
    for text in texts:
        for match in _DAY_OF.finditer(text):
            event = match["event"].strip()
            day_label = day_label or f"Day {int(match['n'])}"
            if (len(event.split()) >= 2 and len(event) <= 200) or _SHORT.fullmatch(event):
                names.append(event)
    if day_label is None:
        for text in texts:
            match = _DAY.search(text)
            if match:
                day_label = f"Day {int(match['n'])}"
                break
    long_names = [n for n in names if len(n.split()) >= 2]
    name = max(long_names, key=len) if long_names else None
    short = None
    shorts = [m[0] for text in texts for m in _SHORT.finditer(text)]
    if name:
        initials = "".join(w[0] for w in name.split() if w[0].isupper())
        year = re.search(r"\d{4}", name)
        for candidate in shorts:
            letters = re.sub(r"\d+$", "", candidate)
            digits = candidate[len(letters):]
            if letters.upper() == initials.upper() and (not year or year[0].endswith(digits)):
                short = candidate
                break
    elif shorts:
        short = shorts[0]
    return name, short, day_label


# --------------------------------------------------------------------------------------------
# The draft


def draft_recap(blocks: list[Block], options: ImportOptions) -> Draft:
    """Find the event, sessions, people and quotes in a page's blocks."""
    if not any(b.kind in ("paragraph", "quote", "heading") for b in blocks):
        raise single_error(options.page_name, "found no text to import in the page")
    page_title, intro_blocks, sections, trailing_page = _segment(blocks)
    if not sections:
        # A page of headings and no text: each heading is a session to fill in.
        sections = [_Section(b.text, None, []) for b in blocks if b.kind == "heading"][:50]
    texts = [b.text.replace("\u00a0", " ") for b in blocks]

    people = _People()
    for block in blocks:
        if block.kind in ("paragraph", "quote", "attribution"):
            _find_people(block.text.replace("\u00a0", " "), people)
        if block.cite:
            _find_cited(block.cite.replace("\u00a0", " "), people)

    draft = _draft_event(texts, page_title, options)
    draft.intro = [_markdown_escape(b.text) for b in intro_blocks if b.kind == "paragraph"]
    if not draft.intro:
        name = draft.event_name if draft.event_name != "Event name (to check)" else "the event"
        draft.intro = [f"Thank you to everyone who joined us for {draft.day_label} of {name}. "
                       "Here is a look back at the day."]
        draft.note("email.intro", "written by the importer; the page has no introduction")
    if trailing_page:
        draft.general.append("the page puts session titles after their text; check each "
                             "summary sits under the right title")

    session_ids: set[str] = set()
    intro_quotes: list[_FoundQuote] = []
    earlier: str | None = None
    for block in intro_blocks:
        found, earlier = _block_quotes(block, people, earlier)
        intro_quotes.extend(found)
    for section in sections:
        session = _draft_session(section, people, session_ids, draft)
        draft.sessions.append(session)
        earlier = None
        for block in section.blocks:
            for mention in _mentions(block.text.replace("\u00a0", " "), people):
                if mention.chair and not session.chair:
                    session.chair = mention.person
                elif not mention.passive and mention.person not in session.speakers:
                    session.speakers.append(mention.person)
            found, earlier = _block_quotes(block, people, earlier)
            for quote in found:
                _add_quote(draft, quote, session)
        if session.chair in session.speakers:
            session.speakers.remove(session.chair)
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


def _find_cited(cite: str, people: _People) -> None:
    """Register the person a quote is attributed to: "Dr Jane Doe, Example University"."""
    cite = re.sub(r"^[-–—~―\s]+", "", cite)
    match = _ONE.match(cite)
    if not match:
        return
    name = _valid_name(match["name"])
    if not name:
        return
    rest = cite[match.end():]
    org = None
    paren = _PAREN_ORG.match(rest)
    if paren:
        org = paren["org"]
    elif re.match(r"^ *, *\S", rest):
        org = rest.split(",", 1)[1]
    else:
        of_org = _OF_ORG.match(rest)
        org = of_org["org"] if of_org else None
    people.add(name, match["hon"], _clean_org(org, name))


def _block_quotes(block: Block, people: _People,
                  earlier: str | None) -> tuple[list[_FoundQuote], str | None]:
    """Return the quotes of one block and the last person it names."""
    folded = block.text.replace("\u00a0", " ")
    mentions = _mentions(folded, people)
    last = mentions[-1].person if mentions else earlier
    if block.kind == "quote":
        text = _strip_marks(block.text)
        if not text or len(text) > 1000:
            return [], last
        cited = _mentions(block.cite.replace("\u00a0", " "), people) if block.cite else []
        if cited:
            return [_FoundQuote(text, cited[0].person, None, 0)], last
        if earlier:
            note = "the quote names nobody; attributed to the last person named before it"
            return [_FoundQuote(text, earlier, note, 0)], last
        return [], last
    return _quotes_in(block.text, mentions, earlier), last


def _add_quote(draft: Draft, found: _FoundQuote, session: DraftSession) -> DraftQuote | None:
    if found.speaker is None:
        return None
    folded = " ".join(found.text.split())
    if any(" ".join(q.text.split()) == folded for q in draft.quotes):
        return None
    surname = found.speaker.rsplit("-", 1)[-1]
    word = next((w.lower() for w in re.findall(r"[A-Za-z]{4,}", found.text)
                 if w.lower() not in _QUOTE_STOPWORDS), "quote")
    base = _slug(f"{surname}-{word}", 60) or "quote"
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


def _draft_session(section: _Section, people: _People, ids: set[str],
                   draft: Draft) -> DraftSession:
    title = (section.title or "Untitled session").replace("\u00a0", " ")
    first = next((b.text for b in section.blocks if b.kind == "paragraph"), "")
    kind = (section.kind or _kind_of(title) or _kind_of(_first_sentence(first))
            or (_kind_of(section.block) if section.block else None) or "other")
    block = section.block
    if block and _kind_of(block) and _kind_of(block) != kind:
        block = None  # "Afternoon Deep Dives" does not hold the big picture session after them
    numbered = _NUMBERED.match(title)
    if numbered:
        base = f"{kind}-{numbered['n'].replace('.', '-')}"
    elif kind != "other":
        base = kind
    else:
        base = _slug(" ".join(title.split()[:5]), 40) or "session"
    base = _slug(base, 60) or "session"
    sid, n = base, 2
    while sid in ids:
        sid, n = f"{base}-{n}", n + 1
    ids.add(sid)
    notes = list(section.notes)
    if len(title) > 300:
        title = title[:299].rstrip() + "…"
        notes.append("the title was cut to 300 characters")
    if block and len(block) > 80:
        block = None
    summary = [_markdown_escape(b.text) for b in section.blocks if b.kind == "paragraph"]
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
    if kind == "other":
        notes.append("the kind of session is a guess")
    if section.title is None:
        notes.append("the title is a placeholder")
    session = DraftSession(sid, kind, title, kept, block)
    for message in notes:
        draft.note(f"sessions.{sid}", message)
    return session


def _markdown_escape(text: str) -> str:
    """Keep page text literal in Markdown prose: no links, HTML, emphasis or list markers."""
    text = text.replace("\u00a0", " ")
    text = re.sub(r" {2,}", " ", text).strip()
    text = re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", r"\\&", text)
    text = re.sub(r"^([#+=|~-])", r"\\\1", text)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)


def _draft_event(texts: list[str], page_title: str | None, options: ImportOptions) -> Draft:
    name, short, day_label = _find_event(([page_title] if page_title else []) + texts)
    notes: dict[str, list[str]] = {}

    def note(key: str, message: str) -> None:
        notes.setdefault(key, []).append(message)

    if not name:
        name = short or "Event name (to check)"
        note("event.name", "the page does not give the event's full name")
    if not short:
        words = [w for w in name.split() if w[:1].isupper() and not w.isdigit()]
        year = re.search(r"\d{4}", name)
        short = "".join(w[0] for w in words)[:8] + (year[0][2:] if year else "")
        short = short or "EVENT"
        note("event.short_name", "made from the event's name; the page does not use it")
    if not day_label:
        day_label = "Day 1"
        note("event.day_label", "the page does not say which day this is")
    if options.date:
        day = options.date
    else:
        found = _find_date(" ".join(texts))
        if found:
            day = found[0]
            note("event.date", f"taken from the page ('{found[1]}'); check it is the event day")
        else:
            day = PLACEHOLDER_DATE
            note("event.date", "the page does not give the date")
    timezone = options.timezone or PLACEHOLDER_TIMEZONE
    if not options.timezone:
        note("event.timezone", "the page does not give the time zone")
    recap_url = options.recap_url or PLACEHOLDER_RECAP_URL
    if not options.recap_url:
        note("event.recap_url", "the address of the recap page")
    subject = page_title or f"Highlights from {day_label} of {short}"
    if len(subject) > 200:
        subject = f"Highlights from {day_label} of {short}"
    hashtags = [short] if re.fullmatch(r"[^\W_]\w*", short) and len(short) <= 64 else []
    draft = Draft(
        page_name=options.page_name, event_name=name[:200], short_name=short[:40],
        day_label=day_label, date=day, timezone=timezone, venue="Venue (to check)",
        recap_url=recap_url, recap_url_given=bool(options.recap_url), subject=subject,
        preheader="", intro=[], people=[], sessions=[], quotes=[], hashtags=hashtags,
        notes=notes,
    )
    draft.note("event.venue", "the page does not say where it took place")
    return draft


def _settle_people(draft: Draft, people: _People) -> None:
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


# --------------------------------------------------------------------------------------------
# Writing the draft


def _q(value: str) -> str:
    """Quote a value as a YAML double-quoted scalar (JSON escapes, which YAML reads the same)."""
    quoted = json.dumps(value, ensure_ascii=False)
    return re.sub(r"[\u00a0\u00ad\u200b-\u200f\u2060-\u2064]",
                  lambda m: f"\\u{ord(m[0]):04x}", quoted)


def _comment(draft: Draft, key: str) -> str:
    messages = draft.notes.get(key)
    return f"  {CHECK} {'; '.join(messages)}" if messages else ""


def render_draft(draft: Draft) -> str:
    """Write the draft as recap.yaml text, with a ``# CHECK:`` comment on everything uncertain."""
    lines = [
        "# yaml-language-server: $schema=../../docs/recap.schema.json",
        f"# Draft imported from {json.dumps(draft.page_name, ensure_ascii=False)[1:-1]} "
        "by `recap-mailer import`.",
        "# Every line marked CHECK needs a person to check it before this goes out.",
        f"{CHECK} the summaries and the intro are the page's own words: rewrite them in your own.",
    ]
    lines.extend(f"{CHECK} {message}" for message in draft.general)
    lines += ["version: 1", "lang: en", "", "email:",
              f"  subject: {_q(draft.subject)}",
              f"  preheader: {_q(draft.preheader)}",
              "  from:",
              f"    name: \"Events Team\"  {CHECK} who the email comes from",
              f"    address: events@example.org  {CHECK} the sender's address",
              "  service: generic  # generic | mailchimp | listmonk",
              f"  unsubscribe_url: https://example.org/unsubscribe  {CHECK} your unsubscribe link",
              f"  postal_address: \"Postal address (to check)\"  {CHECK} required by "
              "anti-spam law",
              f"  send_at: {_send_at(draft.date)}  {CHECK} when the email goes out, local to "
              "event.timezone"]
    intro_note = _comment(draft, "email.intro")
    if intro_note:
        lines.append("  " + intro_note.strip())
    lines.append("  intro: |")
    lines += _literal(draft.intro, 4)
    if draft.recap_url_given:
        lines += ["  call_to_action:", "    text: \"Read the full recap\"",
                  f"    url: {_q(draft.recap_url)}"]
    lines += ["", "event:",
              f"  name: {_q(draft.event_name)}{_comment(draft, 'event.name')}",
              f"  short_name: {_q(draft.short_name)}{_comment(draft, 'event.short_name')}",
              f"  day_label: {_q(draft.day_label)}{_comment(draft, 'event.day_label')}",
              f"  date: {draft.date}{_comment(draft, 'event.date')}",
              f"  timezone: {_q(draft.timezone)}{_comment(draft, 'event.timezone')}",
              f"  venue: {_q(draft.venue)}{_comment(draft, 'event.venue')}",
              f"  recap_url: {_q(draft.recap_url)}{_comment(draft, 'event.recap_url')}"]
    if draft.hashtags:
        lines.append(f"  hashtags: [{', '.join(_q(h) for h in draft.hashtags)}]")
    lines += ["", "people:" + (" []" if not draft.people else "")]
    for p in draft.people:
        fields = [f"id: {_q(p.id)}"]
        if p.honorific:
            fields.append(f"honorific: {_q(p.honorific)}")
        fields.append(f"name: {_q(p.name)}")
        if p.affiliation:
            fields.append(f"affiliation: {_q(p.affiliation)}")
        if p.role:
            fields.append(f"role: {_q(p.role)}")
        lines.append(f"  - {{{', '.join(fields)}}}{_comment(draft, f'people.{p.id}')}")
    lines += ["", "sessions:"]
    for s in draft.sessions:
        note = _comment(draft, f"sessions.{s.id}")
        if note:
            lines.append("  " + note.strip())
        lines += [f"  - id: {_q(s.id)}", f"    kind: {s.kind}"]
        if s.block:
            lines.append(f"    block: {_q(s.block)}")
        lines.append(f"    title: {_q(s.title)}")
        if s.chair:
            lines.append(f"    chair: {_q(s.chair)}")
        lines.append(f"    speakers: [{', '.join(_q(x) for x in s.speakers)}]")
        lines.append("    summary: |")
        lines += _literal(s.summary, 6)
        lines.append("")
    if draft.quotes:
        lines += [f"quotes:  {CHECK} verbatim from the page; choose which to feature "
                  "and their order"]
    else:
        lines.append("quotes: []")
    for q in draft.quotes:
        note = _comment(draft, f"quotes.{q.id}")
        if note:
            lines.append("  " + note.strip())
        lines += [f"  - id: {_q(q.id)}", f"    speaker: {_q(q.speaker)}",
                  f"    session: {_q(q.session)}", f"    featured: {str(q.featured).lower()}",
                  f"    priority: {q.priority}", f"    text: {_q(q.text)}"]
    return "\n".join(lines).rstrip("\n") + "\n"


def _literal(paragraphs: list[str], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        if i:
            out.append("")
        out.append(pad + paragraph)
    return out


def _send_at(day: str) -> str:
    try:
        following = date.fromisoformat(day) + timedelta(days=1)
    except ValueError:
        following = date.fromisoformat(PLACEHOLDER_DATE) + timedelta(days=1)
    return f"{following.isoformat()}T09:00"


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
