"""What surrounds a quote in its posts: the team's words, the credit, hashtags and link.

The pieces are given to the platform's post template (voice.py) whole, or with some of the
template's optional pieces dropped; past those, the last resorts go (hashtags, the event, the
affiliation and the name but for a handle) for names and tags too long for a platform.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import regex

from recap_mailer.errors import RecapError
from recap_mailer.links import with_utm
from recap_mailer.model import Campaign, PlatformSettings, Quote, Utm
from recap_mailer.social.platforms import RULES
from recap_mailer.social.voice import Frame, PostTemplate


class PostFitError(RecapError):
    """A quote's post cannot be made to fit its platform even with every optional part gone."""

    def __init__(self, quote_id: str, platform: str, message: str) -> None:
        self.quote_id = quote_id
        self.platform = platform
        super().__init__(f"quote '{quote_id}' on {RULES[platform].label}: {message}")


#: What a spreadsheet runs as a formula at the start of a cell (CSV injection): no post or
#: thread part starts with one, so the schedulers' files never need to alter a post.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A hashtag as platforms find one in text: "#" then word characters, not inside a word.
HASHTAG = regex.compile(r"(?<![\w#])#(\w+)")

#: What goes after every optional piece, each step with the one before (only names and tags
#: too long for the platform get this far).
_LAST_RESORTS = (("one_hashtag",), ("no_hashtags", "session", "event"),
                 ("affiliation", "handle_only"))


def team_words(quote: Quote, settings: PlatformSettings) -> tuple[str, str]:
    """Return the lead and the close of the quote's posts on the platform ("" for none)."""
    platform = settings.platform
    return (quote.lead.on(platform) or settings.lead or "",
            quote.close.on(platform) or settings.close or "")


def _hashtags(tags: Iterable[str], text: str = "") -> tuple[str, ...]:
    """Return the tags once each (case aside), leaving out those ``text`` already carries."""
    seen = {t.casefold() for t in HASHTAG.findall(text)}
    kept = []
    for tag in tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    return tuple(kept)


def _written(quote: Quote, settings: PlatformSettings) -> str:
    """Return what a post holds of the quote and the team's words, where tags may be."""
    return "\n".join((quote.text, *team_words(quote, settings)))


def asked_hashtags(campaign: Campaign, quote: Quote,
                   settings: PlatformSettings) -> tuple[str, ...]:
    """Return every tag a post of the quote is asked to carry that its words do not."""
    return _hashtags((*campaign.event.hashtags, *settings.extra_hashtags),
                     _written(quote, settings))


def hashtag_cap(settings: PlatformSettings) -> int | None:
    """Return the most hashtags a post on the platform carries: the source's, else its own."""
    if settings.max_hashtags is not None:
        return settings.max_hashtags
    return RULES[settings.platform].max_hashtags


