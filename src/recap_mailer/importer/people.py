"""Find the people a page names, their roles and affiliations, and each mention of them."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from recap_mailer.importer.model import DraftPerson
from recap_mailer.importer.names import (
    CHAIR_BEFORE,
    CONTRIBUTOR_BEFORE,
    CUE_BEFORE,
    EDITOR_BEFORE,
    HON_SURNAME,
    HONORIFIC,
    LIST_GAP,
    OF_ORG,
    ONE,
    ORG_BEFORE,
    ORG_HINT,
    PAREN_ORG,
    RUN,
    VERB_AFTER,
    clean_org,
    valid_name,
)
from recap_mailer.importer.text import slugify


@dataclass
class Mention:
    start: int
    end: int
    person: str
    passive: bool = False  # named in a list of contributors, not on stage
    chair: bool = False


class People:
    """The people found so far, de-duplicated by name and surname."""

    def __init__(self) -> None:
        self.people: dict[str, DraftPerson] = {}
        self.shared_affiliation: set[str] = set()
        self.conflicts: dict[str, list[str]] = {}
        self.names: set[str] = set()

    def add(self, name: str, honorific: str | None = None, affiliation: str | None = None,
            role: str | None = None) -> str:
        pid = slugify(name) or f"person-{len(self.people) + 1}"
        person = self.people.get(pid)
        if person is None:
            person = DraftPerson(pid, name)
            self.people[pid] = person
            self.names.add(name)
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

    def by_surname(self) -> dict[str, str]:
        """Return who each surname stands for, where only one person has it."""
        ids: dict[str, list[str]] = {}
        for person in self.people.values():
            ids.setdefault(person.name.split()[-1], []).append(person.id)
        return {surname: found[0] for surname, found in ids.items() if len(found) == 1}


@dataclass(frozen=True)
class _Affiliation:
    """The organisation written beside a run of names, and how it is written."""

    org: str | None
    paren: re.Match[str] | None  # "Jane Doe (Example University)"
    of_org: re.Match[str] | None  # "Jane Doe, of Example University"
    before: re.Match[str] | None  # "Example University's Jane Doe"

    @property
    def after(self) -> re.Match[str] | None:
        return self.paren or self.of_org


def _affiliation(before: str, after: str) -> _Affiliation:
    paren, of_org = PAREN_ORG.match(after), OF_ORG.match(after)
    org_before = ORG_BEFORE.search(before[-120:])
    org = None
    if paren:
        org = paren["org"]
    elif of_org:
        org = of_org["org"] + (of_org["extra"] or "")
        if of_org["extra"] and not ORG_HINT.search(of_org["extra"]):
            org = of_org["org"]
    elif org_before:
        org = org_before["org"]
    return _Affiliation(org, paren, of_org, org_before)


def _role(before: str) -> str | None:
    """Return the role the words before a name give it: "edited by", "chaired by" ..."""
    if EDITOR_BEFORE.search(before[-40:]):
        return "Editor"
    if CONTRIBUTOR_BEFORE.search(before[-300:]):
        return "Contributor"
    if CHAIR_BEFORE.search(before[-160:]):
        return "Chair"
    return None


def _confident(names: list[tuple[str | None, str]], found: _Affiliation, before: str,
               rest: str, people: People) -> bool:
    """Say whether the words around a run of names show they are people's names."""
    return (
        len(names) > 1 or bool(names[0][0])
        or found.after is not None or found.before is not None or bool(VERB_AFTER.match(rest))
        or bool(CHAIR_BEFORE.search(before[-160:])) or bool(CUE_BEFORE.search(before[-40:]))
        or names[0][1] in people.names
    )


