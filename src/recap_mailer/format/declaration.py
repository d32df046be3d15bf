"""The recap source format: every key, its kind and its help, and the JSON Schema made from it."""

from __future__ import annotations

import json
from typing import Any

from recap_mailer import model
from recap_mailer.format.kinds import (
    Choice,
    Colour,
    Day,
    Email,
    Flag,
    Handle,
    Hashtag,
    Link,
    Moment,
    Number,
    Text,
    Zone,
)
from recap_mailer.format.programme import ProgrammeTime, SessionKind
from recap_mailer.format.records import Field, Items, Record
from recap_mailer.model import MAX_QUOTE_CHARS, PLATFORMS, UNSUBSCRIBE_TAGS

FORMAT_VERSION = 1

_ID = Text(max_length=64, pattern=r"[a-z0-9][a-z0-9-]*",
           pattern_hint="must be lower-case letters, digits and hyphens, like 'deep-dive-1'")
_NAME = Text(max_length=120)
_HASHTAG = Hashtag(max_length=64, pattern=r"#?[^\W_][\w]*",
                pattern_hint="must be one word of letters, digits and underscores, like SOC23")

HANDLE_PATTERNS = {
    "x": (r"@?[A-Za-z0-9_]{1,15}", "an X handle like @golab (letters, digits, _; 15 at most)"),
    "bluesky": (r"@?[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}",
                "a Bluesky handle like @name.bsky.social"),
    "mastodon": (r"@?[A-Za-z0-9_]{1,30}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
                 "a Mastodon address like @name@server.social"),
    "linkedin": (r"@?[^\n@]{1,100}", "a LinkedIn page or member name"),
    "threads": (r"@?[A-Za-z0-9._]{1,30}", "a Threads handle like @golab"),
    "instagram": (r"@?[A-Za-z0-9._]{1,30}", "an Instagram handle like @golab"),
}

HANDLES = Record(
    model=model.Handles,
    doc="Handles per platform, with or without the leading @.",
    fields={
        platform: Field(Handle(max_length=120, pattern=pattern, pattern_hint=f"must be {hint}"),
                        f"Handle on {platform}.")
        for platform, (pattern, hint) in HANDLE_PATTERNS.items()
    },
)

IMAGE = Record(
    model=model.Image,
    doc="An image hosted on the web.",
    fields={
        "src": Field(Link(schemes=("https",)), "https address of the image.", required=True),
        "alt": Field(Text(max_length=300), "Alt text: what the image shows.", required=True),
        "width": Field(Number(minimum=16, maximum=600), "Display width in pixels (600 at most)."),
    },
)

EMAIL = Record(
    model=model.Email,
    doc="The newsletter: envelope, framing and footer.",
    fields={
        "subject": Field(Text(max_length=200), "Subject line.", required=True),
        "preheader": Field(Text(max_length=300),
                           "Inbox preview text after the subject (50-140 characters).",
                           required=True),
        "from": Field(Record(model=model.Sender, fields={
            "name": Field(_NAME, "Sender's display name.", required=True),
            "address": Field(Email(), "Sender's address.", required=True),
        }), "Sender.", required=True, attr="sender"),
        "reply_to": Field(Email(), "Reply-To address."),
        "test_recipients": Field(Items(Email(), max_items=50),
                                 "Addresses a test send goes to (To: of email.eml)."),
        "service": Field(Choice(options=("generic", *UNSUBSCRIBE_TAGS)),
                         "Email service it goes out through; sets the unsubscribe merge tag."),
        "unsubscribe_url": Field(Link(),
                                 "Unsubscribe address (required for the generic service; "
                                 "for others, an https one-click address for List-Unsubscribe)."),
        "list_id": Field(Text(max_length=200, pattern=r"[A-Za-z0-9._-]+(\.[A-Za-z0-9-]+)+",
                              pattern_hint="must look like newsletter.example.org"),
                         "List-Id of the mailing list, like newsletter.golab.example."),
        "postal_address": Field(Text(max_length=300, multiline=True),
                                "The organisation's postal address (required by law).",
                                required=True),
        "send_at": Field(Moment(), "When the email goes out, local to the event's time zone.",
                         required=True),
        "intro": Field(Text(max_length=3000, multiline=True, markdown=True),
                       "Opening paragraph(s), Markdown.", required=True),
        "call_to_action": Field(Record(model=model.CallToAction, fields={
            "text": Field(Text(max_length=60), "Button label.", required=True),
            "url": Field(Link(), "Where the button goes.", required=True),
        }), "One button after the sessions."),
        "utm": Field(Record(model=model.Utm, fields={
            "source": Field(Text(max_length=60, pattern=r"[A-Za-z0-9._-]+"), "utm_source."),
            "medium": Field(Text(max_length=60, pattern=r"[A-Za-z0-9._-]+"), "utm_medium."),
            "campaign": Field(Text(max_length=60, pattern=r"[A-Za-z0-9._-]+"),
                              "utm_campaign (defaults to the campaign's folder name)."),
        }), "Tracking parameters added to every web link."),
    },
)

