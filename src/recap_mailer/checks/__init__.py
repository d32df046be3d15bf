"""The reviewer's lint: what a careful reviewer checks in a built campaign before it goes out.

``run_checks`` reads a Build (the email, its text twin, posts and cards, all in memory) and the
source it came from, and returns findings, each in a check group. Every group is one small pure
function of the build; none touches the network (``check_links_online`` is separate, and only
``recap-mailer check --online`` calls it).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property, lru_cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import cssutils
import lxml.etree

from recap_mailer.cards import CARD_SIZES, card_path, card_stamp, layout_card
from recap_mailer.colour import MIN_CONTRAST, contrast_ratio
from recap_mailer.errors import Diagnostic, Severity
from recap_mailer.format.source import Path_, Source
from recap_mailer.model import Campaign, Quote
from recap_mailer.social import counting
from recap_mailer.social.posts import RULES
from recap_mailer.social.schedule import REPEAT_GAP, platform_timing

if TYPE_CHECKING:
    from recap_mailer.build import Build

#: Gmail clips a message whose HTML passes about 102 KB, hiding the footer and unsubscribe link.
GMAIL_CLIP_BYTES = 102 * 1024
#: WCAG 2 AA contrast for body text.
#: What inboxes show of a preheader, in characters.
PREHEADER_RANGE = (50, 140)

#: The check groups, in the order they are reported, with what each looks at.
CHECKS = {
    "source": "the recap source",
    "size": "Gmail's clip",
    "accessibility": "alt text, headings, lang, link text, contrast",
    "preheader": "the inbox preview line",
    "compliance": "unsubscribe link and postal address",
    "links": "well formed, https:, tracked",
    "quotes": "verbatim and attributed everywhere",
    "posts": "within each platform's limits",
    "schedule": "posting times and scheduler limits",
    "clients": "CSS major email clients do not support",
}

HTML_FILE, TEXT_FILE, POSTS_FILE = "email.html", "email.txt", "posts.json"


@dataclass(frozen=True)
class Finding:
    """One finding of one check group, located in the source or in an output file."""

    check: str
    diagnostic: Diagnostic

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity

    @property
    def message(self) -> str:
        return self.diagnostic.message

    def format(self) -> str:
        """Return the compiler-style line, tagged with the check group."""
        return f"{self.diagnostic.format()} [{self.check}]"

    def as_json(self) -> dict[str, Any]:
        """Return the finding as plain JSON data."""
        d = self.diagnostic
        return {"check": self.check, "severity": d.severity, "message": d.message,
                "path": d.path, "line": d.line or None, "col": d.col or None}


# --- reading the email back ----------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    image_alt: str | None  # the alt text of an image inside the link, if any


_SKIPPED = frozenset({"style", "title", "script"})  # what they hold is not text of the email
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


class _EmailReader:
    """One pass over the email: lang, images, headings, links, CSS, preheader and text.

    Outlook's conditional comments (``<!--[if mso]>``) are comments to this reader, so what
    they hold, MJML's fallback for Outlook, is not read as CSS every client sees.
    """

    def __init__(self, html: str) -> None:
        self.lang: str | None = None
        self.images: list[dict[str, str | None]] = []
        self.headings: list[tuple[int, str]] = []
        self.links: list[Link] = []
        self.styles: list[str] = []
        self.inline_styles: set[str] = set()
        self.text_parts: list[str] = []
        self.preheader: str | None = None
        self._heading: tuple[int, list[str]] | None = None
        self._link: tuple[str, list[str], list[str]] | None = None
        self._in_body = False
        self._skip = 0
        self._preheader: list[str] | None = None
        self._depth = 0
        self._walk(html)

    def _walk(self, html: str) -> None:
        """Visit the parsed email in document order: each start, its text, children, end."""
        # libxml2 parses the 60 KB email in half a millisecond (Python's HTMLParser took 4).
        # Plain elements, not lxml.html's: looking up its element classes took a fifth of this.
        parser = lxml.etree.HTMLParser(encoding="utf-8")
        root = lxml.etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
        if root is None:  # nothing but white space, comments or a doctype: nothing to read
            return
        # lxml walks the tree in C; comments hold no text of the email, only their tails do.
        for event, element in lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi")):
            if event == "start":
                self.handle_starttag(element.tag, element.attrib)
                if element.text:
                    self.handle_data(element.text, element.tag)
                continue
            if event == "end":
                self.handle_endtag(element.tag)
            if element.tail:
                self.handle_data(element.tail, None)

    def handle_starttag(self, tag: str, a: Mapping[str, str]) -> None:
        style = a.get("style")
        if style:
            self.inline_styles.add(style)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "body":
            self._in_body = True
        elif tag in _SKIPPED:
            self._skip += 1
        elif tag == "img":
            self.images.append(dict(a))
            if self._link:
                self._link[2].append(a.get("alt") or "")
        elif tag in _HEADINGS:
            self._heading = (int(tag[1]), [])
        elif tag == "a" and a.get("href") is not None:
            self._link = (a["href"] or "", [], [])
        elif tag == "div" and self._in_body and self.preheader is None \
                and self._preheader is None and "display:none" in (style or ""):
            self._preheader, self._depth = [], 0  # MJML's hidden preview text comes first
        if self._preheader is not None and tag == "div":
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip -= 1
        elif tag in _HEADINGS and self._heading:
            self.headings.append((self._heading[0], fold("".join(self._heading[1]))))
            self._heading = None
        elif tag == "a" and self._link:
            href, text, alts = self._link
            self.links.append(Link(href, fold("".join(text)), " ".join(alts) if alts else None))
            self._link = None
        if self._preheader is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self.preheader = fold("".join(self._preheader))
                self._preheader = None

    def handle_data(self, data: str, inside: str | None) -> None:
        if inside == "style" and self._skip:
            self.styles.append(data)
        if self._skip or not self._in_body:
            return
        if self._preheader is not None:
            self._preheader.append(data)
            return
        self.text_parts.append(data)
        if self._heading:
            self._heading[1].append(data)
        if self._link:
            self._link[1].append(data)

    @cached_property
    def text(self) -> str:
        return fold(" ".join(self.text_parts))


def fold(text: str) -> str:
    """Fold runs of white space (no-break spaces included) to one space."""
    return re.sub(r"\s+", " ", text.replace("\u200c", "").replace("\u034f", "")).strip()


@dataclass(frozen=True)
class _Context:
    """What every check reads, parsed once."""

    build: Build
    source: Source
    email: _EmailReader
    text: str

    @property
    def campaign(self) -> Campaign:
        return self.build.campaign

    def at(self, check: str, at: Path_, severity: Severity, message: str, *,
           key: bool = False) -> Finding:
        """Return a finding pointing into the source at ``at``."""
        return Finding(check, self.source.diagnostic(at, severity, message, key=key))

    def where(self, check: str, needle: str, severity: Severity, message: str,
              fallback: str) -> Finding:
        """Return a finding at the first source value holding ``needle``, else in ``fallback``."""
        found = _find_value(self.source.data, needle, ()) if needle else None
        if found is not None:
            return self.at(check, found, severity, message)
        return Finding(check, Diagnostic(fallback, 0, 0, severity, message))


def _find_value(data: Any, needle: str, at: Path_) -> Path_ | None:
    if isinstance(data, str):
        return at if needle in data else None
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    for key, value in items:
        found = _find_value(value, needle, (*at, key))
        if found is not None:
            return found
    return None


def _output(check: str, path: str, severity: Severity, message: str) -> Finding:
    return Finding(check, Diagnostic(path, 0, 0, severity, message))


# --- the checks ----------------------------------------------------------------------------


def check_size(ctx: _Context) -> list[Finding]:
    """Compare email.html with Gmail's clip, naming the session where the clip falls."""
    email = ctx.build.email
    if email.size <= GMAIL_CLIP_BYTES:
        return []
    html = email.html
    cut = len(html.encode("utf-8")[:GMAIL_CLIP_BYTES].decode("utf-8", "ignore"))
    head = (f"email.html is {email.size:,} bytes ({email.size / 1024:.1f} KB); Gmail clips "
            f"messages over {GMAIL_CLIP_BYTES // 1024} KB and hides the rest, unsubscribe link "
            "included")
    omitted = {s.id for s in email.layout.omitted}
    shown = [(i, s) for i, s in enumerate(ctx.campaign.sessions) if s.id not in omitted]
    for n, (i, session) in enumerate(shown):
        # A session's card ends with its own link, tagged utm_content=<session id>.
        ends = [m.end() for m in re.finditer(
            rf"utm_content={re.escape(session.id)}(?=[&\"'#])", html)]
        if ends and ends[-1] > cut:
            after = len(shown) - n - 1
            rest = f", the {after} session{'s' * (after != 1)} after it" if after else ""
            return [ctx.at("size", ("sessions", i), "warning",
                           f"{head}: the clip falls in session '{session.id}', hiding the "
                           f"rest of it{rest} and the footer; feature fewer sessions or "
                           "shorten their summaries", key=True)]
    return [ctx.at("size", ("sessions",), "warning", f"{head}: the clip falls after the last "
                   "session, in the footer", key=True)]


