"""Send a [TEST] copy of a campaign's email: from its source, or from a build already made."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from recap_mailer.errors import Diagnostic, RecapError, SourceError
from recap_mailer.send.settings import SmtpError, SmtpSettings, load_smtp_settings

if TYPE_CHECKING:
    from recap_mailer.build import Build
    from recap_mailer.model import Campaign

NO_RECIPIENTS = "no recipients: pass --to ADDRESS or set email.test_recipients"


class NoRecipientsError(SmtpError):
    """Neither the caller nor the campaign named anyone to send the test to."""


@dataclass(frozen=True)
class SentTest:
    """What a test send delivered: to whom, how big, through which server."""

    slug: str
    recipients: tuple[str, ...]
    size: int
    where: str
    #: The source's advisories, for the caller to show after the send.
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def summary(self) -> str:
        """Return the one line the CLI prints after a send."""
        return (f"sent a test of {self.slug} ({self.size / 1024:.1f} KB) "
                f"to {', '.join(self.recipients)} via {self.where}")


def send_test_copy(campaign_dir: Path, recipients: Sequence[str] = (), *,
                   environ: Mapping[str, str] | None = None) -> SentTest:
    """Render a campaign's message (only that) and send it, subject prefixed [TEST]."""
    from recap_mailer.build import load_campaign, render_mail

    # Settings first: a missing SMTP server is said before any source error.
    settings = load_smtp_settings(environ)
    loaded = load_campaign(campaign_dir)
    to = _recipients(loaded.campaign, recipients)
    email, text = render_mail(loaded)
    return _send(settings, loaded.campaign, text, email.html, to, loaded.warnings)


def send_built(build: Build, recipients: Sequence[str] = (), *,
               environ: Mapping[str, str] | None = None) -> SentTest:
    """Send the message of a build already made (the preview's last good one)."""
    settings = load_smtp_settings(environ)
    to = _recipients(build.campaign, recipients)
    text = build.files["email.txt"].decode("utf-8")
    return _send(settings, build.campaign, text, build.email.html, to, build.warnings)


def describe_failure(exc: RecapError) -> str:
    """Return a failure in one line, as the CLI words it."""
    if isinstance(exc, SourceError):
        return "; ".join(d.format() for d in exc.diagnostics)
    return f"error: {exc}"


def _recipients(campaign: Campaign, given: Sequence[str]) -> tuple[str, ...]:
    to = tuple(given) or campaign.email.test_recipients
    if not to:
        raise NoRecipientsError(NO_RECIPIENTS)
    return to


def _send(settings: SmtpSettings, campaign: Campaign, text: str, html: str,
          to: tuple[str, ...], warnings: tuple[Diagnostic, ...]) -> SentTest:
    from recap_mailer.render.message import TEST_PREFIX, build_message
    from recap_mailer.send.smtp import send_message

    message = build_message(campaign, text, html, recipients=to, subject_prefix=TEST_PREFIX)
    send_message(settings, campaign.email.sender.address, to, message)
    return SentTest(campaign.slug, to, len(message), settings.where, warnings)