EVENT = Record(
    model=model.Event,
    doc="The event and the day this recap covers.",
    fields={
        "name": Field(Text(max_length=200), "Full name of the event.", required=True),
        "short_name": Field(Text(max_length=40), "Short name, like SOC23.", required=True),
        "day_label": Field(Text(max_length=60), "Which day this recap covers, like 'Day 1'.",
                           required=True),
        "date": Field(Day(), "The date of this day, YYYY-MM-DD.", required=True),
        "end_date": Field(Day(), "Last date of a multi-day event."),
        "timezone": Field(Zone(), "IANA time zone of the event, like Europe/London.",
                          required=True),
        "venue": Field(Text(max_length=200), "Where it took place.", required=True),
        "website": Field(Link(), "The event's website."),
        "recap_url": Field(Link(), "The web page of this recap.", required=True),
        "hashtags": Field(Items(_HASHTAG, max_items=10), "Event hashtags, like SOC23."),
        "handles": Field(HANDLES, "The organisation's handles per platform."),
    },
)

PERSON = Record(
    model=model.Person,
    doc="Someone named in the recap.",
    fields={
        "id": Field(_ID, "Identifier used by sessions and quotes.", required=True),
        "name": Field(_NAME, "Name, without honorific.", required=True),
        "honorific": Field(Text(max_length=30), "Honorific as the recap writes it: Professor, Dr."),
        "role": Field(Text(max_length=200), "Role at the event or job title."),
        "affiliation": Field(Text(max_length=200), "Organisation."),
        "handles": Field(HANDLES, "Handles per platform."),
    },
)

SESSION = Record(
    model=model.Session,
    doc="One session of the day.",
    fields={
        "id": Field(_ID, "Identifier used by quotes and in utm_content.", required=True),
        "title": Field(Text(max_length=300), "Title.", required=True),
        "kind": Field(SessionKind(), "What kind of session: keynote, panel, deep-dive, "
                      "big-picture, book-launch, plenary, workshop, talk, fireside-chat, "
                      "networking, other, or any other word (roundtable).", required=True),
        "kind_label": Field(Text(max_length=60), "The kind as the email shows it, if not "
                            "its usual label (Round table).", attr="label"),
        "kind_colour": Field(Colour(), "Colour of the kind's label (#rrggbb); the theme's "
                             "accent if not given."),
        "block": Field(Text(max_length=80), "Heading the session sits under, like 'Morning'."),
        "time": Field(ProgrammeTime(), "When it ran, as the programme writes it: 09:30, "
                      "09:30-10:45, 9:30am–11:00am, 14:00–15:30 BST."),
        "chair": Field(_ID, "Id of the person who chaired.", refers="people"),
        "speakers": Field(Items(_ID, max_items=50), "Ids of the speakers.", refers="people"),
        "summary": Field(Text(max_length=4000, multiline=True, markdown=True),
                         "What happened, in Markdown (a poster gallery or a lunch may have "
                         "none)."),
        "recording": Field(Link(schemes=("https",)), "Where to watch it (https)."),
        "image": Field(IMAGE, "An image for the session card."),
        "featured": Field(Flag(), "Shown in full even in a long email."),
    },
)

