"""The campaign as plain frozen data: what a recap source says, validated. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

PLATFORMS = ("x", "bluesky", "mastodon", "linkedin", "threads", "instagram")

#: Unsubscribe merge tags of the email services a campaign can go out through.
UNSUBSCRIBE_TAGS = {
    "mailchimp": "*|UNSUB|*",
    "listmonk": "{{ UnsubscribeURL }}",
}

#: The longest quote a source may hold: cards set long quotes smaller, posts thread or trim them.
MAX_QUOTE_CHARS = 5000

#: The built-in kinds of session and their labels; a source may name any other kind.
SESSION_KINDS = {
    "keynote": "Keynote",
    "panel": "Panel",
    "deep-dive": "Deep dive",
    "big-picture": "Big picture",
    "book-launch": "Book launch",
    "plenary": "Plenary",
    "workshop": "Workshop",
    "talk": "Talk",
    "fireside-chat": "Fireside chat",
    "networking": "Networking",
    "other": "Session",
}


@dataclass(frozen=True)
class Handles:
    """A person's or organisation's handle on each platform (each starts with @)."""

    x: str | None = None
    bluesky: str | None = None
    mastodon: str | None = None
    linkedin: str | None = None
    threads: str | None = None
    instagram: str | None = None

    def on(self, platform: str) -> str | None:
        """Return the handle for ``platform``, if any."""
        return getattr(self, platform, None)


@dataclass(frozen=True)
class Sender:
    """Who the email comes from."""

    name: str
    address: str


@dataclass(frozen=True)
class CallToAction:
    """The email's one button after the sessions."""

    text: str
    url: str


@dataclass(frozen=True, kw_only=True)
class Utm:
    """Campaign tracking parameters added to every web link."""

    source: str = "newsletter"
    medium: str = "email"
    campaign: str


# Keyword-only, so that a default can sit beside the fields that have none.
@dataclass(frozen=True, kw_only=True)
class Email:
    """The newsletter's envelope and framing."""

    subject: str
    preheader: str
    sender: Sender
    reply_to: str | None
    test_recipients: tuple[str, ...] = ()
    service: str = "generic"
    unsubscribe_url: str | None
    postal_address: str
    send_at: datetime
    intro: str
    call_to_action: CallToAction | None
    utm: Utm
    list_id: str | None = None

    @property
    def unsubscribe_link(self) -> str:
        """Return the address the footer's unsubscribe link points at (a merge tag or a URL)."""
        return UNSUBSCRIBE_TAGS.get(self.service) or self.unsubscribe_url or ""


@dataclass(frozen=True)
class Event:
    """The event and the day this recap covers."""

    name: str
    short_name: str
    day_label: str
    date: date
    end_date: date | None
    timezone: ZoneInfo
    venue: str
    website: str | None
    recap_url: str
    hashtags: tuple[str, ...]
    handles: Handles


@dataclass(frozen=True)
class Person:
    """Someone named in the recap."""

    id: str
    name: str
    honorific: str | None = None
    role: str | None = None
    affiliation: str | None = None
    handles: Handles = field(default_factory=Handles)

    @property
    def display_name(self) -> str:
        """Return the name as the recap writes it, with any honorific."""
        return f"{self.honorific} {self.name}" if self.honorific else self.name

    @property
    def credit(self) -> str:
        """Return the name with affiliation: ``Prof Anne Davies (Oxford Law Faculty)``."""
        if self.affiliation:
            return f"{self.display_name} ({self.affiliation})"
        return self.display_name


@dataclass(frozen=True)
class Image:
    """An image hosted on the web, with its alt text."""

    src: str
    alt: str
    width: int | None = None


@dataclass(frozen=True)
class Session:
    """One session of the day."""

    id: str
    title: str
    kind: str
    summary: str = ""
    label: str | None = None  # the kind as the email shows it, if not the kind's own label
    kind_colour: str | None = None
    block: str | None = None
    time: str | None = None  # as the programme writes it: "09:30–10:45", "9:30am–11:00am"
    chair: Person | None = None
    speakers: tuple[Person, ...] = ()
    recording: str | None = None
    image: Image | None = None
    featured: bool = False

    @property
    def kind_label(self) -> str:
        """Return the kind as the email shows it: its label, the built-in one, or as written."""
        if self.label:
            return self.label
        if self.kind in SESSION_KINDS:
            return SESSION_KINDS[self.kind]
        written = self.kind.replace("-", " ").replace("_", " ")
        return written[:1].upper() + written[1:] if written.islower() else written

    @property
    def time_label(self) -> str:
        """Return the session's time as written, or nothing."""
        return self.time or ""


