"""Grade the importer on the corpus: precision and recall of quotes, sessions and people.

    .venv/bin/python tests/import/corpus/grading.py     # prints a table, one row a page

A found quote counts when its words are the answer's (white space, quote marks, case and
trailing commas aside) and it is given to the answer's speaker; a session when its title is
the answer's; a person when their name is, without an honorific.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from recap_mailer.errors import SourceError
from recap_mailer.importer import ImportOptions, draft_recap, page_kind, read_page

CORPUS = Path(__file__).resolve().parent
_QUOTE_MARKS = str.maketrans({c: "" for c in "\"“”„‟«»‹›「」『』'‘’‚‛"})


def pages() -> list[Path]:
    """Return every page of the corpus that has an answers file."""
    return sorted(p for p in CORPUS.iterdir()
                  if p.suffix in (".html", ".md", ".txt")
                  and p.with_suffix(".answers.yaml").exists())


def _words(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_QUOTE_MARKS)
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;:").strip()
    return text.casefold()


@dataclass(frozen=True)
class Score:
    """How many were found, how many were right, how many there are."""

    found: int
    right: int
    expected: int

    @property
    def precision(self) -> float:
        """Return the share of what was found that is right (1 when nothing was found)."""
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Return the share of what is there that was found."""
        return self.right / self.expected if self.expected else 1.0


def _score(found: list, expected: list) -> Score:
    left = list(expected)
    right = 0
    for item in found:
        if item in left:
            left.remove(item)
            right += 1
    return Score(len(found), right, len(expected))


@dataclass(frozen=True)
class PageGrade:
    """One page's scores."""

    page: str
    quotes: Score
    sessions: Score
    people: Score


def grade(page: Path) -> PageGrade:
    """Import ``page`` and score its draft against the page's answers."""
    answers = yaml.safe_load(page.with_suffix(".answers.yaml").read_text(encoding="utf-8"))
    text = page.read_text(encoding="utf-8")
    try:
        draft = draft_recap(read_page(text, page_kind(page.name)),
                            ImportOptions(page_name=page.name))
    except SourceError:  # nothing found: every score is of an empty draft
        return PageGrade(page.name, _score([], answers["quotes"]),
                         _score([], answers["sessions"]), _score([], answers["people"]))
    names = {p.id: p.name for p in draft.people}
    quotes = _score([(_words(q.text), _words(names.get(q.speaker, ""))) for q in draft.quotes],
                    [(_words(q["text"]), _words(q["speaker"])) for q in answers["quotes"]])
    sessions = _score([_words(s.title) for s in draft.sessions],
                      [_words(s["title"]) for s in answers["sessions"]])
    people = _score([_words(p.name) for p in draft.people],
                    [_words(p["name"]) for p in answers["people"]])
    return PageGrade(page.name, quotes, sessions, people)


def main() -> int:
    """Print every page's grade."""
    print(f"{'page':34} {'quotes P/R':>12} {'sessions P/R':>13} {'people P/R':>12}")
    for page in pages():
        g = grade(page)
        print(f"{g.page:34} " + " ".join(
            f"{s.precision:5.2f}/{s.recall:4.2f}".rjust(w)
            for s, w in ((g.quotes, 12), (g.sessions, 13), (g.people, 12))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