def wanted_hashtags(campaign: Campaign, quote: Quote,
                    settings: PlatformSettings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the event's tags and all tags a post may carry, within the platform's cap."""
    cap = hashtag_cap(settings)
    tags = _hashtags(campaign.event.hashtags, _written(quote, settings))
    extra = asked_hashtags(campaign, quote, settings)
    if cap is not None:
        tags, extra = tags[:cap], extra[:cap]
    return tags, extra


def post_link(campaign: Campaign, quote: Quote, platform: str) -> str:
    """Return the link a quote's posts carry: its recording, else the recap, tagged for UTM."""
    raw = quote.session.recording or campaign.event.recap_url
    utm = Utm(source=platform, medium="social", campaign=campaign.slug)
    return with_utm(raw, utm, quote.id)


@dataclass(frozen=True)
class _Pieces:
    """Everything a post of one quote on one platform may show, before any is dropped."""

    lead: str
    close: str
    name: str
    handle: str
    affiliation: str
    session: str
    event: str
    tags: tuple[str, ...]
    extra: tuple[str, ...]
    cap: int | None
    link: str
    link_label: str
    platform: str

    def shown(self, dropped: frozenset[str]) -> dict[str, str]:
        """Return the template's values with the ``dropped`` pieces left out."""
        gone = dropped.__contains__
        name = self.handle if gone("handle_only") and self.handle else self.name
        affiliation = "" if gone("affiliation") else self.affiliation
        session = "" if gone("session") else self.session
        event = "" if gone("event") else self.event
        lead = "" if gone("lead") else self.lead
        close = "" if gone("close") else self.close
        # A tag the team's words carry is not added again, unless those words are dropped.
        tags = _hashtags(self.tags if gone("extra_hashtags") else self.extra,
                         f"{lead}\n{close}")[:self.cap]
        tags = () if gone("no_hashtags") else tags[:1] if gone("one_hashtag") else tags
        if affiliation:
            # A handle in brackets already follows the name: the affiliation goes after it.
            credit = f"{name}, {affiliation}" if self.handle else f"{name} ({affiliation})"
        else:
            credit = name
        where = f"{session} ({event})" if session and event else session or event
        return {
            "lead": lead, "close": close,
            "name": name, "affiliation": affiliation, "credit": credit, "session": session,
            "event": event, "where": where, "hashtags": " ".join(f"#{t}" for t in tags),
            "link": self.link, "link_label": self.link_label, "platform": self.platform,
        }


def _pieces(campaign: Campaign, quote: Quote, settings: PlatformSettings) -> _Pieces:
    platform = settings.platform
    rules = RULES[platform]
    event, session, person = campaign.event, quote.session, quote.speaker
    links_handles = platform != "linkedin"  # LinkedIn has no mention written as text
    handle = person.handles.on(platform) if links_handles else None
    organiser = event.handles.on(platform) if links_handles else None
    day = f"{event.name}, {event.day_label}" if rules.long_form else (
        f"{event.short_name} {event.day_label}")
    if organiser:
        day += f", {organiser}"
    # Tags the quote carries are never added; those in the team's words only while shown.
    tags = _hashtags(campaign.event.hashtags, quote.text)
    extra = _hashtags((*campaign.event.hashtags, *settings.extra_hashtags), quote.text)
    lead, close = team_words(quote, settings)
    return _Pieces(
        lead=lead, close=close,
        # The name stays; a handle the platform links is added to it.
        name=person.display_name + (f" ({handle})" if handle else ""), handle=handle or "",
        affiliation=person.affiliation or "", session=session.title, event=day,
        tags=tags, extra=extra, cap=hashtag_cap(settings),
        link=post_link(campaign, quote, platform),
        link_label="Watch the session" if session.recording else "Read the recap",
        platform=platform,
    )


@dataclass(frozen=True)
class Framing:
    """The frames one quote's posts on one platform may take: its pieces in its template."""

    pieces: _Pieces
    template: PostTemplate
    quote_id: str

    @property
    def optional(self) -> tuple[str, ...]:
        """Return the pieces the template lets go, least important first."""
        return self.template.optional

    def frame(self, dropped: frozenset[str] = frozenset()) -> Frame:
        """Return the frame without the ``dropped`` pieces; no post may start as a formula."""
        frame = self.template.frame(self.pieces.shown(dropped))
        if frame.before.startswith(FORMULA_START):
            raise PostFitError(self.quote_id, self.pieces.platform,
                               f"the post would start with {frame.before[0]!r} "
                               f"({self.template.path} puts it first), which a spreadsheet "
                               "reads as a formula when a scheduler's file is opened; start "
                               "the template with other text")
        return frame

    def steps(self) -> list[frozenset[str]]:
        """Return what each frame drops in turn: nothing, then one optional piece more each."""
        return [frozenset(self.optional[:i]) for i in range(len(self.optional) + 1)]

    def last_resorts(self) -> list[frozenset[str]]:
        """Return what the frames past every optional piece drop, each more than the last."""
        every = frozenset(self.optional)
        return [every.union(*_LAST_RESORTS[:i]) for i in range(1, len(_LAST_RESORTS) + 1)]

    def kept_words(self) -> tuple[str, ...]:
        """Return which of the team's words the template keeps even in its last resort."""
        return tuple(name for name in ("lead", "close")
                     if getattr(self.pieces, name) and name not in self.optional)


def framing(campaign: Campaign, quote: Quote, settings: PlatformSettings,
            template: PostTemplate) -> Framing:
    """Return the frames of the quote's posts on the settings' platform."""
    return Framing(_pieces(campaign, quote, settings), template, quote.id)


