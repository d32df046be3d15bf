"""The reviewer's lint: what a careful reviewer checks in a built campaign before it goes out.

``run_checks`` reads what a build made (``Checked``: the email, its text twin, posts, slots
and cards, all in memory) and the source it came from, and returns findings, each in a check
group. Every group is one small pure function in its own module (size, accessibility, email
for the preheader and compliance, links, quotes, posts, schedule, clients); none touches the
network (``check_links_online`` is separate, and only ``recap-mailer check --online`` calls
it). Findings and their reports are in ``findings``, which imports nothing heavy, so the build
imports this package at its top; the checks themselves (lxml, cssutils, the card fonts) load
when a build first runs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recap_mailer.checks.checked import Checked
from recap_mailer.checks.findings import (
    CHECKS,
    Finding,
    all_findings,
    counts,
    in_order,
    report_json,
    report_text,
    strictly,
)

if TYPE_CHECKING:
    from recap_mailer.checks.links import Fetch
    from recap_mailer.checks.reading import EmailReading
    from recap_mailer.format.source import Source


def prepare_checks(html: str) -> EmailReading:
    """Read the email for the checks ahead of them (while the cards are still drawn)."""
    from recap_mailer.checks.run import prepare_email

    return prepare_email(html)


def run_checks(checked: Checked, source: Source,
               email: EmailReading | None = None) -> tuple[Finding, ...]:
    """Run every check group over a build; return the findings, group by group."""
    from recap_mailer.checks.run import run_all

    return run_all(checked, source, email)


def check_links_online(checked: Checked, source: Source,
                       fetch: Fetch | None = None) -> list[Finding]:
    """Ask every distinct link whether it answers (``check --online`` only)."""
    from recap_mailer.checks import links

    return links.check_links_online(checked, source, fetch or links.fetch_status)


__all__ = [
    "CHECKS",
    "Checked",
    "Finding",
    "all_findings",
    "check_links_online",
    "counts",
    "in_order",
    "prepare_checks",
    "report_json",
    "report_text",
    "run_checks",
    "strictly",
]