def find_people(text: str, people: People) -> None:
    """Register the people named in ``text`` where the words around them say it is a person."""
    taken_until = 0  # the end of the last organisation found, whose words are not names
    for match in RUN.finditer(text):
        if match.start() < taken_until:
            continue
        names = [(one["hon"], valid) for one in ONE.finditer(text, match.start(), match.end())
                 if (valid := valid_name(one["name"]))]
        if not names:
            continue
        # Only the words near a name are read: slicing from the start of a long text for
        # every name made the importer quadratic (a page-long line never finished).
        before = text[max(0, match.start() - 300):match.start()]
        after = text[match.end():match.end() + 1000]
        found = _affiliation(before, after)
        if found.after is not None:
            taken_until = match.end() + found.after.end()
        rest = after[found.paren.end():] if found.paren else after
        if not _confident(names, found, before, rest, people):
            continue
        role = _role(before)
        for i, (hon, name) in enumerate(names):
            last = i == len(names) - 1
            # A list's affiliation is its last name's, unless it is in brackets after each.
            shared = (last or found.paren is None) and (last or found.of_org is not None)
            org = clean_org(found.org, name) if shared else None
            if org and len(names) > 1 and not found.paren:
                people.shared_affiliation.add(slugify(name))
            people.add(name, hon.strip() if hon else None, org,
                       role if (role != "Chair" or i == 0) else None)


def find_mentions(text: str, people: People) -> list[Mention]:
    """Find every mention of a known person in ``text``: full names and honorific + surname."""
    found: list[Mention] = []
    taken = _Spans()
    # Longer names first, so "Jane Doe Smith" is not taken for "Jane Doe".
    for person in sorted(people.people.values(), key=lambda p: -len(p.name)):
        for start, end in _named(text, person.name):
            if taken.add(start, end):
                found.append(Mention(start, end, person.id))
    by_surname = people.by_surname()
    for match in HON_SURNAME.finditer(text):
        pid = by_surname.get(match["name"])
        if pid and taken.add(match.start(), match.end()):
            found.append(Mention(match.start(), match.end(), pid))
    found.sort(key=lambda m: m.start)
    previous: Mention | None = None
    for mention in found:
        before = text[max(0, mention.start - 300):mention.start]
        mention.chair = bool(CHAIR_BEFORE.search(before[-160:]))
        listed = previous is not None and LIST_GAP.fullmatch(text[previous.end:mention.start])
        if listed and previous is not None:
            mention.passive = previous.passive  # "contributions from A, B and C": all of them
        else:
            mention.passive = bool(CONTRIBUTOR_BEFORE.search(before[-300:])) and not mention.chair
        previous = mention
    return found


_HON_BEFORE = re.compile(rf"(?<![\w-]){HONORIFIC} +\Z")
_WORD_OR_HYPHEN = re.compile(r"[\w-]")


def _named(text: str, name: str) -> Iterator[tuple[int, int]]:
    """Yield each span where ``name`` stands as a whole name, with its honorific if any.

    The same spans as ``(?<![\\w-])(?:HONORIFIC +)?NAME(?![\\w-])`` would find, without
    compiling a pattern per person (a page of a thousand names compiled a thousand).
    """
    pos = 0
    while (at := text.find(name, pos)) >= 0:
        end = at + len(name)
        if _WORD_OR_HYPHEN.match(text, end):
            pos = at + 1
            continue
        spaces = at
        while spaces > pos and text[spaces - 1] == " ":
            spaces -= 1
        # The longest honorific, "Professor", is nine letters.
        honorific = _HON_BEFORE.search(text, max(pos, spaces - 9), at) if spaces < at else None
        if honorific:
            yield honorific.start(), end
        elif at == 0 or not _WORD_OR_HYPHEN.match(text, at - 1):
            yield at, end
        else:
            pos = at + 1
            continue
        pos = end


class _Spans:
    """Spans of text already taken, none overlapping another, kept in order."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> bool:
        """Take ``start:end`` if it overlaps no span taken before; say whether it was taken."""
        k = bisect_right(self.starts, start)
        if (k and self.ends[k - 1] > start) or (k < len(self.starts) and self.starts[k] < end):
            return False
        self.starts.insert(k, start)
        self.ends.insert(k, end)
        return True


def find_cited(cite: str, people: People) -> None:
    """Register the person a quote is attributed to: "Dr Jane Doe, Example University"."""
    cite = re.sub(r"^[-–—~―\s]+", "", cite)
    match = ONE.match(cite)
    if not match:
        return
    name = valid_name(match["name"])
    if not name:
        return
    rest = cite[match.end():]
    org = None
    paren = PAREN_ORG.match(rest)
    if paren:
        org = paren["org"]
    elif re.match(r"^ *, *\S", rest):
        org = rest.split(",", 1)[1]
    else:
        of_org = OF_ORG.match(rest)
        org = of_org["org"] if of_org else None
    people.add(name, match["hon"], clean_org(org, name))
