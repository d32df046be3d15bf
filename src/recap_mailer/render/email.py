"""Campaign -> MJML (Jinja) -> HTML (mjml-python) -> inlined CSS (premailer), all in memory."""

from __future__ import annotations

import html as htmllib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Any

import cssutils
import jinja2
import mjml
from premailer import Premailer

from recap_mailer.errors import Diagnostic, SourceError
from recap_mailer.links import with_utm
from recap_mailer.model import Campaign, Session
from recap_mailer.render import markdown
from recap_mailer.render.direction import mark_prose
from recap_mailer.render.inbox import preheader_filler
from recap_mailer.render.templating import markup, render_template, shown_path

EMAIL_TEMPLATE = "email.mjml"

#: Deeper markup than this is refused before the MJML engine sees it (deep nesting segfaults it,
#: and lxml in premailer silently drops content past about 256 levels).
MAX_NESTING = 100

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^>]*?(/?)>")
_VOID = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "source", "wbr",
         "mj-breakpoint", "mj-all", "mj-class", "mj-image", "mj-spacer", "mj-divider"}
_POSITION = re.compile(r"at position (\d+):(\d+)")


class _FetchBlocked(Exception):
    """Raised when premailer tries to load a stylesheet (not a ValueError: cssutils hides those)."""


@lru_cache(maxsize=8)
def _parse_sheet(css_body: str, validate: bool) -> Any:
    """Parse a style sheet once per text, with a fetcher that fetches nothing."""
    # premailer's own parse uses cssutils' default fetcher, which follows @import to http: and
    # file: URLs even with allow_network=False. Sharing one parsed sheet between transforms is
    # what premailer's own cache does: it reads the sheet, and the one change it makes (marking
    # @media declarations !important) gives the same sheet when made again.
    return cssutils.CSSParser(fetcher=lambda url: None, validate=validate).parseString(css_body)


class _OfflinePremailer(Premailer):  # type: ignore[misc]
    """Premailer that can neither fetch nor read anything: no <link>, no CSS @import.

    This is the one seam between recap-mailer and premailer's loading: premailer fetches
    only through ``_load_external`` (which calls ``_load_external_url`` for http(s)), both
    overridden here to refuse, besides its own ``allow_network=False``. premailer still
    imports ``requests``; it is never called. Pinned to the premailer range verified.
    """

    def _parse_css_string(self, css_body: str, validate: bool = True) -> Any:
        return _parse_sheet(css_body, validate)

    def _parse_style_rules(self, css_body: str, ruleset_index: int) -> tuple[list[Any], list[Any]]:
        # Turning a sheet into rules serialises every declaration through cssutils, a third
        # of an inlining; the same sheet at the same place gives the same rules (every
        # transform here has the same options), so they are made once per text.
        rules, leftover = _style_rules(css_body, ruleset_index)
        return list(rules), list(leftover)

    def _parse_uncached(self, css_body: str, ruleset_index: int) -> tuple[list[Any], list[Any]]:
        return super()._parse_style_rules(css_body, ruleset_index)  # type: ignore[no-any-return]

    def _load_external(self, url: str) -> str:
        raise _FetchBlocked(f"external stylesheet refused: {url}")

    def _load_external_url(self, url: str) -> str:
        raise _FetchBlocked(f"external stylesheet refused: {url}")


#: premailer's options for every inlining: offline, keeping <style> (media queries, dark mode).
_OPTIONS: dict[str, Any] = {
    "allow_network": False,
    "allow_loading_external_files": False,
    "keep_style_tags": True,
    "strip_important": False,
    "remove_classes": False,
    "disable_link_rewrites": True,
    "disable_validation": True,
    "cache_css_parsing": False,
    "cssutils_logging_level": logging.CRITICAL,
}


