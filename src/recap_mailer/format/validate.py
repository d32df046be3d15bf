"""Turn a parsed source into a Campaign, or report every problem with it at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from recap_mailer import model
from recap_mailer.errors import Diagnostic, SourceError
from recap_mailer.format.assemble import assemble
from recap_mailer.format.declaration import RECAP
from recap_mailer.format.kinds import (
    ENCODED_WORD,
    INVALID,
    Checker,
    did_you_mean,
    link_problem,
    local_moment,
)
from recap_mailer.format.source import Path_, Source
from recap_mailer.render import markdown
from recap_mailer.social.schedule import CadenceError, parse_cadence


def validate(source: Source, slug: str) -> tuple[model.Campaign, tuple[Diagnostic, ...]]:
    """Return the campaign and its warnings; raise SourceError listing every error."""
    checker = Checker(source)
    data = RECAP.check(source.data, (), checker)
    if isinstance(data, dict):
        _check_references(data, checker)
        _advise(data, checker)
    if any(d.severity == "error" for d in checker.diagnostics) or not isinstance(data, dict):
        raise SourceError(sorted(checker.diagnostics))
    return assemble(data, slug), tuple(sorted(checker.diagnostics))


def _records(items: Any) -> list[tuple[int, dict[str, Any]]]:
    """Return the (index, record) pairs of a checked list, skipping what failed its check."""
    return [(i, item) for i, item in enumerate(items or ()) if isinstance(item, dict)]


def _check_references(data: dict[str, Any], checker: Checker) -> None:
    """Report duplicate ids and references to ids that do not exist."""
    people = _index(data["people"], "people", "person", checker)
    sessions = _index(data["sessions"], "sessions", "session", checker)
    _index(data["quotes"], "quotes", "quote", checker)

    def ref(value: str | None, at: Path_, known: dict[str, Any], what: str) -> None:
        if value and value not in known:
            checker.error(at, f"unknown {what} '{value}'" + did_you_mean(value, known))

    for i, session in _records(data["sessions"]):
        ref(session["chair"], ("sessions", i, "chair"), people, "person")
        for j, speaker in enumerate(session["speakers"] or ()):
            ref(speaker, ("sessions", i, "speakers", j), people, "person")
    for i, quote in _records(data["quotes"]):
        ref(quote["speaker"], ("quotes", i, "speaker"), people, "person")
        ref(quote["session"], ("quotes", i, "session"), sessions, "session")
        session = sessions.get(quote["session"])
        speakers_known = session and session["speakers"] is not INVALID
        if speakers_known and quote["speaker"] in people:
            on_stage = {session["chair"], *(session["speakers"] or ())}
            if quote["speaker"] not in on_stage:
                checker.warning(("quotes", i, "speaker"),
                                f"'{quote['speaker']}' is not a speaker or chair of session "
                                f"'{quote['session']}'")


def _index(items: Any, key: str, what: str, checker: Checker) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for i, item in _records(items):
        if not item["id"]:
            continue
        if item["id"] in found:
            checker.error((key, i, "id"), f"duplicate {what} id '{item['id']}'")
        else:
            found[item["id"]] = item
    return found


def _advise(data: dict[str, Any], checker: Checker) -> None:
    """Report what is allowed but probably a mistake; also the checks that span fields."""
    email = data["email"] if isinstance(data["email"], dict) else {}
    event = data["event"] if isinstance(data["event"], dict) else {}
    for rule in _ADVICE:
        rule(data, email, event, checker)


def _unsubscribe_needed(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                        checker: Checker) -> None:
    """Refuse the generic service without an unsubscribe address."""
    # The preheader's length is a reviewer's check (checks.py), with the other preheader checks.
    if email.get("service") == "generic" and email.get("unsubscribe_url") is None:
        checker.error(("email", "service"),
                      "the generic service needs email.unsubscribe_url (an https: or mailto: link)",
                      key=True)


def _no_encoded_words(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                      checker: Checker) -> None:
    """Refuse an RFC 2047 encoded-word in text that becomes a header."""
    # Python decodes an encoded-word found in a plain header value and can fold its newline
    # into a real header (the "=?UTF-8?Q?=0A?=Bcc:" trick): such text never reaches a header.
    sender = email.get("from") if isinstance(email.get("from"), dict) else {}
    for at, value in ((("email", "subject"), email.get("subject")),
                      (("email", "from", "name"), sender.get("name"))):
        if value and ENCODED_WORD.search(value):
            checker.error(at, "must not contain an RFC 2047 encoded-word such as =?UTF-8?Q?...?=")


def _dates_in_order(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                    checker: Checker) -> None:
    """Refuse an end date before the start; flag an email sent before the event day."""
    if event.get("end_date") and event.get("date") and event["end_date"] < event["date"]:
        checker.error(("event", "end_date"), "is before event.date")
    if email.get("send_at") and event.get("timezone") and event.get("date"):
        send_at = local_moment(email["send_at"], event["timezone"])
        if send_at.date() < event["date"]:
            checker.warning(("email", "send_at"), "is before the event day")


def _schedule(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
              checker: Checker) -> None:
    """Check the schedule against the posts and the event's zone."""
    schedule = data["schedule"] if isinstance(data["schedule"], dict) else {}
    _check_schedule(schedule, email, event, data["social"], checker)


