"""Tracking parameters on web links."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from recap_mailer.model import Utm


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
    wanted = [
        ("utm_source", source or utm.source),
        ("utm_medium", medium or utm.medium),
        ("utm_campaign", utm.campaign),
    ]
    if content:
        wanted.append(("utm_content", content))
    # A link that already names its own utm_* keeps them: the author chose them.
    query += [(k, v) for k, v in wanted if k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))
