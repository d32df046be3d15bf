"""The quotes check: every quote verbatim and attributed in the email, text, posts and cards."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from recap_mailer.cards import CARD_SIZES, card_path, card_stamp, layout_card, missing_glyphs
from recap_mailer.checks.context import Context
from recap_mailer.checks.findings import HTML_FILE, TEXT_FILE, Finding
from recap_mailer.model import Campaign, Quote
from recap_mailer.social.platforms import RULES

# White space, and the invisible direction marks and isolates the text part wraps with.
_WRAPPING = re.compile(r"[\s\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


@lru_cache(maxsize=1024)  # quotes, names and posts come back in every rebuild
def _squeeze(text: str) -> str:
    """Drop white space and direction marks: wrapping (text, card) never makes a quote differ."""
    return _WRAPPING.sub("", text)


def check_quotes(ctx: Context) -> list[Finding]:
    """Every quote verbatim, and attributed to the same spelling, in email, text, posts, cards."""
    campaign = ctx.campaign
    omitted = ctx.checked.omitted
    html, text = _squeeze(ctx.email.text), _squeeze(ctx.text)
    found = []
    for i, quote in enumerate(campaign.quotes):
        words = _squeeze(quote.text.strip())
        name = quote.speaker.display_name
        where: list[tuple[str, str | None]] = []  # (output, what is wrong)
        if quote.featured or quote.session.id not in omitted:
            where.append((HTML_FILE, _quoted_in(html, words, name)))
        else:
            found.append(ctx.at("quotes", ("quotes", i, "session"), "warning",
                                f"quote '{quote.id}' is not in {HTML_FILE}: its session "
                                f"'{quote.session.id}' is left to the recap page to keep the "
                                "email under Gmail's clip; feature the quote or its session, "
                                "or shorten the email"))
        where.append((TEXT_FILE, _quoted_in(text, words, name)))
        where += _posts_problems(ctx, quote)
        where += _card_problems(ctx, quote)
        for output, problem in where:
            if problem:
                at = ("quotes", i, "text") if problem == "changed" else ("quotes", i, "speaker")
                message = (f"quote '{quote.id}' is not verbatim in {output}"
                           if problem == "changed" else
                           f"quote '{quote.id}' in {output} is not attributed to '{name}'")
                found.append(ctx.at("quotes", at, "warning", message))
        found += _boxes_on_card(ctx, i, quote)
    return found


#: How many missing characters a finding names before it counts the rest.
NAMED_CHARACTERS = 8


def _boxes_on_card(ctx: Context, i: int, quote: Quote) -> list[Finding]:
    """Warn when the quote's cards show boxes for characters no installed font has."""
    paths = [card_path(quote.id, size) for size in CARD_SIZES]
    if paths[0] not in ctx.checked.cards:
        return []
    missing = missing_glyphs(quote.text)
    if not missing:
        return []
    named = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '(no name)')}"
                      for c in missing[:NAMED_CHARACTERS])
    more = len(missing) - NAMED_CHARACTERS
    named += f" and {more} more" if more > 0 else ""
    them = "them" if len(missing) > 1 else "it"
    alts = [post.alt or "" for post in ctx.checked.posts
            if post.quote_id == quote.id and post.image]
    kept = f"; the alt text of its posts keeps {them}" \
        if alts and all(c in alt for alt in alts for c in missing) else ""
    cards = " and ".join(path for path in paths if path in ctx.checked.cards)
    return [ctx.at("quotes", ("quotes", i, "text"), "warning",
                   f"quote '{quote.id}': its quote cards ({cards}) show boxes for {named}: "
                   f"no installed font has a glyph for {them}{kept}")]


def _quoted_in(haystack: str, words: str, name: str) -> str | None:
    """Say whether ``words`` appear in ``haystack`` followed soon by ``name``."""
    # Every place the words appear: a short quote may also be part of a longer one.
    start = haystack.find(words)
    if start < 0:
        return "changed"
    squeezed = _squeeze(name)
    while start >= 0:
        end = start + len(words)
        if squeezed in haystack[end:end + 300]:
            return None
        start = haystack.find(words, start + 1)
    return "attribution"


def _posts_problems(ctx: Context, quote: Quote) -> list[tuple[str, str | None]]:
    text = quote.text.strip()
    problems = []
    for post in ctx.checked.posts:
        if post.quote_id != quote.id:
            continue
        label = f"the {RULES[post.platform].label} post {post.id}"
        if post.quote_span:
            start, end = post.quote_span
            # The copy text: Bluesky's posted text shortens a link the quote may hold.
            if _squeeze(text[start:end]) not in _squeeze(post.copy_text):
                problems.append((label, "changed"))
        if post.part == post.parts:
            handle = quote.speaker.handles.on(post.platform)
            names = [n for n in (handle, quote.speaker.display_name) if n]
            if not any(n in post.text for n in names):
                problems.append((label, "attribution"))
    return problems


def _card_problems(ctx: Context, quote: Quote) -> list[tuple[str, str | None]]:
    # The card's own stamp says what it shows (see cards.card_stamp); a card without one is
    # laid out again to see.
    png = ctx.checked.cards.get(card_path(quote.id, CARD_SIZES[0]))
    if png is None:
        return []
    stamp = card_stamp(png)
    shows = stamp.get("shows") if stamp else None
    shown = shows if isinstance(shows, dict) else _laid_out_text(quote, ctx.campaign)
    problem = None
    if _squeeze(quote.text.strip()) not in _squeeze(str(shown.get("quote", ""))):
        problem = "changed"
    elif _squeeze(quote.speaker.display_name) != _squeeze(str(shown.get("speaker", ""))):
        problem = "attribution"
    return [("its quote card", problem)]


def _laid_out_text(quote: Quote, campaign: Campaign) -> dict[str, str]:
    layout = layout_card(quote, campaign, CARD_SIZES[0])
    return {role: "\n".join(line.text for line in block.lines)
            for role in ("quote", "speaker") if (block := layout.block(role))}