def _prose(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
           checker: Checker) -> None:
    """Check the links and HTML of the Markdown prose."""
    prose = [(("email", "intro"), email.get("intro"))]
    prose += [(("sessions", i, "summary"), s.get("summary")) for i, s in _records(data["sessions"])]
    for at, text in prose:
        if text:
            _check_prose(text, at, checker)


def _quote_marks(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                 checker: Checker) -> None:
    """Flag a quote written inside its own quotation marks."""
    for i, quote in _records(data["quotes"]):
        text = quote["text"]
        if text and len(text) > 1 and text[0] in "\"“‘'" and text[-1] in "\"”’'":
            checker.warning(("quotes", i, "text"),
                            "leave out the surrounding quotation marks; they are added for you")


#: Platforms whose servers each set their own limit; everywhere else the limit is fixed.
_OWN_LIMITS = ("mastodon",)


def _platform_settings(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                       checker: Checker) -> None:
    """Refuse a limit or a server where the platform has one of its own for everyone."""
    from recap_mailer.social.platforms import RULES

    social = data["social"] if isinstance(data["social"], dict) else {}
    platforms = social.get("platforms") if isinstance(social.get("platforms"), dict) else {}
    for name, settings in platforms.items():
        if not isinstance(settings, dict) or name in _OWN_LIMITS:
            continue
        rules = RULES[name]
        if settings.get("limit") is not None:
            checker.error(("social", "platforms", name, "limit"),
                          f"{rules.label}'s limit is {rules.limit} {rules.unit} for everyone; "
                          "only Mastodon servers set their own", key=True)
        if settings.get("server") is not None:
            checker.error(("social", "platforms", name, "server"),
                          "only Mastodon posts go out from a server of their own", key=True)


def _image_base(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                checker: Checker) -> None:
    """Refuse an image address that cannot have a card's name added to it."""
    schedule = data["schedule"] if isinstance(data["schedule"], dict) else {}
    base = schedule.get("image_base_url")
    if isinstance(base, str) and ("?" in base or "#" in base):
        checker.error(("schedule", "image_base_url"),
                      f"'{base}' has a query or a fragment; give the folder's address alone "
                      "(each card's file name is added to it)")