@lru_cache(maxsize=16)
def _style_rules(css_body: str, ruleset_index: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Return premailer's (rules, leftover) for one sheet, with inline_css's options."""
    rules, leftover = _OfflinePremailer("", **_OPTIONS)._parse_uncached(css_body, ruleset_index)
    return tuple(rules), tuple(leftover)


#: The largest HTML we aim for: under Gmail's ~102 KB clip, with room for the longer links an
#: email service's click tracking writes in.
EMAIL_BUDGET_BYTES = 92 * 1024


@dataclass(frozen=True)
class Layout:
    """How much of each session the email shows: a full card, one line, or only on the web."""

    compact: frozenset[str] = frozenset()
    omitted: tuple[Session, ...] = ()

    def runs(self, sessions: tuple[Session, ...]) -> list[tuple[bool, tuple[Session, ...]]]:
        """Group a block's sessions into runs of full cards and runs of compact lines."""
        return [(compact, tuple(run))
                for compact, run in groupby(sessions, key=lambda s: s.id in self.compact)]


FULL = Layout()


@dataclass(frozen=True)
class RenderedEmail:
    """The email at each stage: the MJML source and the final inlined HTML."""

    mjml: str
    html: str
    layout: Layout = FULL

    @property
    def size(self) -> int:
        """Return the size of the HTML in bytes, as Gmail counts it for clipping."""
        return len(self.html.encode("utf-8"))


def email_context(campaign: Campaign, layout: Layout = FULL) -> dict[str, Any]:
    """Return what the email templates see."""
    utm = campaign.email.utm

    def track(url: str, content: str | None = None) -> str:
        return with_utm(url, utm, content)

    def prose(text: str, content: str | None = None) -> Any:
        html = markdown.to_html(text, lambda href: with_utm(href, utm, content))
        return markup(mark_prose(html))

    omitted = {s.id for s in layout.omitted}
    shown = (s for s in campaign.sessions if s.id not in omitted)
    blocks = [(block, tuple(sessions)) for block, sessions in groupby(shown, key=lambda s: s.block)]
    return {
        "campaign": campaign,
        "email": campaign.email,
        "event": campaign.event,
        "theme": campaign.theme,
        "blocks": blocks,
        "preheader_filler": preheader_filler(campaign.email.preheader),
        "featured_quotes": campaign.featured_quotes,
        "session_quotes": _session_quotes(campaign),
        "track": track,
        "prose": prose,
        "long_date": long_date(campaign),
        "layout": layout,
    }


def long_date(campaign: Campaign) -> str:
    """Return 'Thursday 14 September 2023', independent of the machine's locale."""
    d = campaign.event.date
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _session_quotes(campaign: Campaign) -> dict[str, tuple[Any, ...]]:
    """Return the quotes each session card shows: those not already featured at the top."""
    return {s.id: tuple(q for q in campaign.quotes_for(s) if not q.featured)
            for s in campaign.sessions}


def render_mjml(campaign: Campaign, env: jinja2.Environment, layout: Layout = FULL) -> str:
    """Render the MJML source of the email."""
    return render_template(env, EMAIL_TEMPLATE, **email_context(campaign, layout))


def compile_mjml(source: str, template: str = EMAIL_TEMPLATE) -> str:
    """Compile MJML to HTML with the MRML engine; engine failures become diagnostics."""
    _check_nesting(source, template)
    try:
        html = mjml.mjml2html(source, fonts={}, disable_comments=False)
    except ValueError as exc:
        raise SourceError([_engine_diagnostic(source, template, str(exc))]) from None
    except BaseException as exc:  # PanicException derives from BaseException, not Exception.
        if type(exc).__name__ != "PanicException":
            raise
        raise SourceError([Diagnostic(template, 0, 0, "error",
                                      f"MJML engine failed: {exc}")]) from None
    _check_offline(html, template)
    return _MRML_VERTICAL_ALIGN.sub("", html)


# MRML writes mj-button's `vertical-align` as an HTML attribute of its cell, which HTML does
# not have (the cell's valign and style already carry it); test_email tells when it stops.
_MRML_VERTICAL_ALIGN = re.compile(r' vertical-align="[a-z]*"(?=[^<>]*>)')


#: Attributes whose address a client loads (or follows) as soon as the email is shown.
_LOADING_ATTRIBUTES = ("src", "href", "background", "poster", "data", "action", "formaction")
_REFUSED_SCHEMES = {"file": "a file: address", "http": "an insecure http: address"}
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*[\"']?\s*([^\"')\s]*)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
# What any refused address or sheet must contain, as written or once inlining decodes it.
_MAY_LOAD = re.compile(r"file:|http:|<link|@import|\\", re.IGNORECASE)
_XHTML_NAMESPACE = 'xmlns="http://www.w3.org/1999/xhtml"'  # MRML's, on <html>: loads nothing


def _check_offline(html: str, template: str) -> None:
    """Refuse compiled HTML that would fetch a stylesheet or read a local file when shown.

    Only what the email loads is read: elements' addresses, <style> sheets and style
    attributes. Text is never looked at: prose may say "@import" or "src=http:".
    """
    if not _MAY_LOAD.search(html.replace(_XHTML_NAMESPACE, "")):
        return  # no refused scheme, <link>, @import or CSS escape anywhere: nothing to read
    import lxml.html

    found: set[str] = set()
    document = lxml.html.document_fromstring(html)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions load nothing
        if element.tag == "link":
            found.add("a <link> element (external stylesheets are not allowed)")
        addresses = [element.get(name, "") for name in _LOADING_ATTRIBUTES]
        addresses += [part.split()[0] for part in element.get("srcset", "").split(",")
                      if part.split()]
        css = [element.get("style", "")] + ([element.text or ""] if element.tag == "style" else [])
        for sheet in css:
            sheet = _CSS_COMMENT.sub("", _CSS_ESCAPE.sub(_unescape_css, sheet))
            if _CSS_IMPORT.search(sheet):
                found.add("a CSS @import (external stylesheets are not allowed)")
            addresses += _CSS_URL.findall(sheet)
        for address in addresses:
            scheme = address.strip().split(":", 1)[0].lower() if ":" in address else ""
            if scheme in _REFUSED_SCHEMES:  # the address itself, to search the templates for
                found.add(f"{_REFUSED_SCHEMES[scheme]} ({_shown(address.strip())})")
    if found:
        raise SourceError([Diagnostic(template, 0, 0, "error", f"the email contains {what}")
                           for what in sorted(found)])


def _shown(address: str) -> str:
    """Show an address in a message: printable, and at most 80 characters."""
    printable = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in address)
    return printable if len(printable) <= 80 else printable[:79] + "…"


def _unescape_css(match: re.Match[str]) -> str:
    """Decode one CSS escape (\\40 or \\@), as a browser reads the sheet."""
    if match[1]:
        code = int(match[1], 16)
        return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
    return match[2]


def _engine_diagnostic(source: str, template: str, message: str) -> Diagnostic:
    """Turn MRML's byte offsets into a line and column of the rendered MJML."""
    match = _POSITION.search(message)
    if not match:
        return Diagnostic(template, 0, 0, "error", f"MJML: {message}")
    offset = int(match[1])
    before = source.encode("utf-8")[:offset].decode("utf-8", "replace")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    snippet = source.splitlines()[line - 1].strip()[:80] if source else ""
    return Diagnostic(template, 0, 0, "error",
                      f"MJML: {message} (rendered line {line}, column {col}: {snippet})")


def _check_nesting(source: str, template: str) -> None:
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(source):
        if self_closing or name.lower() in _VOID:
            continue
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            raise SourceError([Diagnostic(template, 0, 0, "error",
                                          f"markup is nested more than {MAX_NESTING} levels deep; "
                                          "refusing to render it")])


_SPACED_TAG = re.compile(r"\{\{(?:%20)+(\w+)(?:%20)+\}\}")
_INLINE_STYLE = re.compile(r' style="[^"]*"')
_STYLE_OPEN = re.compile(r"<style\b([^>]*)>(.*?)</style>", re.DOTALL | re.IGNORECASE)

#: The comment that marks the template's style block to inline into elements.
INLINE_MARKER = "/* inline */"


def _mark_styles(html: str) -> str:
    """Let premailer inline only the template's marked block, not MRML's reset CSS.

    MRML's reset (``table, td { border-collapse ... }``) inlined into every cell costs about
    a fifth of the email's size and is already in <style> for the clients that read it.
    """
    def mark(match: re.Match[str]) -> str:
        attrs, body = match[1], match[2]
        if INLINE_MARKER in body:
            return f"<style{attrs}>{body.replace(INLINE_MARKER, '')}</style>"
        return f'<style{attrs} data-premailer="ignore">{body}</style>'

    return _STYLE_OPEN.sub(mark, html)


def inline_css(html: str) -> str:
    """Inline CSS with premailer, offline; keep the doctype, media queries and merge tags."""
    html = re.sub(r"^<!doctype html>", "<!DOCTYPE html>", _mark_styles(html), flags=re.IGNORECASE)
    inlined = _OfflinePremailer(html, **_OPTIONS).transform(pretty_print=False)
    if not inlined.lstrip().lower().startswith("<!doctype"):
        inlined = "<!DOCTYPE html>\n" + inlined
    # lxml writes the spaces of a merge tag such as {{ UnsubscribeURL }} as %20.
    inlined = _SPACED_TAG.sub(r"{{ \1 }}", inlined)
    # premailer separates declarations with "; "; every byte counts against Gmail's clip.
    return _INLINE_STYLE.sub(lambda m: m[0].replace("; ", ";"), inlined)


def render_email(campaign: Campaign, env: jinja2.Environment,
                 budget: int = EMAIL_BUDGET_BYTES) -> RenderedEmail:
    """Render the email; past the budget, summarise sessions rather than grow without bound.

    Featured sessions always keep their full card. The others become one line each (keeping
    their quotes), and if even that is too long, the last of them are left to the web recap,
    with a line saying so: sessions without quotes before those with quotes.
    """
    # Sessions left to the web go from the end of this list: those without quotes first.
    quoted = {q.session.id for q in campaign.quotes if not q.featured}
    compactable = sorted((s for s in campaign.sessions if not s.featured),
                         key=lambda s: s.id not in quoted)
    source = render_mjml(campaign, env, FULL)
    # MRML's HTML is twice its MJML or more (2.3x for the sample): an MJML source twice the
    # budget is not compiled just to be measured (for 1000 sessions: 20 MB and a second).
    if not compactable or not _surely_over(source, 2 * budget):
        template = shown_path(env.get_template(EMAIL_TEMPLATE).filename or EMAIL_TEMPLATE)
        compiled = compile_mjml(source, template)
        if not compactable or not _surely_over(compiled, budget):
            full = RenderedEmail(mjml=source, html=_inlined(compiled, template), layout=FULL)
            if full.size <= budget or not compactable:
                return full
    compact = frozenset(s.id for s in compactable)
    summary = _render(campaign, env, Layout(compact))
    if summary.size <= budget:
        return summary
    # Estimate how many one-line sessions fit from the cost of one, then step down to fit.
    bare = _render(campaign, env, Layout(compact, tuple(compactable)))
    per_line = max(1, (summary.size - bare.size) // len(compactable))
    keep = max(0, min(len(compactable) - 1, (budget - bare.size) // per_line))
    while True:
        layout = Layout(compact, tuple(compactable[keep:]))
        rendered = bare if keep == 0 else _render(campaign, env, layout)
        if rendered.size <= budget or keep == 0:
            return rendered
        keep = max(0, keep - max(1, (rendered.size - budget) // per_line + 1))


def _render(campaign: Campaign, env: jinja2.Environment, layout: Layout) -> RenderedEmail:
    source, compiled, template = _compiled(campaign, env, layout)
    return RenderedEmail(mjml=source, html=_inlined(compiled, template), layout=layout)


def _compiled(campaign: Campaign, env: jinja2.Environment,
              layout: Layout) -> tuple[str, str, str]:
    """Return the email's MJML, the HTML MRML makes of it (not inlined), and its template."""
    source = render_mjml(campaign, env, layout)
    template = shown_path(env.get_template(EMAIL_TEMPLATE).filename or EMAIL_TEMPLATE)
    return source, compile_mjml(source, template), template


def _inlined(compiled: str, template: str) -> str:
    """Inline the compiled email's CSS and check the result is still offline."""
    # Inlining decodes character references: src="&#102;ile:..." comes out as file:.
    html = inline_css(compiled)
    _check_offline(html, template)
    return html


def _surely_over(compiled: str, budget: int) -> bool:
    """Say whether the compiled email cannot come under ``budget`` bytes once inlined."""
    # Inlining adds style attributes (4-13% on the test campaigns) but writes character
    # references as characters (&#847; in 2 bytes, not 6). An email past the budget by a
    # tenth with every reference decoded is not inlined just to be measured: for hundreds of
    # sessions in full that was most of a build's time and memory.
    if len(compiled) <= budget:
        return False
    return len(htmllib.unescape(compiled).encode("utf-8")) > budget * 1.1