#: Link text that does not say where the link goes.
VAGUE_LINK_TEXT = frozenset({
    "click here", "click", "here", "this", "this link", "link", "more", "read more",
    "learn more", "more info", "more information", "details", "go", "this page", "click this",
})


def check_accessibility(ctx: _Context) -> list[Finding]:
    """Alt text on every image, headings in order, lang, link text and theme contrast."""
    found: list[Finding] = []
    email = ctx.email
    if (email.lang or "").strip().lower() in ("", "und"):
        # MRML writes lang="und" (undetermined) when the template's <mjml> has no lang.
        found.append(_output("accessibility", HTML_FILE, "warning",
                             f"<html> has no language (lang={email.lang or ''!r}): screen "
                             "readers cannot choose a voice; set <mjml lang> in the template"))
    for image in email.images:
        src = image.get("src") or ""
        if image.get("alt") is None:
            found.append(ctx.where("accessibility", src, "error",
                                   f"image {src} has no alt text; describe what it shows "
                                   "(alt=\"\" only for decoration)", HTML_FILE))
    for link in email.links:
        if not link.text and link.image_alt is not None and not link.image_alt.strip():
            found.append(ctx.where("accessibility", _needle(link.href), "error",
                                   f"link to {link.href} is an image with empty alt text: "
                                   "the link has no name", HTML_FILE))
    skips = []
    previous = 0
    for level, text in email.headings:
        if level > previous + 1:
            skips.append((previous, level, text))
        previous = level
    if skips:
        was, level, text = skips[0]
        first = f"h{level} '{text[:60]}' follows h{was}" if was else \
            f"the first heading is h{level} '{text[:60]}'"
        more = f" ({len(skips)} times)" if len(skips) > 1 else ""
        found.append(_output("accessibility", HTML_FILE, "warning",
                             f"headings skip a level{more}: {first}; screen reader users "
                             "navigate by heading level"))
    seen: set[tuple[str, str]] = set()
    for link in email.links:
        words = link.text.casefold().strip(" .:!…→»›")
        if words in VAGUE_LINK_TEXT and (words, link.href) not in seen:
            seen.add((words, link.href))
            found.append(ctx.where("accessibility", _needle(link.href), "warning",
                                   f"link text '{link.text}' does not say where the link goes "
                                   f"({_bare(link.href)})", HTML_FILE))
    found += check_contrast(ctx)
    return found