def _team_words(data: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                checker: Checker) -> None:
    """Refuse leads that would start a post as a formula; flag words for platforms not used."""
    from recap_mailer.social.framing import FORMULA_START

    social = data["social"] if isinstance(data["social"], dict) else {}
    platforms = social.get("platforms") if isinstance(social.get("platforms"), dict) else {}
    enabled = {name for name, s in platforms.items() if isinstance(s, dict) and s["enabled"]}
    places: list[tuple[Path_, Any]] = [
        (("social", "platforms", name, "lead"), s.get("lead"))
        for name, s in platforms.items() if isinstance(s, dict)]
    for name, settings in platforms.items():
        for key in ("lead", "close"):
            if isinstance(settings, dict) and settings.get(key) and name not in enabled:
                checker.warning(("social", "platforms", name, key),
                                f"no posts are written for {name}; enable it to use its "
                                f"{key}", key=True)
    for i, quote in _records(data["quotes"]):
        words = quote["lead"] if isinstance(quote["lead"], dict) else {}
        raw = source_value(checker, ("quotes", i, "lead"))
        for name, text in words.items():
            at: Path_ = ("quotes", i, "lead") if isinstance(raw, str) else ("quotes", i, "lead",
                                                                            name)
            places.append((at, text))
        for name in ("lead", "close"):
            written = quote[name] if isinstance(quote[name], dict) else {}
            for platform, text in written.items():
                if text and platform != "all" and platform not in enabled:
                    checker.warning(("quotes", i, name, platform),
                                    f"no posts are written for {platform}; enable it under "
                                    "social.platforms", key=True)
    for at, text in places:
        # A post never starts as a formula (the schedulers' files rely on it): nor may a lead.
        if isinstance(text, str) and text.startswith(FORMULA_START):
            checker.error(at, f"starts with '{text[0]}', which a spreadsheet reads as a formula "
                          "when a scheduler's file is opened: begin with a word (posts are "
                          "never altered to make them safe)")


def source_value(checker: Checker, at: Path_) -> Any:
    """Return the value written at ``at`` in the source, or None where there is none."""
    value: Any = checker.source.data
    for part in at:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


_Advice = Callable[[dict[str, Any], dict[str, Any], dict[str, Any], Checker], None]
#: The advisory rules, each over the whole checked data with its email and event sections.
_ADVICE: tuple[_Advice, ...] = (_unsubscribe_needed, _no_encoded_words, _dates_in_order,
                                _schedule, _prose, _quote_marks, _platform_settings,
                                _image_base, _team_words)


def _check_schedule(schedule: dict[str, Any], email: dict[str, Any], event: dict[str, Any],
                    social: Any, checker: Checker) -> None:
    """Read every cadence now, so a bad one points at its key; flag timing for no posts."""
    platforms = schedule.get("platforms") if isinstance(schedule.get("platforms"), dict) else {}
    written = social.get("platforms") if isinstance(social, dict) else None
    for name, own in platforms.items():
        settings = (written or {}).get(name)
        if own is not None and not (isinstance(settings, dict) and settings["enabled"]):
            checker.warning(("schedule", "platforms", name),
                            f"no posts are written for {name}; enable it under social.platforms",
                            key=True)
    start = schedule.get("start") or email.get("send_at")
    if not (start and event.get("timezone")):
        return
    zone = event["timezone"]
    cadences = [(("schedule", "cadence"), schedule.get("cadence"))]
    cadences += [(("schedule", "platforms", name, "cadence"), own["cadence"])
                 for name, own in platforms.items() if isinstance(own, dict)]
    for at, cadence in cadences:
        if cadence:
            try:
                parse_cadence(cadence, local_moment(start, zone), zone)
            except CadenceError as exc:
                checker.error(at, str(exc))


def _check_prose(text: str, at: Path_, checker: Checker) -> None:
    """Check the links inside Markdown prose; say so when raw HTML will be sanitised."""
    for href in markdown.links(text):
        problem = link_problem(href)
        if problem:
            checker.error(at, problem)
    if markdown.has_raw_html(text):
        checker.warning(at, "contains raw HTML; only simple formatting tags are kept")