_WORDS_TEXT = Text(max_length=1000, multiline=True)

WORDS = Record(
    model=model.Words,
    plain="all",
    doc="Words of the team's own: text for every platform, or a mapping with 'all' and the "
        "platforms that have words of their own.",
    fields={
        "all": Field(_WORDS_TEXT, "For every platform without words of its own here."),
        **{p: Field(_WORDS_TEXT, f"For {p}.") for p in PLATFORMS},
    },
)

QUOTE = Record(
    model=model.Quote,
    doc="A key quote, verbatim.",
    fields={
        "id": Field(_ID, "Identifier.", required=True),
        "text": Field(Text(max_length=MAX_QUOTE_CHARS, multiline=True),
                      "The words, verbatim, no quote marks.", required=True),
        "speaker": Field(_ID, "Id of the person who said it.", required=True,
                         refers="people"),
        "session": Field(_ID, "Id of the session it was said in.", required=True,
                         refers="sessions"),
        "featured": Field(Flag(), "Given prominence in the email."),
        "priority": Field(Number(minimum=1, maximum=1000),
                          "Order of importance, 1 first (posts go out in this order)."),
        "lead": Field(WORDS, "Words before the quote in its posts, like 'Our keynote on why "
                      "government must stay involved:' (text, or per platform)."),
        "close": Field(WORDS, "Words after the credit in its posts, like 'Watch the full "
                       "keynote.' (text, or per platform)."),
    },
)

PLATFORM = Record(
    model=model.PlatformSettings,
    doc="Settings for one platform.",
    fields={
        "enabled": Field(Flag(), "Write posts for this platform."),
        "extra_hashtags": Field(Items(_HASHTAG, max_items=10),
                                "Hashtags added when room allows."),
        "max_hashtags": Field(Number(minimum=0, maximum=30),
                              "Most hashtags a post carries (X 2, LinkedIn 5, Threads 1, "
                              "Instagram 5 unless set; Bluesky and Mastodon no cap)."),
        "limit": Field(Number(minimum=100, maximum=100_000),
                       "Character limit, where the server sets its own (Mastodon)."),
        "server": Field(Text(max_length=200, pattern=r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
                             pattern_hint="must be a host name like mastodon.social"),
                        "The Mastodon server posts go out from."),
        "lead": Field(_WORDS_TEXT, "Words before the quote in this platform's posts, for "
                      "quotes with no lead of their own here."),
        "close": Field(_WORDS_TEXT, "Words after the credit in this platform's posts, for "
                       "quotes with no close of their own here."),
    },
)

SOCIAL = Record(
    model=model.Social,
    doc="Social posts built around the key quotes.",
    fields={
        "platforms": Field(Record(keyed="platform", fields={p: Field(PLATFORM, f"Posts for {p}.")
                                          for p in PLATFORMS}),
                           "Platforms to write posts for, with their settings."),
    },
)

SCHEDULE_PLATFORM = Record(
    model=model.PlatformSchedule,
    doc="One platform's own timing, in place of the schedule's.",
    fields={
        "cadence": Field(Text(max_length=500), "This platform's cadence (same forms as above)."),
        "min_gap_minutes": Field(Number(minimum=0, maximum=10080),
                                 "Least time between two of this platform's posts."),
    },
)

SCHEDULE = Record(
    model=model.Schedule,
    doc="When the posts go out.",
    fields={
        "start": Field(Moment(), "First possible slot, local to the event's time zone "
                       "(default: email.send_at)."),
        "cadence": Field(Text(max_length=500),
                         "An RFC 5545 RRULE, or a friendly form: 'weekdays at 09:00 and 13:00' "
                         "(default: 'daily at 09:00')."),
        "min_gap_minutes": Field(Number(minimum=0, maximum=10080),
                                 "Least time between two posts on one platform."),
        "platforms": Field(Record(keyed="platform",
                                  fields={p: Field(SCHEDULE_PLATFORM, f"Timing for {p}.")
                                          for p in PLATFORMS}),
                           "Per-platform cadence and gap, where they differ."),
        "image_base_url": Field(Link(schemes=("https",)),
                                "Where out/<slug>/cards/ will be published, so schedulers can "
                                "fetch the quote cards (without it, Buffer files carry no image)."),
    },
)