#: Pairs of theme colours that meet as text on a background: (text, background, what).
CONTRAST_PAIRS = (
    ("text", "surface", "body text", "light"),
    ("muted", "surface", "secondary text", "light"),
    ("primary", "surface", "headings and links", "light"),
    ("accent", "surface", "session labels", "light"),
    ("muted", "background", "footer text", "light"),
    ("primary", "background", "footer links", "light"),
    ("#ffffff", "primary", "header text and buttons", "light"),
    ("dark_text", "dark_surface", "body text", "dark"),
    ("dark_primary", "dark_surface", "headings and links", "dark"),
    ("dark_accent", "dark_surface", "session labels", "dark"),
    ("dark_text", "dark_background", "footer text", "dark"),
    ("dark_primary", "dark_background", "footer links", "dark"),
    ("dark_background", "dark_primary", "button text", "dark"),
)


def check_contrast(ctx: _Context) -> list[Finding]:
    """Check each theme colour that is read as text against what it is read on."""
    theme = ctx.campaign.theme
    found = []
    for fore, back, what, mode in CONTRAST_PAIRS:
        fg = fore if fore.startswith("#") else getattr(theme, fore)
        bg = getattr(theme, back)
        ratio = contrast_ratio(fg, bg)
        if ratio < MIN_CONTRAST:
            named = fore if fore.startswith("#") else f"theme.{fore} {fg}{_default(ctx, fore)}"
            key = back if fore.startswith("#") else fore
            on = f"theme.{back} {bg}{_default(ctx, back)}"
            found.append(ctx.at("accessibility", ("theme", key), "error",
                                f"{mode} mode {what}: {named} on {on} is {_ratio(ratio)}:1; "
                                f"text needs at least {MIN_CONTRAST}:1"))
    return found


def _default(ctx: _Context, key: str) -> str:
    return "" if ("theme", key) in ctx.source.value_marks else " (the default)"


def _ratio(ratio: float) -> str:
    # Rounded down, so a ratio just under 4.5 never reads as 4.5.
    return f"{int(ratio * 100) / 100:.2f}"


