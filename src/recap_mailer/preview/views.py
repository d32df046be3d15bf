"""The email as each kind of client shows it, for the review page's frames, and its links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from markupsafe import Markup, escape

from recap_mailer.checks.findings import Finding
from recap_mailer.checks.reading import Link
from recap_mailer.checks.size import GMAIL_CLIP_BYTES
from recap_mailer.errors import Diagnostic
from recap_mailer.format.source import Source
from recap_mailer.model import Campaign

_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_DARK_QUERY = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)")
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)
_IMG_SRC = re.compile(r"(<img\b[^>]*?\s)(src|srcset)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)",
                      re.IGNORECASE)
#: Gmail on iOS and Outlook for Windows invert the whole message, photos aside: the page's
#: emulation, as close as CSS comes (the email cannot opt out of the real one either).
_INVERSION = ("<style>html{filter:invert(1) hue-rotate(180deg);background:#fff}"
              "img,picture,video{filter:invert(1) hue-rotate(180deg)}</style>")


def framed(html: str) -> str:
    """Return the email as a preview frame shows it: its links open in a new tab.

    A link that opened inside the frame would be refused by the page's frame policy and leave
    an error page where the email was; email clients open links outside the message anyway.
    """
    head = _HEAD.search(html)
    at = head.end() if head else 0
    return f'{html[:at]}<base target="_blank">{html[at:]}'


def force_dark(html: str) -> str:
    """Return the email as a dark-mode client shows it: its dark rules on, unconditionally."""
    return _DARK_QUERY.sub("@media all", html)


def forced_inversion(html: str) -> str:
    """Return the email as Gmail on iOS and Outlook for Windows show it in dark mode."""
    end = _HEAD_END.search(html)
    at = end.start() if end else 0
    return f"{html[:at]}{_INVERSION}{html[at:]}"


def images_off(html: str) -> str:
    """Return the email as a client that blocks images shows it: each image its alt text."""
    # An image that cannot load shows its alt text in its box, as blocked images do.
    return _IMG_SRC.sub(lambda m: f'{m[1]}{m[2]}="data:,"', html)


def styles_stripped(html: str) -> str:
    """Return the email as Gmail shows it to accounts not of Google: no <style>, inline only."""
    return _STYLE.sub("", html)


@dataclass(frozen=True)
class SourceView:
    """A source as the review page shows it: each line numbered, with an anchor of its own."""

    name: str
    id: str
    lines: Markup  # one <span class="ln" id="{prefix}-L{n}"> a line, each escaped
    count: int


def source_view(name: str, id: str, prefix: str, text: str) -> SourceView:
    """Return ``text`` as numbered lines (built here: a template loop is slow on 1,500)."""
    lines = text.splitlines()
    body = "".join(f'<span class="ln" id="{prefix}-L{n}">{escape(line)}</span>\n'
                   for n, line in enumerate(lines, 1))
    return SourceView(name, id, Markup(body), len(lines))


@dataclass(frozen=True)
class LinkRow:
    """One link of the email as the review page lists it."""

    text: str
    href: str
    address: str  # the link without its query: where it goes
    utm: tuple[tuple[str, str], ...]
    session: str | None  # the session (or quote) its utm_content names
    findings: tuple[str, ...]


def link_rows(links: tuple[Link, ...], campaign: Campaign,
              diagnostics: tuple[Diagnostic, ...]) -> tuple[LinkRow, ...]:
    """Return every link of the email in order, with its tracking and what the checks say."""
    names = {s.id: s.title for s in campaign.sessions}
    names.update({q.id: f"quote by {q.speaker.display_name}" for q in campaign.quotes})
    rows = []
    for link in links:
        parts = urlsplit(link.href)
        query = parse_qsl(parts.query, keep_blank_values=True)
        utm = tuple((k, v) for k, v in query if k.startswith("utm_"))
        content = dict(utm).get("utm_content")
        address = parts._replace(query="", fragment="").geturl() if parts.scheme else link.href
        rows.append(LinkRow(
            text=link.text or (f"image: {link.image_alt}" if link.image_alt else ""),
            href=link.href, address=address, utm=utm,
            session=names.get(content or "", content),
            findings=tuple(d.format() for d in diagnostics if link.href in d.message)))
    return tuple(rows)


_BLOCK_START = re.compile(r"<(?:div|table|p|h[1-6])\b", re.IGNORECASE)
_HIDDEN = re.compile(r"<!--.*?(?:-->|$)|<style\b.*?(?:</style\s*>|$)", re.IGNORECASE | re.DOTALL)
_CLIP_MARK = ('<div id="gmail-clip" style="border-top:3px dashed #cf222e;color:#cf222e;'
              'font:bold 13px/1.4 sans-serif;padding:4px 8px;background:#fff">Gmail clips here: '
              "what follows is behind \u201cView entire message\u201d</div>")


def clip_marked(html: str) -> str:
    """Return the email with a line where Gmail clips it, if it is long enough to be clipped."""
    data = html.encode("utf-8")
    if len(data) <= GMAIL_CLIP_BYTES:
        return html
    cut = len(data[:GMAIL_CLIP_BYTES].decode("utf-8", "ignore"))
    # At the block the clip falls in, where a line of its own can stand: not one inside a
    # comment (Outlook's conditional markup) or a style block, where it would never show.
    hidden = [m.span() for m in _HIDDEN.finditer(html, 0, cut)]
    starts = [m.start() for m in _BLOCK_START.finditer(html, 0, cut)
              if not any(a <= m.start() < b for a, b in hidden)]
    at = starts[-1] if starts else cut
    return f"{html[:at]}{_CLIP_MARK}{html[at:]}"


@dataclass(frozen=True)
class FindingRow:
    """One finding as the review page lists it, with where it is about."""

    severity: str
    check: str
    text: str
    href: str | None  # the place on the page: a post, a line of a source, the plain text
    session: str | None  # the title of the session it is about, to find in the email


_POST = re.compile(r"\bpost (\S+?)[:, ]")


def _session_lines(source: Source, campaign: Campaign,
                   ) -> tuple[tuple[tuple[int, str], ...], int]:
    """Return the line each session starts on in the source, and the line past the last."""
    starts = tuple(sorted((source.mark(("sessions", i))[0], s.title)
                          for i, s in enumerate(campaign.sessions)))
    top = sorted(line for at, (line, _) in source.key_marks.items() if len(at) == 1)
    first = source.mark(("sessions",), key=True)[0]
    return starts, next((line for line in top if line > first), 1 << 30)


def finding_rows(findings: tuple[Finding, ...], source: Source | None, campaign: Campaign,
                 post_ids: frozenset[str] = frozenset()) -> tuple[FindingRow, ...]:
    """Return the findings with the place each is about."""
    sessions = _session_lines(source, campaign) if source else ((), 0)
    rows = []
    for finding in findings:
        d = finding.diagnostic
        post = _POST.search(d.message)
        href = session = None
        if post and post[1] in post_ids:
            href = f"#post-{post[1]}"
        elif source and d.path == source.path and d.line:
            href = f"#recap-L{d.line}"
            starts, end = sessions
            inside = [title for line, title in starts if line <= d.line < end]
            session = inside[-1] if inside else None
        elif d.path == "email.html" and d.line:
            href = f"#html-L{d.line}"
        elif d.path == "email.txt":
            href = "#text"
        rows.append(FindingRow(d.severity, finding.check, finding.format(), href, session))
    return tuple(rows)
