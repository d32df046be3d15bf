"""Find what people are quoted as saying in a block, and who said it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from recap_mailer.importer.model import Block
from recap_mailer.importer.people import Mention, People, find_mentions
from recap_mailer.importer.text import SENTENCE_END

_QUOTE_CUE = re.compile(
    r"(?:[:,\-–—]|\bthat|\bthis|\bsaid|\bsays|\bsaying|\badded|\bnoted|\bexplained|\bremarked|"
    r"\bwrote|\bstated|\bargued|\basked|\bput it|\bquipped|\bthought|\bwarned|\bobserved|"
    r"\bconcluded|\breminded us|\btold us|\bshared|\bwords)\s*$",
    re.IGNORECASE)
_ATTRIBUTION_AFTER = re.compile(
    r"^\s*[,.]?\s*(?:[-–—~―]+\s*|,?\s*(?:said|says|added|noted|explained|according to|asked|"
    r"argued|remarked|concluded|wrote)\s+)", re.IGNORECASE)
_SPEAKER_THEN_VERB = re.compile(r"^\s*,?\s*$")


@dataclass
class FoundQuote:
    text: str
    speaker: str | None
    note: str | None
    position: int


def _pairs(text: str) -> list[tuple[int, int, str]]:
    """Find quoted spans: (start of the words, end of the words, kind of mark)."""
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "“" or (char == '"' and (i == 0 or not text[i - 1].isalnum())):
            close = _next_of(text, i + 1, "”\"")
            if close < 0:
                break
            spans.append((i + 1, close, "double"))
            i = close + 1
        elif char == "”" and not spans:
            # A closing mark with no opening one: the quote runs from the start of the block.
            spans.append((0, i, "lone"))
            i += 1
        elif char == "‘" and (i == 0 or not text[i - 1].isalnum()):
            close = i + 1
            while True:
                close = text.find("’", close)
                if close < 0 or close + 1 >= len(text) or not text[close + 1].isalnum():
                    break
                close += 1
            if close < 0:
                i += 1
                continue
            spans.append((i + 1, close, "single"))
            i = close + 1
        else:
            i += 1
    return spans


def _next_of(text: str, start: int, chars: str) -> int:
    positions = [p for p in (text.find(c, start) for c in chars) if p >= 0]
    return min(positions) if positions else -1


def _sentence_start(text: str, position: int) -> int:
    start = 0
    for match in SENTENCE_END.finditer(text, 0, position):
        start = match.end()
    return start


def _quotes_in(text: str, mentions: list[Mention],
               earlier: str | None) -> list[FoundQuote]:
    """Find what someone is quoted as saying in a paragraph, and who said it."""
    folded = text.replace("\u00a0", " ")
    found: list[FoundQuote] = []
    for start, end, mark in _pairs(folded):
        words = text[start:end].strip()
        if words.endswith(","):
            words = words[:-1].rstrip()
        if len(words.split()) < 3 or len(words) > 1000:
            continue
        after = folded[end + 1:]
        speaker: str | None = None
        note: str | None = None
        cue_after = _ATTRIBUTION_AFTER.match(after)
        if cue_after:
            at = end + 1 + cue_after.end()
            speaker = next((m.person for m in mentions if m.start == at), None)
        if speaker is None:
            named_after = next((m for m in mentions if m.start > end
                                and _SPEAKER_THEN_VERB.match(folded[end + 1:m.start])), None)
            if named_after and re.match(r"\s+(?:said|says|added|noted)\b",
                                        folded[named_after.end:]):
                speaker = named_after.person
        if speaker is None and mark != "lone":
            sentence = _sentence_start(folded, start - 1)
            prefix = folded[sentence:start - 1]
            if _QUOTE_CUE.search(prefix):
                before = [m for m in mentions if sentence <= m.start and m.end <= start]
                earlier_here = [m for m in mentions if m.end <= sentence]
                if earlier_here:
                    earlier = earlier_here[-1].person
                if before:
                    speaker = before[-1].person
                    if len({m.person for m in before}) > 1:
                        note = "more than one person is named before this quote; check who said it"
                elif mark == "double" and earlier:
                    speaker = earlier
                    note = ("the sentence names nobody; attributed to the last person named "
                            "before it")
        if speaker is None:
            continue  # scare quotes, titles, words nobody is said to have said
        found.append(FoundQuote(words, speaker, note, start))
    return found


def _strip_marks(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] in "“\"‘" and text[-1] in "”\"’":
        text = text[1:-1].strip()
    return text


def block_quotes(block: Block, people: People,
                 earlier: str | None) -> tuple[list[FoundQuote], str | None]:
    """Return the quotes of one block and the last person it names."""
    folded = block.text.replace("\u00a0", " ")
    mentions = find_mentions(folded, people)
    last = mentions[-1].person if mentions else earlier
    if block.kind == "quote":
        text = _strip_marks(block.text)
        if not text or len(text) > 1000:
            return [], last
        cited = find_mentions(block.cite.replace("\u00a0", " "), people) if block.cite else []
        if cited:
            return [FoundQuote(text, cited[0].person, None, 0)], last
        if earlier:
            note = "the quote names nobody; attributed to the last person named before it"
            return [FoundQuote(text, earlier, note, 0)], last
        return [], last
    return _quotes_in(block.text, mentions, earlier), last