def _comparable(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def check_preheader(ctx: _Context) -> list[Finding]:
    """The preheader: 50-140 characters, and not a repeat of the subject or the first line."""
    email = ctx.campaign.email
    preheader = email.preheader
    found = []
    low, high = PREHEADER_RANGE
    if not low <= len(preheader) <= high:
        found.append(ctx.at("preheader", ("email", "preheader"), "warning",
                            f"email.preheader: is {len(preheader)} characters; "
                            f"inboxes show {low}-{high}"))
    shown = _comparable(preheader)
    intro = _comparable(email.intro.strip().split("\n\n")[0])
    if shown and shown == _comparable(email.subject):
        found.append(ctx.at("preheader", ("email", "preheader"), "warning",
                            "email.preheader: repeats the subject; the inbox shows both, so "
                            "say something the subject does not"))
    elif shown and intro and (intro.startswith(shown) or shown.startswith(intro)):
        found.append(ctx.at("preheader", ("email", "preheader"), "warning",
                            "email.preheader: repeats the first line of the intro; say "
                            "something the email's opening does not"))
    if ctx.email.preheader is not None and _comparable(ctx.email.preheader) != shown:
        found.append(_output("preheader", HTML_FILE, "warning",
                             "the email's hidden preview text is not email.preheader"))
    return found


def check_compliance(ctx: _Context) -> list[Finding]:
    """The unsubscribe link (or merge tag) and the postal address, in the HTML and the text."""
    email = ctx.campaign.email
    unsubscribe = email.unsubscribe_link
    address = fold(email.postal_address)
    found = []
    if not any(link.href == unsubscribe for link in ctx.email.links):
        found.append(_output("compliance", HTML_FILE, "error",
                             f"no unsubscribe link: the email must link to {unsubscribe}"))
    if unsubscribe not in ctx.text:
        found.append(_output("compliance", TEXT_FILE, "error",
                             f"no unsubscribe link: the text must include {unsubscribe}"))
    if address not in ctx.email.text:
        found.append(_output("compliance", HTML_FILE, "error",
                             "no postal address: the email must show email.postal_address"))
    if address not in fold(ctx.text):
        found.append(_output("compliance", TEXT_FILE, "error",
                             "no postal address: the text must show email.postal_address"))
    return found


_TEXT_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"]+", re.IGNORECASE)
_UTM = ("utm_source", "utm_medium", "utm_campaign")


def _bare(url: str) -> str:
    """Return ``url`` without its utm_* parameters (as the source writes it)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = [f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]
    return parts._replace(query="&".join(query)).geturl()


def _needle(url: str) -> str:
    """Return what to look for in the source to find where a link was written, if anything."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return _bare(url) if host else ""


def web_links(build: Build, reader: _EmailReader | None = None) -> list[tuple[str, str]]:
    """Return every distinct link the campaign sends, with the first output it is in."""
    reader = reader or read_email(build.email.html)  # the email is read once if it can be
    seen: dict[str, str] = {}
    for link in reader.links:
        seen.setdefault(link.href, HTML_FILE)
    text = build.files.get(TEXT_FILE, b"").decode("utf-8")
    for match in _TEXT_URL.finditer(text):
        seen.setdefault(match[0].rstrip(".,;:)]"), TEXT_FILE)
    for post in getattr(build, "posts", ()):
        seen.setdefault(post.link, POSTS_FILE)
    return list(seen.items())


@lru_cache(maxsize=4096)  # the same links come back in every output and every rebuild
def link_problem(url: str) -> tuple[Severity, str] | None:
    """Return what is wrong with one link, if anything: malformed, not https:, untracked."""
    if any(c.isspace() for c in url) or not url:
        return "error", f"link {url!r} is malformed (it contains white space)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "error", f"link {url} is malformed"
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        return None if "@" in parts.path else ("error", f"link {url} has no address")
    if scheme != "https":
        return "error", f"link {url} is not https:" if scheme else f"link {url} has no scheme"
    if not parts.hostname or "." not in parts.hostname:
        return "error", f"link {url} is malformed (no host)"
    missing = [k for k in _UTM if k not in dict(parse_qsl(parts.query))]
    if missing:
        return "warning", f"link {url} has no {', '.join(missing)}: its clicks go untracked"
    return None


def check_links(ctx: _Context) -> list[Finding]:
    """Every link well formed, https:, with UTM parameters (the unsubscribe link aside)."""
    found = []
    for url, output in web_links(ctx.build, ctx.email):
        if url == ctx.campaign.email.unsubscribe_link:
            continue  # an email service's merge tag, or the list's own opt-out address
        problem = link_problem(url)
        if problem:
            severity, message = problem
            found.append(ctx.where("links", _needle(url), severity, message, output))
    return found


Fetch = Callable[[str], int | str]


