"""Find the people a page names, their roles and affiliations, and each mention of them."""

from __future__ import annotations

import re
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

    def add(self, name: str, honorific: str | None = None, affiliation: str | None = None,
            role: str | None = None) -> str:
        pid = slugify(name) or f"person-{len(self.people) + 1}"
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


def find_people(text: str, people: People) -> None:
    """Register the people named in ``text`` where the words around them say it is a person."""
    taken_until = 0  # the end of the last organisation found, whose words are not names
    for match in RUN.finditer(text):
        if match.start() < taken_until:
            continue
        # Only the words near a name are read: slicing from the start of a long text for
        # every name made the importer quadratic (a page-long line never finished).
        before = text[max(0, match.start() - 300):match.start()]
        after_end = match.end()
        names: list[tuple[str | None, str, int, int]] = []
        for one in ONE.finditer(text, match.start(), match.end()):
            valid = valid_name(one["name"])
            if valid:
                names.append((one["hon"], valid, one.start(), one.end()))
        if not names:
            continue
        after = text[after_end:after_end + 1000]
        paren = PAREN_ORG.match(after)
        of_org = OF_ORG.match(after)
        org_before = ORG_BEFORE.search(before[-120:])
        affiliation = None
        if paren:
            affiliation = paren["org"]
        elif of_org:
            affiliation = of_org["org"] + (of_org["extra"] or "")
            if of_org["extra"] and not ORG_HINT.search(of_org["extra"]):
                affiliation = of_org["org"]
        elif org_before:
            affiliation = org_before["org"]
        if paren or of_org:
            taken_until = after_end + (paren or of_org).end()  # type: ignore[union-attr]
        rest = after[paren.end():] if paren else after
        confident = (
            len(names) > 1 or bool(names[0][0]) or bool(paren) or bool(of_org)
            or bool(org_before) or bool(VERB_AFTER.match(rest))
            or bool(CHAIR_BEFORE.search(before[-160:])) or bool(CUE_BEFORE.search(before[-40:]))
            or names[0][1] in {p.name for p in people.people.values()}
        )
        if not confident:
            continue
        role = None
        if EDITOR_BEFORE.search(before[-40:]):
            role = "Editor"
        elif CONTRIBUTOR_BEFORE.search(before[-300:]):
            role = "Contributor"
        elif CHAIR_BEFORE.search(before[-160:]):
            role = "Chair"
        for i, (hon, name, _, _) in enumerate(names):
            last = i == len(names) - 1
            org = clean_org(affiliation, name) if (last or paren is None) and (
                last or of_org is not None) else None
            if org and len(names) > 1 and not paren:
                people.shared_affiliation.add(slugify(name))
            people.add(name, hon.strip() if hon else None, org,
                       role if (role != "Chair" or i == 0) else None)


def find_mentions(text: str, people: People) -> list[Mention]:
    """Find every mention of a known person in ``text``: full names and honorific + surname."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for person in sorted(people.people.values(), key=lambda p: -len(p.name)):
        pattern = rf"(?<![\w-])(?:{HONORIFIC} +)?{re.escape(person.name)}(?![\w-])"
        for match in re.finditer(pattern, text):
            if free(match.start(), match.end()):
                found.append(Mention(match.start(), match.end(), person.id))
                taken.append((match.start(), match.end()))
    for match in HON_SURNAME.finditer(text):
        pid = people.by_surname(match["name"])
        if pid and free(match.start(), match.end()):
            found.append(Mention(match.start(), match.end(), pid))
            taken.append((match.start(), match.end()))
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
