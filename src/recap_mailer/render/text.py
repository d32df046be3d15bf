"""Campaign -> plain text (Jinja, templates/email.txt): the HTML email's twin, same model."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from functools import lru_cache
from typing import Any

import jinja2

from recap_mailer.links import with_utm
from recap_mailer.model import Campaign
from recap_mailer.render import markdown
from recap_mailer.render.email import email_context
from recap_mailer.render.markdown import PlainProse
from recap_mailer.render.templating import render_template
from recap_mailer.text_direction import LRM, PDI, direction, isolate, open_isolates

TEXT_TEMPLATE = "email.txt"

#: Plain-text email lines stay within 72 columns, leaving room for "> " when quoted in a reply.
WIDTH = 72

# What a continued line repeats: indent, "> " quote marks, and room for a list or reference marker.
_PREFIX = re.compile(r"( *)((?:> ?)*)( *)((?:[-*•] |\d{1,3}[.)] |\[\d{1,3}\] )?)")
# A word: a run of non-spaces, where a merge tag such as {{ UnsubscribeURL }} counts as one
# piece, and a following " [n]" reference sticks to the word it marks.
_WORD = re.compile(r"(?:\{\{.*?\}\}|\S)+(?: \[\d+\](?=[\s.,;:!?)\u2069]|$)[.,;:!?)\u2069]*)?")
_BLANK_RUN = re.compile(r"\n{3,}")
_CLOSERS = frozenset(")]\"'”’»")
_ZWJ = "\u200d"


def render_text(campaign: Campaign, env: jinja2.Environment) -> str:
    """Render the plain-text email: same context as the HTML, prose as text, wrapped at 72."""
    utm = campaign.email.utm
    numbered = 0

    def prose(text: str, content: str | None = None) -> PlainProse:
        # References are numbered through the whole email in the order the template asks.
        nonlocal numbered
        result = markdown.to_text(text, lambda href: with_utm(href, utm, content), numbered + 1)
        numbered += len(result.links)
        return dataclasses.replace(result, text=isolate_paragraphs(result.text))

    context: dict[str, Any] = {**email_context(campaign), "prose": prose, "label": label,
                               "rule": rule}
    return tidy(render_template(env, TEXT_TEMPLATE, **context))


def isolate_paragraphs(text: str) -> str:
    """Isolate each right-to-left paragraph of plain prose, after its indent, "> " or marker."""
    lines = []
    for line in text.split("\n"):
        match = _PREFIX.match(line)
        assert match is not None  # every part of the pattern is optional
        lines.append(match[0] + isolate(line[match.end():]))
    return "\n".join(lines)


def label(text: str) -> str:
    """Return ``text`` ready to introduce what follows: a colon unless it ends in a mark (?, →)."""
    last = text[-1:]
    if last and (unicodedata.category(last)[0] in "LN" or last in _CLOSERS):
        return f"{text}:"
    return text


def rule(char: str = "-") -> str:
    """Return a full-width separator line."""
    return char * WIDTH


def tidy(text: str, width: int = WIDTH) -> str:
    """Wrap every line, strip trailing spaces, keep at most one blank line in a row."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        lines.extend(_wrapped(line, width))
    joined = _BLANK_RUN.sub("\n\n", "\n".join(lines))
    return joined.strip("\n") + "\n"


@lru_cache(maxsize=4096)  # an edit changes a paragraph or two; the others wrap as before
def _wrapped(line: str, width: int) -> tuple[str, ...]:
    return tuple(wrap(line, width))


def wrap(line: str, width: int = WIDTH) -> list[str]:
    """Wrap one line at ``width`` columns between words only, so a URL is never broken.

    A continued line repeats the first line's indent and "> " marks, and lines up under the
    text after a list marker. A single word longer than the width (a URL) gets a line of its own.
    """
    line = line.rstrip()
    match = _PREFIX.match(line)
    assert match is not None  # every part of the pattern is optional
    first = match[0]
    rest = match[1] + match[2] + match[3] + " " * display_width(match[4])
    words = _WORD.findall(line[match.end():])
    if not words:
        return [line]
    out: list[str] = []
    current, used = first + words[0], display_width(first + words[0])
    # An isolate broken over lines is closed at the end of each and opened again on the
    # next: each line is a paragraph of its own to the bidi algorithm.
    carry = any(ch in line for ch in "\u2066\u2067\u2068")
    opened = open_isolates(words[0]) if carry else ()
    for word in words[1:]:
        size = display_width(word)
        if used + 1 + size > width:
            out.append(current + PDI * len(opened))
            current, used = rest + "".join(opened) + word, display_width(rest) + size
        else:
            current, used = f"{current} {word}", used + 1 + size
        opened = open_isolates(word, opened) if carry else ()
    out.append(current)
    if len(out) > 1 and not line.isascii() and direction(line) == "ltr":
        # A left-to-right paragraph's line whose first letter reads right to left would read
        # right to left in a client that takes each line's direction from its first letter
        # (as dir="auto" does): a left-to-right mark, invisible, keeps it left to right.
        out[1:] = [f"{rest}{LRM}{part[len(rest):]}" if direction(part) == "rtl" else part
                   for part in out[1:]]
    return out


def display_width(text: str) -> int:
    """Return how many terminal columns ``text`` takes: wide East Asian characters take two."""
    if text.isascii():
        return len(text)  # one column a character: most words, every URL
    width = 0
    joined = False
    for char in text:
        # Combining marks, joiners and skin-tone modifiers add no column; nor does an emoji
        # joined to the one before it (👩‍💻 is one picture).
        zero = (unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf")
                or "\U0001f3fb" <= char <= "\U0001f3ff" or joined)
        joined = char == _ZWJ
        if not zero:
            width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width