def fetch_status(url: str, timeout: float = 5.0) -> int | str:
    """Return the HTTP status ``url`` answers with (HEAD, then GET), or why it did not answer."""
    # Only ``check --online`` goes to the network; a build never loads an HTTP client.
    import urllib.error
    import urllib.request

    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method,
                                         headers={"User-Agent": "recap-mailer link check"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue  # some servers refuse HEAD but serve GET
            return exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return str(reason)
    return "no answer"


def check_links_online(build: Build, source: Source, fetch: Fetch = fetch_status) -> list[Finding]:
    """Ask every distinct link whether it answers (``check --online`` only)."""
    ctx = _context(build, source)
    found = []
    for url, output in web_links(build, ctx.email):
        if urlsplit(url).scheme not in ("https", "http"):
            continue
        status = fetch(url)
        if isinstance(status, int) and status < 400:
            continue
        said = f"answers {status}" if isinstance(status, int) else f"does not answer ({status})"
        found.append(ctx.where("links", _needle(url), "warning", f"link {url} {said}", output))
    return found


@lru_cache(maxsize=1024)  # quotes, names and posts come back in every rebuild
def _squeeze(text: str) -> str:
    """Drop all white space: wrapping (in the text, on a card) never makes a quote differ."""
    return re.sub(r"\s+", "", text)


def check_quotes(ctx: _Context) -> list[Finding]:
    """Every quote verbatim, and attributed to the same spelling, in email, text, posts, cards."""
    campaign = ctx.campaign
    layout = ctx.build.email.layout
    shortened = layout.compact | {s.id for s in layout.omitted}
    html, text = _squeeze(ctx.email.text), _squeeze(ctx.text)
    found = []
    for i, quote in enumerate(campaign.quotes):
        words = _squeeze(quote.text.strip())
        name = quote.speaker.display_name
        where: list[tuple[str, str | None]] = []  # (output, what is wrong)
        if quote.featured or quote.session.id not in shortened:
            where.append((HTML_FILE, _quoted_in(html, words, name)))
        where.append((TEXT_FILE, _quoted_in(text, words, name)))
        where += _posts_problems(ctx, quote)
        where += _card_problems(ctx, quote)
        for output, problem in where:
            if problem:
                at = ("quotes", i, "text") if problem == "changed" else ("quotes", i, "speaker")
                message = (f"quote '{quote.id}' is not verbatim in {output}"
                           if problem == "changed" else
                           f"quote '{quote.id}' in {output} is not attributed to '{name}'")
                found.append(ctx.at("quotes", at, "warning", message))
    return found


def _quoted_in(haystack: str, words: str, name: str) -> str | None:
    """Say whether ``words`` appear in ``haystack`` followed soon by ``name``."""
    start = haystack.find(words)
    if start < 0:
        return "changed"
    after = haystack[start + len(words): start + len(words) + 300]
    return None if _squeeze(name) in after else "attribution"


def _posts_problems(ctx: _Context, quote: Quote) -> list[tuple[str, str | None]]:
    text = quote.text.strip()
    problems = []
    for post in getattr(ctx.build, "posts", ()):
        if post.quote_id != quote.id:
            continue
        label = f"the {RULES[post.platform].label} post {post.id}"
        if post.quote_span:
            start, end = post.quote_span
            if _squeeze(text[start:end]) not in _squeeze(post.text):
                problems.append((label, "changed"))
        if post.part == post.parts:
            handle = quote.speaker.handles.on(post.platform)
            names = [n for n in (handle, quote.speaker.display_name) if n]
            if not any(n in post.text for n in names):
                problems.append((label, "attribution"))
    return problems


def _card_problems(ctx: _Context, quote: Quote) -> list[tuple[str, str | None]]:
    # The card's own stamp says what it shows (see cards.card_stamp); a card without one is
    # laid out again to see.
    png = ctx.build.files.get(card_path(quote, CARD_SIZES[0]))
    if png is None:
        return []
    stamp = card_stamp(png)
    shows = stamp.get("shows") if stamp else None
    shown = shows if isinstance(shows, dict) else _laid_out_text(quote, ctx.campaign)
    problem = None
    if _squeeze(quote.text.strip()) not in _squeeze(str(shown.get("quote", ""))):
        problem = "changed"
    elif _squeeze(quote.speaker.display_name) != _squeeze(str(shown.get("speaker", ""))):
        problem = "attribution"
    return [("its quote card", problem)]


def _laid_out_text(quote: Quote, campaign: Campaign) -> dict[str, str]:
    layout = layout_card(quote, campaign, CARD_SIZES[0])
    return {role: "\n".join(line.text for line in block.lines)
            for role in ("quote", "speaker") if (block := layout.block(role))}


@lru_cache(maxsize=1024)  # posts outlive a rebuild that only edits the email
def _post_length(platform: str, text: str) -> int:
    return counting.COUNTERS[platform](text)


def check_posts(ctx: _Context) -> list[Finding]:
    """Each post within its platform's limit; alt text on every image, within its limit."""
    found = []
    posts = getattr(ctx.build, "posts", ())
    for post in posts:
        rules = RULES[post.platform]
        at = ("social", "platforms", post.platform)
        length = _post_length(post.platform, post.text)
        if length > post.limit:
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id} is {length} {rules.unit}; {rules.label} "
                                f"takes {post.limit}", key=True))
        size = counting.utf8_bytes(post.text)
        if rules.byte_limit and size > rules.byte_limit:
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id} is {size} bytes; {rules.label} takes "
                                f"{rules.byte_limit}", key=True))
        if post.image and not (post.alt or "").strip():
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id}: its image {post.image} has no alt text",
                                key=True))
        elif post.alt and counting.alt_length(post.alt) > rules.alt_limit:
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id}: its alt text is "
                                f"{counting.alt_length(post.alt)} characters; {rules.label} "
                                f"takes {rules.alt_limit}", key=True))
    for settings in ctx.campaign.social.enabled:
        if settings.platform == "mastodon" and settings.limit is None:
            found.append(ctx.at("posts", ("social", "platforms", "mastodon"), "warning",
                                "Mastodon posts are held to the default 500 characters, but "
                                "each server sets its own limit: give the server and its limit",
                                key=True))
    return found


