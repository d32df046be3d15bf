"""Check that every corpus page's answers file has the agreed shape and matches its page."""

from __future__ import annotations

import datetime
import re
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent
PAGE_SUFFIXES = {".html", ".htm", ".md", ".txt"}
# Elements whose boundaries separate words; inline ones (span, a, em) must not, since Google
# Docs exports split single words across spans.
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "cite", "dd", "div", "dl",
    "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "section", "table", "tbody", "td", "th",
    "thead", "time", "tr", "ul", "button", "label", "input", "img",
}
_SKIP = {"script", "style", "head", "template", "noscript"}
_DOUBLE = "“”„‟«»「」『』〝〞″\""
_SINGLE = "‘’‚‛′'"
# Titles the page may put before a full name; one found there must be in the answers.
_KNOWN_TITLES = "Rt Hon|Cllr|Dr|Prof|Professor|Sir|Dame|Mme|Mrs|Mr|Ms|M|Pr|Lord|Lady|Baroness"
# Quote-mark pairs whose contents must all be accounted for; a closing ’ followed by a letter
# is an apostrophe (don’t), not the end of a quote.
_PAIRS = [("“", "”"), ("«", "»"), ("「", "」"), ("『", "』"), ("‘", "’(?![^\\W\\d_])"), ('"', '"')]
_TOP = {"event", "sessions", "people", "quotes", "distractor_quotes"}


class _Text(HTMLParser):
    """Collect a page's visible text, a space at each block boundary."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.blockquotes: list[str] = []
        self._quote_depth = 0
        self._quote_start = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote" and not self._quote_depth:
            self._quote_start = len(self.parts)
        self._quote_depth += tag == "blockquote"
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")
        for name, value in attrs:
            # Alt text is read by people (and may be read by an importer), so it is page text.
            if name == "alt" and value:
                self.parts.append(f" {value} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")
        if tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
            if not self._quote_depth:
                self.blockquotes.append(normalise("".join(self.parts[self._quote_start:])))

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def normalise(text: str) -> str:
    """Fold quote marks to ASCII and every run of whitespace (no-break spaces too) to one space."""
    text = "".join('"' if c in _DOUBLE else "'" if c in _SINGLE else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def visible_text(path: Path) -> str:
    """Return the page's visible text with its own quote marks, whitespace folded."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix in {".html", ".htm"}:
        parser = _Text()
        parser.feed(raw)
        parser.close()
        return re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    # Markdown and plain text: drop the line prefixes (quote markers, headings, list bullets)
    # that would otherwise sit inside a quote wrapped over several lines.
    lines = [re.sub(r"^\s*(?:(?:>\s?)+|#{1,6}\s+|[-*+]\s+)", "", line) for line in raw.splitlines()]
    return re.sub(r"\s+", " ", unescape("\n".join(lines)).replace("**", "")).strip()


def blockquotes(path: Path) -> list[str]:
    """Return the normalised text of each outermost <blockquote> of an HTML page."""
    if path.suffix not in {".html", ".htm"}:
        return []
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.blockquotes


def page_text(path: Path) -> str:
    """Return the page's visible text, normalised."""
    return normalise(visible_text(path))


def quoted_spans(text: str) -> list[str]:
    """Return every stretch of the text between a pair of quote marks, normalised."""
    spans = []
    for opening, closing in _PAIRS:
        spans += [normalise(m.group(1)) for m in re.finditer(f"{opening}(.+?){closing}", text)]
    return spans


def _found(text: str, page: str) -> bool:
    """Tell whether ``text`` is on the page whole, or as halves split at a space (split quotes)."""
    if text in page:
        return True
    cuts = [m.start() for m in re.finditer(" ", text)]
    return any(text[:cut] in page and _found(text[cut + 1:], page) for cut in cuts)


