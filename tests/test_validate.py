"""Invalid sources: every problem reported at once, each as path:line:col: error: message."""

from __future__ import annotations

import pytest

from recap_mailer.errors import SourceError
from recap_mailer.format.source import parse_source
from recap_mailer.format.validate import validate

# Line numbers in the expected messages count from the first line of BASE.
BASE = """\
version: 1
email:
  subject: Test recap
  preheader: A preheader that is long enough to sit inside the advised range.
  from: {name: Test Team, address: news@example.org}
  unsubscribe_url: https://example.org/unsubscribe
  postal_address: 1 Example Street
  send_at: 2024-03-02T09:00
  intro: Hello.
event:
  name: Test Event
  short_name: TE
  day_label: Day 1
  date: 2024-03-01
  timezone: Europe/London
  venue: Online
  recap_url: https://example.org/recap
people:
  - {id: ada, name: Ada Lovelace}
  - {id: alan, name: Alan Turing}
sessions:
  - id: talk
    kind: talk
    title: A talk
    speakers: [ada]
    summary: Ada spoke.
quotes:
  - id: q1
    speaker: ada
    session: talk
    text: Words.
"""


def problems(text: str, *, warnings: bool = False) -> list[str]:
    """Return every diagnostic the source gets, formatted, or [] when it is valid."""
    try:
        _, found = validate(parse_source(text, "recap.yaml"), "test")
    except SourceError as exc:
        return [d.format() for d in exc.diagnostics]
    return [d.format() for d in found] if warnings else []


