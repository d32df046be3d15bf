"""What an inbox shows of the email before it is opened: the preheader, and nothing after it."""

from __future__ import annotations

import re

#: About how many characters of an email an inbox shows as its snippet (Gmail's web list shows
#: up to about 200): the preheader is padded to this so the body's first words never follow it.
SNIPPET_CHARS = 250
#: Invisible filler: a combining grapheme joiner, a zero-width non-joiner and a no-break
#: space, the run React Email and most ESP templates use (each counts as a character, shows
#: as nothing, and is not collapsed as white space is).
PREHEADER_FILLER = "\u034f\u200c\u00a0"


def preheader_filler(preheader: str) -> str:
    """Return the invisible filler that brings the preheader to ``SNIPPET_CHARS`` characters."""
    return PREHEADER_FILLER * max(0, -(-(SNIPPET_CHARS - len(preheader)) // 3))


def inbox_snippet(html: str, limit: int = SNIPPET_CHARS) -> str:
    """Return what an inbox shows of the email under its subject: its first visible words."""
    import lxml.html

    body = lxml.html.document_fromstring(html).body
    for hidden in list(body.iter("style", "script", "title")):
        hidden.drop_tree()
    text = re.sub(r"[ \t\r\n]+", " ", body.text_content()).strip()[:limit]
    return re.sub(r"[\s\u034f\u200c]+", " ", text).strip()
