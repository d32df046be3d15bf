"""Text direction in the templates: filters that mark right-to-left campaign text.

The email's document reads left to right. A block that holds one piece of campaign text (a
quote, a title, a prose paragraph) takes that text's direction; a name or title inside one
of the template's own sentences ("— name, affiliation") is isolated in a span, so the
sentence around it keeps its order. The direction is worked out here rather than left to
``dir="auto"``: Outlook for Windows renders with Word, which knows only ltr and rtl, and
``<bdi>`` is dropped by Gmail, Outlook and Yahoo (caniemail: html-bdi), where ``dir`` on a
span or block is kept by all of them (html-dir; Outlook's one flaw is on links).
"""

from __future__ import annotations

import html
import re
from typing import Any

from markupsafe import Markup, escape

from recap_mailer.text_direction import direction, isolate

#: What a right-to-left block carries: its direction, and right alignment, since MJML's
#: mj-text aligns its div left with an inline style the block would otherwise inherit. The
#: align attribute rather than a style: Word knows it, and it never meets a style of the
#: template's own on the same element.
RTL_BLOCK = ' dir="rtl" align="right"'

_TAG = re.compile(r"<[^>]*>")
# The blocks sanitised prose is made of; none of them has attributes (see markdown.to_html).
_PROSE_BLOCK = re.compile(r"<(p|li)>(.*?)(?=</\1>|<(?:p|li|ul|ol|blockquote)>|$)", re.DOTALL)


def _text(value: Any) -> str:
    """Return the text a value shows: markup's tags dropped and its references decoded."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return html.unescape(_TAG.sub("", str(value)))
    return str(value)


def dir_attrs(value: Any) -> Markup:
    """Return the attributes for a block holding ``value``: right to left if it reads so."""
    return Markup(RTL_BLOCK) if direction(_text(value)) == "rtl" else Markup("")


def bidi(value: Any, within: Any = None) -> Markup:
    """Return ``value`` escaped, in a span of its own direction if it differs from around it.

    ``within`` is the text of the block around it (its direction decides); by default the
    document's, left to right.
    """
    own = direction(_text(value))
    around = direction(_text(within)) or "ltr"
    if own is None or own == around:
        return escape(value)
    return Markup('<span dir="{}">{}</span>').format(own, value)


def mark_prose(prose_html: str) -> str:
    """Give each right-to-left paragraph and list item of sanitised prose its direction."""
    def mark(match: re.Match[str]) -> str:
        if direction(html.unescape(_TAG.sub("", match[2]))) != "rtl":
            return match[0]
        return f"<{match[1]}{RTL_BLOCK}>{match[2]}"

    return _PROSE_BLOCK.sub(mark, prose_html) if "<" in prose_html else prose_html


#: The filters every template has: ``dir_attrs`` and ``bidi`` for markup, ``isolate`` for text.
FILTERS = {"dir_attrs": dir_attrs, "bidi": bidi, "isolate": isolate}