THEME = Record(
    model=model.Theme,
    doc="Brand colours (light and dark) and logo.",
    fields={
        "primary": Field(Colour(), "Headings, links and buttons."),
        "accent": Field(Colour(), "Quote rules and highlights."),
        "background": Field(Colour(), "Page background."),
        "surface": Field(Colour(), "Card background."),
        "text": Field(Colour(), "Body text."),
        "muted": Field(Colour(), "Secondary text."),
        "dark_background": Field(Colour(), "Page background in dark mode."),
        "dark_surface": Field(Colour(), "Card background in dark mode."),
        "dark_text": Field(Colour(), "Body text in dark mode."),
        "dark_primary": Field(Colour(), "Headings and links in dark mode."),
        "dark_accent": Field(Colour(), "Quote rules and labels in dark mode."),
        "font_family": Field(Text(max_length=200, pattern=r"[A-Za-z0-9 ,'\"-]+",
                                  pattern_hint="must be a CSS font list like 'Georgia, serif'"),
                             "CSS font stack (system fonts; nothing is downloaded)."),
        "logo": Field(IMAGE, "Logo shown in the header."),
    },
)

RECAP = Record(
    model=model.Campaign,
    doc="A recap-mailer source: one event day's recap.",
    fields={
        "version": Field(Choice(options=(FORMAT_VERSION,)), "Format version (1).",  # type: ignore[arg-type]
                         required=True),
        "lang": Field(Text(max_length=35, pattern=r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*",
                           pattern_hint="must be a language tag like en or en-GB"),
                      "Language of the text (BCP 47)."),
        "email": Field(EMAIL, "The newsletter.", required=True),
        "event": Field(EVENT, "The event.", required=True),
        "people": Field(Items(PERSON, max_items=2000), "Everyone named.", required=True),
        "sessions": Field(Items(SESSION, min_items=1, max_items=1000), "The sessions, in order.",
                          required=True),
        "quotes": Field(Items(QUOTE, max_items=1000), "Key quotes."),
        "social": Field(SOCIAL, "Social posts."),
        "schedule": Field(SCHEDULE, "Posting schedule."),
        "theme": Field(THEME, "Colours and logo."),
    },
)


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the recap format, for editors."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "recap-mailer recap source",
        **RECAP.schema(),
    }


def json_schema_text() -> str:
    """Return the JSON Schema as stable, pretty JSON."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def reference_tables() -> str:
    """Return Markdown tables of every key, for docs/recap-format.md."""
    lines: list[str] = []

    def walk(record: Record, prefix: str, doc: str) -> None:
        lines.extend([f"### `{prefix or 'top level'}`", "", record.doc or doc, "",
                      "| key | required | what |", "| --- | --- | --- |"])
        nested: list[tuple[Record, str, str]] = []
        for name, spec in record.fields.items():
            kind = spec.kind.item if isinstance(spec.kind, Items) else spec.kind
            path = f"{prefix}.{name}" if prefix else name
            shown = f"{path}[]" if isinstance(spec.kind, Items) else path
            lines.append(f"| `{name}` | {'yes' if spec.required else ''} | {spec.doc} |")
            if isinstance(kind, Record) and kind not in (HANDLES, WORDS):
                nested.append((kind, shown, spec.doc))
        lines.append("")
        for kind, shown, doc in nested:
            walk(kind, shown, doc)

    walk(RECAP, "", "")
    lines.extend(["### handles", "", HANDLES.doc, "",
                  "| key | what |", "| --- | --- |"])
    lines.extend(f"| `{name}` | {spec.doc} |" for name, spec in HANDLES.fields.items())
    lines.extend(["", "### words (`lead`, `close`)", "", WORDS.doc, "",
                  "| key | what |", "| --- | --- |"])
    lines.extend(f"| `{name}` | {spec.doc} |" for name, spec in WORDS.fields.items())
    return "\n".join(lines) + "\n"
