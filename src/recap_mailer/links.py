"""Web links: the one set of rules a link must meet, and the tracking parameters added to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from recap_mailer.errors import Severity
from recap_mailer.model import Utm

#: Schemes a link may use; everything else (javascript:, data:, http:, //host) is refused.
LINK_SCHEMES = ("https", "mailto")
#: The parameters every tracked link carries (utm_content is added per session, if at all).
TRACKING_KEYS = ("utm_source", "utm_medium", "utm_campaign")

#: One email address, as a mailto: link and the source's email fields take it.
EMAIL_ADDRESS = r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_UNSAFE = re.compile(r"[<>\"\\^`{|}]")


@dataclass(frozen=True)
class LinkProblem:
    """What is wrong with a link: an error (it must not be sent) or a warning (untracked)."""

    severity: Severity
    message: str


@lru_cache(maxsize=4096)  # validation, Markdown and the checks ask about the same links
def link_problem(url: str, schemes: tuple[str, ...] = LINK_SCHEMES, *, named: bool = False,
                 tracked: bool = False) -> LinkProblem | None:
    """Say what is wrong with a link, or None when it is a safe https: or mailto: address.

    ``named`` words the message about this link ("link <url> ...") rather than any link, for
    findings that do not point at where it was written; ``tracked`` also asks an https: link
    for its utm_* parameters, a warning when they are missing.
    """
    error = _unsafe(url, schemes)
    if error:
        anonymous, rule, got = error
        message = f"{_named(url)} {rule}" if named else f"{anonymous} {rule}{got}"
        return LinkProblem("error", message)
    if not tracked or urlsplit(url).scheme != "https":
        return None
    missing = [k for k in TRACKING_KEYS if k not in dict(parse_qsl(urlsplit(url).query))]
    if missing:
        subject = _named(url) if named else "a link"
        return LinkProblem("warning", f"{subject} has no {', '.join(missing)}: its clicks go "
                                      "untracked")
    return None


def _named(url: str) -> str:
    readable = url and url.isprintable() and not any(c.isspace() for c in url)
    return f"link {url}" if readable else f"link {url!r}"


def _unsafe(url: str, schemes: tuple[str, ...]) -> tuple[str, str, str] | None:
    """Return what to call the link, the rule it breaks and what of it to quote, if any."""
    if url != url.strip() or any(c.isspace() or not c.isprintable() for c in url):
        return "a link", "must not contain spaces or control characters", ""
    if _UNSAFE.search(url):
        return "a link", "must not contain < > \" \\ ^ ` { | } (percent-encode them)", ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        return "a link", "is malformed (a bracketed host or a port that cannot be read)", ""
    scheme = parts.scheme.lower()
    if scheme not in schemes or parts.scheme != scheme:
        wanted = " or ".join(f"{s}:" for s in schemes)
        return "a link", f"must start with {wanted}", f" (got {url[:40]!r})"
    if scheme == "https":
        host = parts.hostname or ""
        if not _HOST.fullmatch(host) or "." not in host:
            return "a link", "needs a host name after https://", f" (got {url[:60]!r})"
        if parts.username or parts.password:
            return "a link", "must not carry a user name or password", ""
    if scheme == "mailto" and not re.fullmatch(EMAIL_ADDRESS, parts.path):
        return "a mailto: link", "needs one email address", f" (got {url[:60]!r})"
    return None


# The email, its text and the posts ask for the same links every build. Typed: a Markup and
# a str of the same text are kept apart, so neither comes back as the other.
@lru_cache(maxsize=4096, typed=True)
def with_utm(url: str, utm: Utm, content: str | None = None, *, source: str | None = None,
             medium: str | None = None) -> str:
    """Return ``url`` with utm_* parameters added; mailto: links and merge tags are untouched."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in query}
    wanted = list(zip(TRACKING_KEYS, (source or utm.source, medium or utm.medium, utm.campaign),
                      strict=True))
    if content:
        wanted.append(("utm_content", content))
    # A link that already names its own utm_* keeps them: the author chose them.
    query += [(k, v) for k, v in wanted if k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))
