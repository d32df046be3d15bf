"""The size check: Gmail clips a long email, hiding its footer and unsubscribe link."""

from __future__ import annotations

import re

from recap_mailer.checks.context import Context
from recap_mailer.checks.findings import Finding

#: Gmail clips a message whose HTML passes about 102 KB, hiding the footer and unsubscribe link.
GMAIL_CLIP_BYTES = 102 * 1024


def check_size(ctx: Context) -> list[Finding]:
    """Compare email.html with Gmail's clip, naming the session where the clip falls."""
    email = ctx.checked
    if email.size <= GMAIL_CLIP_BYTES:
        return []
    html = email.html
    cut = len(html.encode("utf-8")[:GMAIL_CLIP_BYTES].decode("utf-8", "ignore"))
    head = (f"email.html is {email.size:,} bytes ({email.size / 1024:.1f} KB); Gmail clips "
            f"messages over {GMAIL_CLIP_BYTES // 1024} KB and hides the rest, unsubscribe link "
            "included")
    shown = [(i, s) for i, s in enumerate(ctx.campaign.sessions) if s.id not in email.omitted]
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
