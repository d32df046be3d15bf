"""The preheader and compliance checks: the inbox preview line, the unsubscribe link and the
postal address."""

from __future__ import annotations

import re

from recap_mailer.checks.context import Context
from recap_mailer.checks.findings import HTML_FILE, TEXT_FILE, Finding, in_output
from recap_mailer.checks.reading import collapse_space

#: What inboxes show of a preheader, in characters.
PREHEADER_RANGE = (50, 140)


def _comparable(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def check_preheader(ctx: Context) -> list[Finding]:
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
        found.append(in_output("preheader", HTML_FILE, "warning",
                             "the email's hidden preview text is not email.preheader"))
    return found


def check_compliance(ctx: Context) -> list[Finding]:
    """The unsubscribe link (or merge tag) and the postal address, in the HTML and the text."""
    email = ctx.campaign.email
    unsubscribe = email.unsubscribe_link
    address = collapse_space(email.postal_address)
    found = []
    if not any(link.href == unsubscribe for link in ctx.email.links):
        found.append(in_output("compliance", HTML_FILE, "error",
                             f"no unsubscribe link: the email must link to {unsubscribe}"))
    if unsubscribe not in ctx.text:
        found.append(in_output("compliance", TEXT_FILE, "error",
                             f"no unsubscribe link: the text must include {unsubscribe}"))
    if address not in ctx.email.text:
        found.append(in_output("compliance", HTML_FILE, "error",
                             "no postal address: the email must show email.postal_address"))
    if address not in collapse_space(ctx.text):
        found.append(in_output("compliance", TEXT_FILE, "error",
                             "no postal address: the text must show email.postal_address"))
    return found
