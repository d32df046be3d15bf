"""Fitting a quote, in the frame its post template gives it, into its platform's limit.

When a quote does not fit, the template's optional pieces go first, in its order (framing.py);
then, where the platform has threads, the quote is split into a numbered thread at sentence
boundaries with the lead in the first post and the credit and link in the last; elsewhere it is
trimmed at a sentence or clause boundary with an ellipsis. The card's alt text is trimmed the
same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import regex

from recap_mailer.model import Campaign, PlatformSettings, Quote
from recap_mailer.social import counting
from recap_mailer.social.framing import FORMULA_START, Framing, PostFitError, framing
from recap_mailer.social.platforms import RULES
from recap_mailer.social.voice import Frame, PostTemplate

OPEN, CLOSE, ELLIPSIS = "“", "”", "…"


# --- where a quote may be cut -------------------------------------------------------------

SENTENCE, CLAUSE, WORD, GRAPHEME = 3, 2, 1, 0
_BREAK_SPACE = r"[^\S\u00a0\u2007\u202f]"  # white space, except the no-break spaces
_CLOSERS = "\"'”’»)\\]」』）】〉》"
_CUTS = (
    (SENTENCE, regex.compile(rf"[.!?…‼⁇⁈⁉][{_CLOSERS}]*(?={_BREAK_SPACE})"
                             rf"|[。！？｡][{_CLOSERS}]*(?=.)", regex.DOTALL)),
    (CLAUSE, regex.compile(rf"[,;:][{_CLOSERS}]*(?={_BREAK_SPACE})|[，；：、][{_CLOSERS}]*(?=.)"
                           rf"|(?<=\S)(?={_BREAK_SPACE}+[—–]{_BREAK_SPACE})", regex.DOTALL)),
    (WORD, regex.compile(rf"(?<=\S)(?={_BREAK_SPACE})")),
    (GRAPHEME, regex.compile(r"\X(?=.)", regex.DOTALL)),
)


@functools.lru_cache(maxsize=64)
def cut_points(text: str) -> dict[int, int]:
    """Return every offset where ``text`` may be cut, with the best level of cut there."""
    points: dict[int, int] = {len(text): SENTENCE + 1}
    for level, pattern in _CUTS:
        for match in pattern.finditer(text):
            points.setdefault(match.end(), level)
    first = len(text) - len(text.lstrip())
    return {p: level for p, level in points.items() if p > first}


def _next_start(text: str, cut: int) -> int:
    return len(text) - len(text[cut:].lstrip())


def render_post(quote_line: str, frame: Frame, marker: str | None, *,
                first: bool = True, last: bool = True) -> str:
    """Return one post: the quote's line in its frame (the text before it on a thread's first
    part only, the text after it on the last), with a thread's part number.

    The part number ends the part, or starts it where the part would otherwise start with what
    a spreadsheet reads as a formula (a quote's words going on after "-" or "@").
    """
    text = ((frame.before if first else "") + quote_line + (frame.after if last else "")).strip()
    if not marker:
        return text
    return f"{marker} {text}" if text.startswith(FORMULA_START) else f"{text}\n{marker}"


def _quote_line(text: str, start: int, end: int, *, trimmed: str = "") -> str:
    body = text[start:end].rstrip()
    opening = OPEN if start == 0 else ""
    closing = CLOSE if end == len(text) or trimmed else ""
    return f"{opening}{body}{trimmed}{closing}"


def _fits(platform: str, text: str, limit: int) -> bool:
    rules = RULES[platform]
    # The byte limit holds for the text the platform posts (Bluesky's, links shortened).
    posted = rules.posted(text)[0] if rules.posted else text
    if rules.byte_limit is not None and counting.utf8_bytes(posted) > rules.byte_limit:
        return False
    return rules.count(text) <= limit


# --- fitting ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """One post's text and the slice of the quote it shows."""

    text: str
    span: tuple[int, int] | None
    trimmed: bool = False


def _farthest(cuts: dict[int, int], start: int, levels: Iterable[int],
              fits: Callable[[int], bool], *, below: int) -> int | None:
    """Return the farthest cut in (start, below) that fits, trying the best level first."""
    for level in levels:
        found = sorted(p for p, lv in cuts.items() if start < p < below and lv >= level)
        # Longer text never counts shorter, so the cuts that fit come first: bisect for the last.
        low, high = 0, len(found)
        while low < high:
            middle = (low + high) // 2
            if fits(found[middle]):
                low = middle + 1
            else:
                high = middle
        if low:
            return found[low - 1]
    return None


def _trim(platform: str, text: str, frame: Frame, limit: int,
          level: int) -> list[Piece] | None:
    """Return one post with the quote cut at the farthest boundary of ``level`` (or better)
    that fits, or None."""
    cuts = cut_points(text)

    def line(cut: int) -> str:
        mark = f" {ELLIPSIS}" if cuts.get(cut, GRAPHEME) >= CLAUSE else ELLIPSIS
        return _quote_line(text, 0, cut, trimmed=mark)

    def fits(cut: int) -> bool:
        return _fits(platform, render_post(line(cut), frame, None), limit)

    cut = _farthest(cuts, 0, (level,), fits, below=len(text))
    if cut is None:
        return None
    return [Piece(render_post(line(cut), frame, None), (0, len(text[:cut].rstrip())),
                  trimmed=True)]


def _pack(platform: str, text: str, frame: Frame, limit: int, cuts: dict[int, int],
          marker: str) -> list[tuple[int, int] | None] | None:
    """Return the quote span of each post of a thread (None: the last holds only attribution)."""
    spans: list[tuple[int, int] | None] = []
    start = 0
    while True:
        rest = _quote_line(text, start, len(text)) if start < len(text) else ""
        if _fits(platform, render_post(rest, frame, marker, first=not spans), limit):
            return [*spans, (start, len(text)) if rest else None]
        if not rest:
            return None  # the attribution alone does not fit

        def fits(cut: int, start: int = start, first: bool = not spans) -> bool:
            line = _quote_line(text, start, cut)
            return _fits(platform, render_post(line, frame, marker, first=first, last=False),
                         limit)

        # A sentence that fits whole goes whole, even if the attribution then stands alone.
        cut = _farthest(cuts, start, (SENTENCE, CLAUSE, WORD, GRAPHEME), fits,
                        below=len(text) + 1)
        if cut is None:
            return None
        spans.append((start, cut))
        start = _next_start(text, cut)


def _thread(platform: str, text: str, frame: Frame, limit: int) -> list[Piece] | None:
    """Return a numbered thread, cut at sentences where possible, or None if none fits."""
    cuts = cut_points(text)
    for width in (9, 99, 999):
        # Room is kept for the widest marker of this many posts, so the real ones surely fit.
        spans = _pack(platform, text, frame, limit, cuts, f"{width}/{width}")
        if spans is None:
            return None
        if len(spans) > width:
            continue
        pieces = []
        for i, span in enumerate(spans, start=1):
            line = _quote_line(text, *span) if span else ""
            body = render_post(line, frame, f"{i}/{len(spans)}", first=i == 1,
                               last=i == len(spans))
            shown = (span[0], len(text[: span[1]].rstrip())) if span else None
            pieces.append(Piece(body, shown))
        return pieces
    return None


def _whole(platform: str, text: str, frames: Framing, limit: int) -> Piece | None:
    """Return the quote whole in one post with the fullest frame that fits, if any does.

    Without every piece, the optional ones come back most important first, each that fits:
    a lead too long for the platform costs the lead alone.
    """
    line = _quote_line(text, 0, len(text))

    def post(dropped: frozenset[str]) -> str | None:
        body = render_post(line, frames.frame(dropped), None)
        return body if _fits(platform, body, limit) else None

    if found := post(frozenset()):
        return Piece(found, (0, len(text)))
    dropped = frozenset(frames.optional)
    if not post(dropped):
        return None
    for piece in reversed(frames.optional):
        if post(dropped - {piece}):
            dropped -= {piece}
    return Piece(render_post(line, frames.frame(dropped), None), (0, len(text)))


def fit_quote(campaign: Campaign, quote: Quote, settings: PlatformSettings,
              template: PostTemplate) -> list[Piece]:
    """Return the post or thread for one quote on one platform, within its limit.

    One post whenever the quote fits whole with some frame (optional pieces dropped);
    a thread only when the quote itself does not fit, in as few parts as possible.
    """
    platform = settings.platform
    rules = RULES[platform]
    limit = settings.limit or rules.limit
    text = quote.text.strip()
    frames = framing(campaign, quote, settings, template)
    whole = _whole(platform, text, frames, limit)
    if whole:
        return [whole]
    if not rules.threads:
        return single_post(campaign, quote, settings, template)
    # The thread's last post carries the credit: the fullest one that adds no part.
    for steps in (frames.steps(), frames.last_resorts()):
        best: list[Piece] | None = None
        for dropped in steps:
            pieces = _thread(platform, text, frames.frame(dropped), limit)
            if pieces and (best is None or len(pieces) < len(best)):
                best = pieces
        if best:
            return best
    raise _too_long(frames, limit)


def single_post(campaign: Campaign, quote: Quote, settings: PlatformSettings,
                template: PostTemplate) -> list[Piece]:
    """Return one post for the quote: whole if it fits, else trimmed at a boundary (the card
    shows it whole). For what cannot carry a thread: Buffer's and Hootsuite's files."""
    platform = settings.platform
    limit = settings.limit or RULES[platform].limit
    text = quote.text.strip()
    frames = framing(campaign, quote, settings, template)
    whole = _whole(platform, text, frames, limit)
    if whole:
        return [whole]
    # The quote comes first: a cut at a clause without the hashtags or the event is better
    # than a cut inside a clause with them.
    for level in (CLAUSE, WORD, GRAPHEME):
        for dropped in (frames.steps()[-1], *frames.last_resorts()):
            pieces = _trim(platform, text, frames.frame(dropped), limit, level)
            if pieces:
                return pieces
    raise _too_long(frames, limit)


def _too_long(frames: Framing, limit: int) -> PostFitError:
    platform = frames.pieces.platform
    rules = RULES[platform]
    kept = frames.kept_words()
    if kept:
        named = " and ".join(f"its {name}" for name in kept)
        return PostFitError(frames.quote_id, platform,
                            f"the post passes the limit of {limit} {rules.unit} with {named}, "
                            f"which {frames.template.path} never drops: shorten them, or add "
                            f"{' and '.join(repr(k) for k in kept)} to the template's optional")
    return PostFitError(frames.quote_id, platform, f"even the speaker's name and the link "
                        f"alone pass the limit of {limit} {rules.unit}")

# --- alt text -----------------------------------------------------------------------------

def alt_text(campaign: Campaign, quote: Quote, limit: int) -> str:
    """Describe the quote card: the quote verbatim and who said it, trimmed only past ``limit``.

    The description gives way before the quote does: first "Quote card:", then the speaker's
    affiliation, then the event; the quote is trimmed only when it and the name alone do not fit.
    """
    person = quote.speaker
    text = quote.text.strip()
    event = f", at {campaign.event.name}"
    affiliation = f", {person.affiliation}" if person.affiliation else ""
    forms = [("Quote card: ", affiliation + event), ("", affiliation + event), ("", event),
             ("", "")]
    whole = _quote_line(text, 0, len(text))
    for prefix, more in forms:
        alt = f"{prefix}{whole} — {person.display_name}{more}"
        if counting.alt_length(alt) <= limit:
            return alt
    tail = f" — {person.display_name}"

    def render(line: str) -> str:
        return f"{line}{tail}"

    cuts = cut_points(text)

    def line(cut: int) -> str:
        mark = f" {ELLIPSIS}" if cuts.get(cut, GRAPHEME) >= CLAUSE else ELLIPSIS
        return _quote_line(text, 0, cut, trimmed=mark)

    cut = _farthest(cuts, 0, (SENTENCE, CLAUSE, WORD, GRAPHEME),
                    lambda c: counting.alt_length(render(line(c))) <= limit, below=len(text))
    if cut:
        return render(line(cut))
    if counting.alt_length(render(ELLIPSIS)) <= limit:
        return render(ELLIPSIS)
    # A limit smaller than the credit itself (never a real platform's): cut the whole text.
    whole = render(_quote_line(text, 0, len(text)))
    kept = ""
    for cluster in regex.findall(r"\X", whole):
        if counting.alt_length(kept + cluster + ELLIPSIS) > limit:
            break
        kept += cluster
    return kept + ELLIPSIS