def edit(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_base_is_valid() -> None:
    assert problems(BASE, warnings=True) == []


CASES = [
    ("yaml-syntax", edit("  venue: Online", "  venue: [Online"),
     ["recap.yaml:17:12: error: YAML: expected ',' or ']', but got ':'"]),
    ("tab-indent", edit("  venue: Online", "\tvenue: Online"),
     ["recap.yaml:16:1: error: YAML: found character '\\t' that cannot start any token"]),
    ("unknown-key-suggestion", edit("  subject: Test recap", "  subjcet: Test recap"),
     ["recap.yaml:2:1: error: email: missing required key 'subject'",
      "recap.yaml:3:3: error: email.subjcet: unknown key; did you mean 'subject'?"]),
    ("unknown-top-level-key", edit("version: 1\n", "version: 1\nsesions: []\n"),
     ["recap.yaml:2:1: error: sesions: unknown key; did you mean 'sessions'?"]),
    ("missing-required", edit("  venue: Online\n", ""),
     ["recap.yaml:10:1: error: event: missing required key 'venue'"]),
    ("wrong-type-list", edit("  name: Test Event", "  name: [Test, Event]"),
     ["recap.yaml:11:9: error: event.name: expected text, got a list"]),
    ("wrong-type-mapping", edit("    speakers: [ada]", "    speakers: ada"),
     ["recap.yaml:25:15: error: sessions[0].speakers: expected a list, got text"]),
    ("duplicate-person-id", edit("{id: alan, name", "{id: ada, name"),
     ["recap.yaml:20:10: error: people[1].id: duplicate person id 'ada'"]),
    ("duplicate-yaml-key", edit("  intro: Hello.\n", "  intro: Hello.\n  intro: Again.\n"),
     ["recap.yaml:10:3: error: duplicate key 'intro'"]),
    ("unknown-speaker", edit("    speaker: ada", "    speaker: adaa"),
     ["recap.yaml:29:14: error: quotes[0].speaker: unknown person 'adaa'; did you mean 'ada'?"]),
    ("unknown-session", edit("    session: talk", "    session: keynote"),
     ["recap.yaml:30:14: error: quotes[0].session: unknown session 'keynote'"]),
    ("unknown-chair", edit("    kind: talk\n", "    kind: talk\n    chair: grace\n"),
     ["recap.yaml:24:12: error: sessions[0].chair: unknown person 'grace'"]),
    ("kind-too-long", edit("    kind: talk", "    kind: " + "k" * 41),
     ["recap.yaml:23:11: error: sessions[0].kind: is 41 characters long; the most allowed is "
      "40"]),
    ("not-a-time", edit("    kind: talk\n", "    kind: talk\n    time: after lunch\n"),
     ["recap.yaml:24:11: error: sessions[0].time: 'after lunch' is not a time; write it as the "
      "programme does, like 09:30, 09:30-10:45, 9:30am–11:00am or 14:00–15:30 BST"]),
    ("bare-hour", edit("    kind: talk\n", "    kind: talk\n    time: 9-10\n"),
     ["recap.yaml:24:11: error: sessions[0].time: '9-10' is not a time; write it as the "
      "programme does, like 09:30, 09:30-10:45, 9:30am–11:00am or 14:00–15:30 BST"]),
    ("time-backwards", edit("    kind: talk\n", "    kind: talk\n    time: 2pm-1pm\n"),
     ["recap.yaml:24:11: error: sessions[0].time: '2pm-1pm' ends before it starts"]),
    ("thirteen-pm", edit("    kind: talk\n", "    kind: talk\n    time: 13:00pm\n"),
     ["recap.yaml:24:11: error: sessions[0].time: '13:00pm' is not a time; write it as the "
      "programme does, like 09:30, 09:30-10:45, 9:30am–11:00am or 14:00–15:30 BST"]),
    ("bad-kind-colour", edit("    kind: talk\n", "    kind: talk\n    kind_colour: red\n"),
     ["recap.yaml:24:18: error: sessions[0].kind_colour: expected a colour written #rrggbb, "
      "got 'red'"]),
    ("x-limit", edit("    text: Words.\n",
                     "    text: Words.\nsocial: {platforms: {x: {limit: 1000}}}\n"),
     ["recap.yaml:32:26: error: social.platforms.x.limit: X's limit is 280 weighted for "
      "everyone; only Mastodon servers set their own"]),
    ("bluesky-server", edit("    text: Words.\n",
                            "    text: Words.\n"
                            "social: {platforms: {bluesky: {server: a.social}}}\n"),
     ["recap.yaml:32:32: error: social.platforms.bluesky.server: only Mastodon posts go out "
      "from a server of their own"]),
    ("image-base-query", edit("    text: Words.\n", "    text: Words.\nschedule: "
                              "{image_base_url: 'https://cdn.example.org/c/?token=abc'}\n"),
     ["recap.yaml:32:28: error: schedule.image_base_url: 'https://cdn.example.org/c/?token=abc' "
      "has a query or a fragment; give the folder's address alone (each card's file name is "
      "added to it)"]),
    ("impossible-date", edit("  date: 2024-03-01", "  date: 2024-02-30"),
     ["recap.yaml:14:9: error: event.date: '2024-02-30' is not a real date"]),
    ("ambiguous-date", edit("  date: 2024-03-01", "  date: 03/04/2024"),
     ["recap.yaml:14:9: error: event.date: '03/04/2024' is ambiguous or not a date; "
      "write it as YYYY-MM-DD"]),
    ("unknown-time-zone", edit("  timezone: Europe/London", "  timezone: Europe/Londres"),
     ["recap.yaml:15:13: error: event.timezone: unknown time zone 'Europe/Londres'; "
      "use an IANA name like Europe/London"]),
    ("bad-send-time", edit("  send_at: 2024-03-02T09:00", "  send_at: tomorrow at 9"),
     ["recap.yaml:8:12: error: email.send_at: 'tomorrow at 9' is not a date and time; "
      "write it as YYYY-MM-DDTHH:MM"]),
    ("javascript-link", edit("  recap_url: https://example.org/recap",
                             "  recap_url: javascript:alert(1)"),
     ["recap.yaml:17:14: error: event.recap_url: a link must start with https: or mailto: "
      "(got 'javascript:alert(1)')"]),
    ("http-link", edit("  recap_url: https://example.org/recap", "  recap_url: http://example.org/"),
     ["recap.yaml:17:14: error: event.recap_url: a link must start with https: or mailto: "
      "(got 'http://example.org/')"]),
    ("protocol-relative-link", edit("  recap_url: https://example.org/recap",
                                    "  recap_url: //example.org/recap"),
     ["recap.yaml:17:14: error: event.recap_url: a link must start with https: or mailto: "
      "(got '//example.org/recap')"]),
    ("link-in-markdown", edit("  intro: Hello.", "  intro: 'See [this](javascript:alert(1)).'"),
     ["recap.yaml:9:10: error: email.intro: a link must start with https: or mailto: "
      "(got 'javascript:alert(1)')"]),
    ("bad-email-address", edit("address: news@example.org", "address: news-at-example"),
     ["recap.yaml:5:36: error: email.from.address: is not an email address: 'news-at-example'"]),
    ("header-injection", edit("  subject: Test recap", '  subject: "Hi\\r\\nBcc: x@example.org"'),
     ["recap.yaml:3:12: error: email.subject: must be a single line (no line breaks)"]),
    ("encoded-word-injection",
     edit("  subject: Test recap", '  subject: "Hi =?UTF-8?Q?=0A?=Bcc: x@example.org"'),
     ["recap.yaml:3:12: error: email.subject: must not contain an RFC 2047 encoded-word such as "
      "=?UTF-8?Q?...?="]),
    ("generic-without-unsubscribe",
     edit("  unsubscribe_url: https://example.org/unsubscribe\n", ""),
     ["recap.yaml:2:1: error: email.service: the generic service needs email.unsubscribe_url "
      "(an https: or mailto: link)"]),
    ("bad-id", edit("{id: alan, name", "{id: Alan T, name"),
     ["recap.yaml:20:10: error: people[1].id: must be lower-case letters, digits and hyphens, "
      "like 'deep-dive-1'"]),
    ("no-sessions", edit("""sessions:
  - id: talk
    kind: talk
    title: A talk
    speakers: [ada]
    summary: Ada spoke.
""", "sessions: []\n").replace("""quotes:
  - id: q1
    speaker: ada
    session: talk
    text: Words.
""", ""), ["recap.yaml:21:11: error: sessions: needs at least 1 item(s)"]),
    ("yaml-alias",
     edit("  - {id: alan, name: Alan Turing}", "  - &a {id: alan, name: Alan Turing}\n  - *a"),
     ["recap.yaml:20:5: error: YAML anchors and aliases are not supported; write the value out"]),
    ("yaml-python-tag", edit("  venue: Online", "  venue: !!python/object:os.system ls"),
     ["recap.yaml:16:10: error: YAML tags such as 'tag:yaml.org,2002:python/object:os.system' "
      "are not allowed"]),
    ("control-character", edit("  name: Test Event", '  name: "Test\\0Event"'),
     ["recap.yaml:11:9: error: event.name: contains U+0000, which is not allowed in text"]),
    ("lone-surrogate", edit("  name: Test Event", '  name: "Test \\ud800 Event"'),
     ["recap.yaml:11:9: error: event.name: contains U+D800, which is not allowed in text"]),
    ("noncharacter", edit("  venue: Online", '  venue: "On\\uFFFEline"'),
     ["recap.yaml:16:10: error: event.venue: contains U+FFFE, which is not allowed in text"]),
    ("end-before-start", edit("  date: 2024-03-01", "  date: 2024-03-01\n  end_date: 2024-02-28"),
     ["recap.yaml:15:13: error: event.end_date: is before event.date"]),
    ("quoted-version", edit("version: 1", 'version: "1"'),
     ["recap.yaml:1:10: error: version: '1' is not one of: 1"]),
    ("huge-number", edit("version: 1", "version: " + "9" * 5000),
     ["recap.yaml:1:10: error: version: '" + "9" * 40 + "' is not one of: 1"]),
    ("time-zone-that-is-a-folder",
     edit("  timezone: Europe/London", "  timezone: America/Argentina"),
     ["recap.yaml:15:13: error: event.timezone: unknown time zone 'America/Argentina'; "
      "use an IANA name like Europe/London"]),
    ("bad-colour", edit("quotes:", "theme: {primary: blue}\nquotes:"),
     ["recap.yaml:27:18: error: theme.primary: expected a colour written #rrggbb, got 'blue'"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_source_reports_exact_error(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_every_problem_is_reported_at_once() -> None:
    text = (edit("  subject: Test recap", "  subjcet: Test recap")
            .replace("  timezone: Europe/London", "  timezone: Mars/Olympus")
            .replace("    speaker: ada", "    speaker: nobody"))
    found = problems(text)
    assert [f.split(": error: ")[1].split(":")[0] for f in found] == [
        "email", "email.subjcet", "event.timezone", "quotes[0].speaker"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    speaker: ada", "    speaker: alan",
     "recap.yaml:29:14: warning: quotes[0].speaker: 'alan' is not a speaker or chair of "
     "session 'talk'"),
    ("  send_at: 2024-03-02T09:00", "  send_at: 2024-02-01T09:00",
     "recap.yaml:8:12: warning: email.send_at: is before the event day"),
    ("    text: Words.", "    text: '“Words.”'",
     "recap.yaml:31:11: warning: quotes[0].text: leave out the surrounding quotation marks; "
     "they are added for you"),
], ids=["quote-by-non-speaker", "send-before-event", "quoted-quote"])
def test_advisories_are_warnings(old: str, new: str, expected: str) -> None:
    assert problems(edit(old, new), warnings=True) == [expected]


def test_plain_scalars_are_not_retyped() -> None:
    # YAML 1.1 would read 9:30 as 570 and "no" as false; a recap means the text.
    source = parse_source("a: 9:30\nb: no\nc: 2024-03-01\nd: '12'\ne: 12\nf: true\ng: ~\n")
    assert source.data == {"a": "9:30", "b": "no", "c": "2024-03-01", "d": "12", "e": 12,
                           "f": True, "g": None}
