"""The links check: every link the campaign sends well formed, https: and tracked; with
``check --online``, also whether it answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from recap_mailer.checks.checked import Checked
from recap_mailer.checks.context import Context, needle
from recap_mailer.checks.findings import HTML_FILE, POSTS_FILE, TEXT_FILE, Finding
from recap_mailer.checks.reading import EmailReading, read_email
from recap_mailer.format.source import Source
from recap_mailer.links import link_problem

_TEXT_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"]+", re.IGNORECASE)


def web_links(checked: Checked, email: EmailReading) -> list[tuple[str, str]]:
    """Return every distinct link the campaign sends, with the first output it is in."""
    seen: dict[str, str] = {}
    for link in email.links:
        seen.setdefault(link.href, HTML_FILE)
    for match in _TEXT_URL.finditer(checked.text):
        seen.setdefault(match[0].rstrip(".,;:)]"), TEXT_FILE)
    for post in checked.posts:
        seen.setdefault(post.link, POSTS_FILE)
    return list(seen.items())


def check_links(ctx: Context) -> list[Finding]:
    """Every link well formed, https:, with UTM parameters (the unsubscribe link aside)."""
    found = []
    quoted = [quote.text for quote in ctx.campaign.quotes]
    for url, output in web_links(ctx.checked, ctx.email):
        if url == ctx.campaign.email.unsubscribe_link:
            continue  # an email service's merge tag, or the list's own opt-out address
        if any(url in words for words in quoted):
            continue  # a speaker's words, verbatim: not ours to tag
        problem = link_problem(url, named=True, tracked=True)
        if problem:
            found.append(ctx.where("links", needle(url), problem.severity, problem.message,
                                   output))
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


def check_links_online(checked: Checked, source: Source,
                       fetch: Fetch = fetch_status) -> list[Finding]:
    """Ask every distinct link whether it answers (``check --online`` only)."""
    ctx = Context(checked, source, read_email(checked.html))
    found = []
    for url, output in web_links(checked, ctx.email):
        if urlsplit(url).scheme not in ("https", "http"):
            continue
        status = fetch(url)
        if isinstance(status, int) and status < 400:
            continue
        said = f"answers {status}" if isinstance(status, int) else f"does not answer ({status})"
        found.append(ctx.where("links", needle(url), "warning", f"link {url} {said}", output))
    return found