def schedule_now() -> datetime | None:
    """Return "now" for the schedule check: SOURCE_DATE_EPOCH, or None when it is not set.

    Findings land in report.json and the preview, which must be the same bytes for the same
    source, so the real clock is never read here.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (OverflowError, OSError, ValueError):  # past year 9999: no "now" to compare with
        return None


def check_schedule(ctx: _Context) -> list[Finding]:
    """Times in the past, posts too close on one platform, and what schedulers refuse.

    The planner keeps the gap and the three days between identical texts; this checks the
    plan it made all the same, and adds what depends on the day: a slot that has passed
    (before SOURCE_DATE_EPOCH, when it is set) cannot be scheduled. Hootsuite takes times on a
    five-minute grid only. (Buffer's 100 and Hootsuite's 350 rows a file are kept by splitting
    the files.)
    """
    slots = getattr(ctx.build, "schedule", ())
    if not slots:
        return []
    found: list[Finding] = []
    now = schedule_now()
    email = next((s for s in slots if s.is_email), None)
    if email is not None and now is not None and email.utc < now:
        found.append(ctx.at("schedule", ("email", "send_at"), "warning",
                            f"the email's send time {email.at:%Y-%m-%d %H:%M %Z} has passed"))
    for platform in dict.fromkeys(s.platform for s in slots if s.post is not None):
        mine = [s for s in slots if s.platform == platform and s.post is not None]
        cadence, gap_minutes, at = platform_timing(ctx.campaign, platform)
        label = RULES[platform].label
        past = [s for s in mine if now is not None and s.utc < now]
        if past:
            found.append(ctx.at("schedule", at, "warning",
                                f"{len(past)} of {len(mine)} {label} posts are in the past "
                                f"(the first at {past[0].at:%Y-%m-%d %H:%M %Z}); schedulers "
                                "refuse them: move schedule.start on"))
        gap = timedelta(minutes=gap_minutes)
        for a, b in pairwise(mine):
            thread = b.post is not None and b.post.part > 1 and a.post is not None \
                and a.post.quote_id == b.post.quote_id
            if not thread and b.utc - a.utc < gap:
                found.append(ctx.at("schedule", at, "error",
                                    f"{label} posts {a.id} and {b.id} are "
                                    f"{(b.utc - a.utc).total_seconds() / 60:.0f} minutes apart; "
                                    f"the gap is {gap_minutes}"))
        latest: dict[str, datetime] = {}
        for slot in mine:
            text = slot.post.text if slot.post is not None else ""
            if text in latest and slot.utc - latest[text] < REPEAT_GAP:
                found.append(ctx.at("schedule", at, "error",
                                    f"{label} post {slot.id} repeats an earlier post's text "
                                    "within three days (schedulers refuse duplicates)"))
            latest[text] = slot.utc
        off_grid = [s for s in mine if s.at.minute % 5 or s.at.second]
        if off_grid:
            found.append(ctx.at("schedule", at, "warning",
                                f"{len(off_grid)} {label} posts are not on a five-minute step "
                                f"(like {off_grid[0].at:%H:%M:%S}); Hootsuite's bulk composer "
                                f"refuses them: use times such as 09:00 or 09:05 in "
                                f"{cadence!r}"))
    return found


# --- email clients (caniemail.com data) ----------------------------------------------------


@cache
def caniemail() -> dict[str, Any]:
    """Return the trimmed caniemail.com data shipped with the package (see tools/)."""
    data = resources.files("recap_mailer.checks").joinpath("data/caniemail.json")
    return json.loads(data.read_text(encoding="utf-8"))


#: Features used with a fallback every client gets, so not worth a reviewer's attention:
#: - css-at-media: MJML's responsive stacking; without media queries a client shows the
#:   600 px desktop layout (Outlook for Windows gets MJML's conditional tables).
#: - css-at-media-prefers-color-scheme: dark mode is an enhancement; other clients show the
#:   light theme, whose contrast this check also verifies.
#: - css-border-radius: square corners in Outlook for Windows; nothing is lost.
#: - css-opacity, css-overflow, css-max-height, css-height: MJML's hidden preview text and
#:   image sizing use them next to display:none and width/height attributes, which hide and
#:   size in every client.
ALLOWED_FEATURES = frozenset({
    "css-at-media", "css-at-media-prefers-color-scheme", "css-border-radius",
    "css-opacity", "css-overflow", "css-max-height", "css-height",
})

#: Declarations of MJML's own reset CSS. Each asks for what clients do anyway (the default
#: cursor, no outline on images, normal word spacing), so a client ignoring it loses nothing.
MJML_RESETS = frozenset({
    ("cursor", "auto"), ("outline", "none"), ("word-spacing", "normal"),
    ("word-break", "break-word"), ("border-spacing", "0"), ("border-spacing", "0px"),
})

_SIDE = re.compile(r"-(?:top|right|bottom|left|inline|block)(?=-|$)")
_ASPECT = re.compile(r"-(?:color|width|style)$")
_FUNCTIONS = {"linear-gradient(": "css-linear-gradient", "radial-gradient(": "css-radial-gradient",
              "var(": "css-variables", "calc(": "css-unit-calc", "clamp(": "css-function-clamp",
              "min(": "css-function-min", "max(": "css-function-max"}


def _property_features(name: str, value: str, important: bool) -> Iterator[str]:
    """Yield the caniemail slugs one declaration uses."""
    features = caniemail()["features"]
    name = name.strip().lower()
    if (name, value.strip().lower()) in MJML_RESETS:
        return
    for candidate in (name, _SIDE.sub("", name), _ASPECT.sub("", _SIDE.sub("", name))):
        if f"css-{candidate}" in features:
            yield f"css-{candidate}"
            break
    value = value.strip().lower()
    if name == "display" and value in ("flex", "grid", "none", "inline-flex", "inline-grid"):
        yield f"css-display-{value.removeprefix('inline-')}"
    for function, slug in _FUNCTIONS.items():
        if function in value:
            yield slug
    if important or "!important" in value:
        yield "css-important"


_DECLARATION = re.compile(r"([-a-zA-Z]+)\s*:\s*([^;]+)")
_PSEUDO = re.compile(r"(?<!:):([a-z-]+)")
_PSEUDO_ELEMENT = re.compile(r"::?(before|after|first-line|first-letter|marker|placeholder)\b")


def css_features(styles: Iterable[str], inline: Iterable[str]) -> dict[str, str]:
    """Return the caniemail slugs the CSS uses, each with an example of where."""
    used: dict[str, str] = {}
    for declarations in inline:
        for slug, example in _inline_features(declarations):
            used.setdefault(slug, example)
    for css in styles:
        for slug, example in _sheet_features(css):
            used.setdefault(slug, example)
    return used


@lru_cache(maxsize=1024)  # the same style attributes come back in every email and rebuild
def _inline_features(declarations: str) -> tuple[tuple[str, str], ...]:
    used: dict[str, str] = {}
    for name, value in _DECLARATION.findall(declarations):
        for slug in _property_features(name, value, False):
            used.setdefault(slug, f"{name}:{value.strip()}")
    return tuple(used.items())


@lru_cache(maxsize=64)
def _sheet_features(css: str) -> tuple[tuple[str, str], ...]:
    # Parsing CSS with cssutils is the slowest check; a theme's style blocks rarely change
    # between rebuilds, so each block is parsed once.
    parser = cssutils.CSSParser(validate=False, loglevel=logging.CRITICAL, fetcher=lambda u: None)
    used: dict[str, str] = {}
    _rules_features(parser.parseString(css).cssRules, used)
    return tuple(used.items())


def _rules_features(rules: Any, used: dict[str, str]) -> None:
    features = caniemail()["features"]
    for rule in rules:
        if rule.type == rule.MEDIA_RULE:
            used.setdefault("css-at-media", f"@media {rule.media.mediaText}")
            for query in ("prefers-color-scheme", "prefers-reduced-motion", "orientation",
                          "hover"):
                if query in rule.media.mediaText:
                    used.setdefault(f"css-at-media-{query}", f"@media {rule.media.mediaText}")
            _rules_features(rule.cssRules, used)
        elif rule.type == rule.STYLE_RULE:
            selector = rule.selectorText
            for element in _PSEUDO_ELEMENT.findall(selector):
                used.setdefault(f"css-pseudo-element-{element}", selector)
            for pseudo in _PSEUDO.findall(_PSEUDO_ELEMENT.sub("", selector)):
                if f"css-pseudo-class-{pseudo}" in features:
                    used.setdefault(f"css-pseudo-class-{pseudo}", selector)
            for prop in rule.style:
                for slug in _property_features(prop.name, prop.value, bool(prop.priority)):
                    used.setdefault(slug, f"{selector} {{ {prop.name}: {prop.value} }}")
        elif rule.type == rule.FONT_FACE_RULE:
            used.setdefault("css-at-font-face", "@font-face")
        elif rule.type == rule.IMPORT_RULE:
            used.setdefault("css-at-import", "@import")
        else:
            text = getattr(rule, "cssText", "")
            for at_rule in ("keyframes", "supports"):
                if f"@{at_rule}" in text or f"@-webkit-{at_rule}" in text:
                    used.setdefault(f"css-at-{at_rule}", f"@{at_rule}")


def check_clients(ctx: _Context) -> list[Finding]:
    """One finding per CSS feature the email uses that a major client does not support."""
    data = caniemail()
    clients = data["clients"]
    found = []
    used = css_features(ctx.email.styles, ctx.email.inline_styles)
    for slug in sorted(used):
        if slug in ALLOWED_FEATURES:
            continue
        support = data["features"][slug]["support"]
        missing = [clients[c] for c, v in sorted(support.items()) if v.startswith("n")]
        if not missing:
            continue  # partial support only: the notes are edge cases, not worth a warning
        partial = [clients[c] for c, v in sorted(support.items()) if v.startswith("a")]
        also = f"; partly in {', '.join(partial)}" if partial else ""
        title = data["features"][slug]["title"]
        found.append(_output("clients", HTML_FILE, "warning",
                             f"{title} ({used[slug][:60]}) is not supported in "
                             f"{', '.join(missing)}{also} (caniemail: {slug})"))
    return found


# --- running and reporting -----------------------------------------------------------------


def _context(build: Build, source: Source) -> _Context:
    text = build.files.get(TEXT_FILE, b"").decode("utf-8")
    return _Context(build, source, read_email(build.email.html), text)


@lru_cache(maxsize=2)
def read_email(html: str) -> _EmailReader:
    """Read the email once for every check (and for prepare_checks, ahead of them)."""
    return _EmailReader(html)


def prepare_checks(html: str) -> None:
    """Do what the checks of this email need before its cards are drawn: read it, its CSS."""
    # Called while a helper process draws the cards, so that less is left once they come.
    reader = read_email(html)
    css_features(reader.styles, reader.inline_styles)


GROUPS: tuple[tuple[str, Callable[[_Context], list[Finding]]], ...] = (
    ("size", check_size),
    ("accessibility", check_accessibility),
    ("preheader", check_preheader),
    ("compliance", check_compliance),
    ("links", check_links),
    ("quotes", check_quotes),
    ("posts", check_posts),
    ("schedule", check_schedule),
    ("clients", check_clients),
)


def run_checks(build: Build, source: Source) -> tuple[Finding, ...]:
    """Run every check group over a build; return the findings, group by group."""
    ctx = _context(build, source)
    return tuple(finding for _, check in GROUPS for finding in check(ctx))


def all_findings(warnings: Iterable[Diagnostic],
                 findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return the source's advisories and the checks' findings, in report order."""
    return in_order([Finding("source", w) for w in warnings] + list(findings))


