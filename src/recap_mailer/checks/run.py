"""Running every check group over one build."""

from __future__ import annotations

from collections.abc import Callable

from recap_mailer.checks.accessibility import check_accessibility
from recap_mailer.checks.checked import Checked
from recap_mailer.checks.clients import check_clients
from recap_mailer.checks.context import Context
from recap_mailer.checks.email import check_compliance, check_preheader
from recap_mailer.checks.findings import Finding
from recap_mailer.checks.links import check_links
from recap_mailer.checks.posts import check_posts
from recap_mailer.checks.quotes import check_quotes
from recap_mailer.checks.reading import EmailReading, read_email
from recap_mailer.checks.schedule import check_schedule
from recap_mailer.checks.size import check_size
from recap_mailer.format.source import Source

GROUPS: tuple[tuple[str, Callable[[Context], list[Finding]]], ...] = (
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


def prepare_email(html: str) -> EmailReading:
    """Read the email once for every check, before the rest of the build is ready."""
    return read_email(html)


def run_all(checked: Checked, source: Source, email: EmailReading | None = None) -> tuple[
        Finding, ...]:
    """Run every check group; return the findings, group by group."""
    ctx = Context(checked, source, email if email is not None else read_email(checked.html))
    return tuple(finding for _, check in GROUPS for finding in check(ctx))