@dataclass(frozen=True)
class Words:
    """The team's own words for a quote's posts: for every platform, or one platform's own."""

    all: str | None = None
    x: str | None = None
    bluesky: str | None = None
    mastodon: str | None = None
    linkedin: str | None = None
    threads: str | None = None
    instagram: str | None = None

    def on(self, platform: str) -> str | None:
        """Return the words for ``platform``: its own, else those for every platform."""
        return getattr(self, platform, None) or self.all


@dataclass(frozen=True)
class Quote:
    """A key quote, verbatim, with who said it and where."""

    id: str
    text: str
    speaker: Person
    session: Session
    featured: bool = False
    priority: int = 100
    lead: Words = field(default_factory=Words)  # before the quote in its posts
    close: Words = field(default_factory=Words)  # after the credit


@dataclass(frozen=True)
class PlatformSettings:
    """How posts are written for one platform."""

    platform: str
    enabled: bool = True
    extra_hashtags: tuple[str, ...] = ()
    max_hashtags: int | None = None  # the platform's own cap (social.platforms.RULES) if None
    limit: int | None = None
    server: str | None = None
    lead: str | None = None  # for the quotes with no lead of their own for this platform
    close: str | None = None


@dataclass(frozen=True)
class Social:
    """Social post settings (filled in by the social-posts stage)."""

    platforms: tuple[PlatformSettings, ...] = ()

    @property
    def enabled(self) -> tuple[PlatformSettings, ...]:
        """Return the platforms posts are written for."""
        return tuple(p for p in self.platforms if p.enabled)


@dataclass(frozen=True)
class PlatformSchedule:
    """One platform's own cadence or gap, where it differs from the schedule's."""

    platform: str
    cadence: str | None = None
    min_gap_minutes: int | None = None


@dataclass(frozen=True)
class Schedule:
    """When posts go out (planned by the schedule stage); unset values take its defaults."""

    start: datetime | None = None
    cadence: str | None = None
    min_gap_minutes: int = 60
    platforms: tuple[PlatformSchedule, ...] = ()
    image_base_url: str | None = None

    def override(self, platform: str) -> PlatformSchedule:
        """Return ``platform``'s own settings (empty when it has none)."""
        found = (p for p in self.platforms if p.platform == platform)
        return next(found, PlatformSchedule(platform))


@dataclass(frozen=True)
class Theme:
    """Brand colours and logo, light and dark."""

    primary: str = "#1d3557"
    accent: str = "#d0263a"
    background: str = "#f4f5f7"
    surface: str = "#ffffff"
    text: str = "#1f2328"
    muted: str = "#57606a"
    dark_background: str = "#0d1117"
    dark_surface: str = "#161b22"
    dark_text: str = "#e6edf3"
    dark_primary: str = "#9ecbff"
    dark_accent: str = "#ff8f8f"
    font_family: str = "Helvetica, Arial, sans-serif"
    logo: Image | None = None


@dataclass(frozen=True, kw_only=True)
class Campaign:
    """Everything one recap source describes."""

    slug: str
    lang: str = "en"
    email: Email
    event: Event
    people: tuple[Person, ...]
    sessions: tuple[Session, ...]
    quotes: tuple[Quote, ...]
    social: Social
    schedule: Schedule
    theme: Theme

    @property
    def featured_quotes(self) -> tuple[Quote, ...]:
        """Return the quotes the email shows, most important first."""
        return tuple(sorted((q for q in self.quotes if q.featured), key=lambda q: q.priority))

    def quotes_for(self, session: Session) -> tuple[Quote, ...]:
        """Return the quotes said in ``session``, most important first."""
        found = (q for q in self.quotes if q.session.id == session.id)
        return tuple(sorted(found, key=lambda q: q.priority))