def in_order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return findings group by group, keeping their order within a group."""
    order = {name: i for i, name in enumerate(CHECKS)}
    return tuple(sorted(findings, key=lambda f: order[f.check]))


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Return how many errors and warnings."""
    listed = list(findings)
    return {"errors": sum(f.severity == "error" for f in listed),
            "warnings": sum(f.severity == "warning" for f in listed)}


def strictly(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return the findings with every warning made an error (``--strict``)."""
    return tuple(Finding(f.check, Diagnostic(f.diagnostic.path, f.diagnostic.line,
                                             f.diagnostic.col, "error", f.message))
                 for f in findings)


def report_json(slug: str, findings: Iterable[Finding]) -> str:
    """Return report.json: stable, one object with the campaign, counts and findings."""
    listed = list(findings)
    data = {"campaign": slug, "counts": counts(listed),
            "findings": [f.as_json() for f in listed]}
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def report_text(findings: Iterable[Finding]) -> str:
    """Return the human report: a heading per check group with its counts, then its findings."""
    listed = list(findings)
    lines = []
    for name, what in CHECKS.items():
        mine = [f for f in listed if f.check == name]
        c = counts(mine)
        if not mine:
            status = "ok"
        else:
            parts = [_plural(c["errors"], "error")] if c["errors"] else []
            parts += [_plural(c["warnings"], "warning")] if c["warnings"] else []
            status = ", ".join(parts)
        lines.append(f"{name} ({what}): {status}")
        lines += [f"  {f.diagnostic.format()}" for f in mine]
    return "\n".join(lines) + "\n"