def _titled(name: str, honorific: str, text: str) -> bool:
    """Tell whether the honorific is next to the name or part of it ("Sir Desmond", 高橋教授)."""
    name = normalise(name)
    parts = name.split() if " " in name else [name[:n] for n in range(2, len(name) + 1)]
    alts = "|".join(re.escape(part) for part in sorted(parts, key=len, reverse=True))
    hon = re.escape(normalise(honorific))
    return bool(re.search(rf"(?<!\w){hon}\.?\s*(?:{alts})|(?:{alts})\s*{hon}", text))


def _strings(value: object, where: str, errors: list[str]) -> bool:
    if isinstance(value, str) and value.strip() == value and value:
        return True
    errors.append(f"{where}: not a trimmed non-empty string: {value!r}")
    return False


def load(answers_path: Path) -> tuple[dict | None, str]:
    """Return the answers file's mapping, or None and why it could not be read."""
    try:
        # A bad date such as 2026-02-30 surfaces as ValueError, not as a YAML error.
        data = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValueError) as error:
        return None, f"not readable YAML: {error}".replace("\n", " ")
    if not isinstance(data, dict) or set(data) != _TOP:
        return None, f"top-level keys must be exactly {sorted(_TOP)}"
    return data, ""


def _check_event(event: object, text: str, errors: list[str]) -> None:
    if not isinstance(event, dict) or set(event) != {"name", "short_name", "date"}:
        errors.append("event must have exactly name, short_name, date")
        return
    for key in ("name", "short_name"):
        if _strings(event[key], f"event.{key}", errors) and normalise(event[key]) not in text:
            errors.append(f"event.{key} not on the page: {event[key]!r}")
    if not isinstance(event["date"], datetime.date):
        errors.append(f"event.date is not a YYYY-MM-DD date: {event['date']!r}")


def _check_honorific(person: dict, where: str, text: str, errors: list[str]) -> None:
    name = normalise(person["name"])
    if "honorific" not in person:
        found = re.search(rf"(?<!\w)(?:{_KNOWN_TITLES})\.? +{re.escape(name)}", text)
        if found:
            errors.append(f"{where}: the page says {found.group(0)!r}, the answers no honorific")
    elif _strings(person["honorific"], where, errors) and not _titled(
            person["name"], person["honorific"], text):
        errors.append(f"{where}: {person['honorific']!r} is never next to {person['name']!r}")


def _check_people(people: object, text: str, errors: list[str]) -> list[str]:
    names: list[str] = []
    for i, person in enumerate(people or []):
        where = f"people[{i}]"
        if not isinstance(person, dict) or not {"name"} <= set(person) <= {"name", "honorific"}:
            errors.append(f"{where}: must have name and optional honorific")
            continue
        if not _strings(person["name"], where, errors):
            continue
        if person["name"] in names:
            errors.append(f"{where}: {person['name']!r} listed twice")
        names.append(person["name"])
        if normalise(person["name"]) not in text:
            errors.append(f"{where}: name not on the page: {person['name']!r}")
        _check_honorific(person, where, text, errors)
    return names


def _check_sessions(sessions: object, people: list[str], text: str,
                    errors: list[str]) -> dict[str, list[str]]:
    speakers: dict[str, list[str]] = {}
    for i, session in enumerate(sessions or []):
        where = f"sessions[{i}]"
        if not isinstance(session, dict) or set(session) != {"title", "speakers"}:
            errors.append(f"{where}: must have exactly title and speakers")
            continue
        if not _strings(session["title"], where, errors):
            continue
        if session["title"] in speakers:
            errors.append(f"{where}: two sessions share the title {session['title']!r}")
        if normalise(session["title"]) not in text:
            errors.append(f"{where}: title not on the page: {session['title']!r}")
        names = session["speakers"]
        if not isinstance(names, list) or not names:
            errors.append(f"{where}: speakers must be a non-empty list")
            names = []
        speakers[session["title"]] = names
        errors.extend(f"{where}: speaker {name!r} missing from people"
                      for name in names if name not in people)
    if len(speakers) < 3:
        errors.append("fewer than three sessions")
    speaking = {name for names in speakers.values() for name in names}
    errors.extend(f"people: {name!r} speaks in no session" for name in people
                  if name not in speaking)
    return speakers


def _check_quotes(quotes: object, speakers: dict[str, list[str]], text: str,
                  errors: list[str]) -> set[str]:
    said: set[str] = set()
    for i, quote in enumerate(quotes or []):
        where = f"quotes[{i}]"
        if not isinstance(quote, dict) or set(quote) != {"text", "speaker", "session", "partial"}:
            errors.append(f"{where}: must have exactly text, speaker, session, partial")
            continue
        if _strings(quote["text"], where, errors):
            if quote["text"] in said:
                errors.append(f"{where}: listed twice")
            said.add(quote["text"])
            if normalise(quote["text"])[0] in "\"'" or normalise(quote["text"])[-1] in "\"'":
                errors.append(f"{where}: text must not include its own quote marks")
            if not _found(normalise(quote["text"]), text):
                errors.append(f"{where}: text not on the page: {quote['text']!r}")
        if quote["session"] not in speakers:
            errors.append(f"{where}: session {quote['session']!r} is not a session title")
        elif quote["speaker"] not in speakers[quote["session"]]:
            errors.append(f"{where}: {quote['speaker']!r} does not speak in that session")
        if not isinstance(quote["partial"], bool):
            errors.append(f"{where}: partial must be true or false")
    if len(said) < 3:
        errors.append("fewer than three quotes")
    return said


def check(data: dict, page: Path) -> list[str]:
    """Return every problem with one answers file's data against its page."""
    errors: list[str] = []
    text = page_text(page)
    _check_event(data["event"], text, errors)
    people = _check_people(data["people"], text, errors)
    speakers = _check_sessions(data["sessions"], people, text, errors)
    said = _check_quotes(data["quotes"], speakers, text, errors)
    distractors = [d for d in data["distractor_quotes"] or [] if isinstance(d, str)]
    # Every quoted stretch on the page is a quote of the day, a distractor, or lies inside one
    # (a quote within a quote); a split quote's halves may share one pair (French incises).
    known = [normalise(k) for k in (*said, *distractors)]
    for span in quoted_spans(visible_text(page)):
        if not any(span in k or _found(k, span) for k in known):
            errors.append(f"quoted on the page but in neither quotes nor distractors: {span!r}")
    # A blockquote needs no quote marks, so each must hold at least one listed quote.
    for block in blockquotes(page):
        if not any(_found(k, block) for k in known):
            errors.append(f"a blockquote holds no listed quote or distractor: {block[:60]!r}")
    for i, distractor in enumerate(data["distractor_quotes"] or []):
        where = f"distractor_quotes[{i}]"
        if not _strings(distractor, where, errors):
            continue
        if normalise(distractor) not in text:
            errors.append(f"{where}: not on the page: {distractor!r}")
        if distractor in said:
            errors.append(f"{where}: also listed as a quote of the day")
    return errors


def main() -> int:
    """Check every answers file in the corpus; print one line per page and exit 1 on a problem."""
    failed = 0
    answers = sorted(CORPUS.glob("*.answers.yaml"))
    pages = {p.name for p in CORPUS.iterdir()
             if p.suffix in PAGE_SUFFIXES and p.name != "README.md"}
    for path in answers:
        stem = path.name.removesuffix(".answers.yaml")
        matches = [CORPUS / name for name in pages if name.rsplit(".", 1)[0] == stem]
        if len(matches) != 1:
            print(f"FAIL {path.name}: expected one page named {stem}.*, found {len(matches)}")
            failed += 1
            continue
        pages.discard(matches[0].name)
        data, problem = load(path)
        errors = [problem] if data is None else check(data, matches[0])
        data = data or {}
        counts = (f"{len(data.get('sessions') or [])} sessions, {len(data.get('quotes') or [])} "
                  f"quotes, {len(data.get('distractor_quotes') or [])} distractors")
        print(f"{'FAIL' if errors else 'ok  '} {matches[0].name}: {counts}")
        for error in errors:
            print(f"     {error}")
        failed += bool(errors)
    for name in sorted(pages):
        print(f"FAIL {name}: no answers file")
        failed += 1
    print(f"{len(answers)} answers files, {failed} failing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
