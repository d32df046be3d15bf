"""Find what people are quoted as saying in a block, and who said it."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
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
    r"\s*[,.]?\s*(?:[-–—~―]+\s*|,?\s*(?:said|says|added|noted|explained|according to|asked|"
    r"argued|remarked|concluded|wrote)\s+)", re.IGNORECASE)
_SPEAKER_THEN_VERB = re.compile(r"\s*,?\s*")
_CLOSE_DOUBLE = re.compile(r"[”\"]")
_VERB_AFTER_NAME = re.compile(r"\s+(?:said|says|added|noted)\b")


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
            closing = _CLOSE_DOUBLE.search(text, i + 1)
            if closing is None:
                break
            spans.append((i + 1, closing.start(), "double"))
            i = closing.end()
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


def _sentence_starts(text: str) -> list[int]:
    """Return where each sentence after the first begins."""
    return [match.end() for match in SENTENCE_END.finditer(text)]


def _sentence_start(starts: list[int], position: int) -> int:
    """Return where the sentence holding ``position`` begins (a sentence end needs the
    letter after it, so one ending right at ``position`` does not count)."""
    k = bisect_left(starts, position)
    return starts[k - 1] if k else 0


class _Paragraph:
    """A paragraph's text and its mentions, indexed for the questions asked of each quote."""

    def __init__(self, text: str, mentions: list[Mention]) -> None:
        self.text = text
        self.mentions = mentions  # in order, never overlapping: starts and ends both sorted
        self.starts = [m.start for m in mentions]
        self.ends = [m.end for m in mentions]
        self.sentences = _sentence_starts(text)

    def speaker_after(self, end: int) -> str | None:
        """Return who is named right after a closing mark: "...," said Jane Doe."""
        cue = _ATTRIBUTION_AFTER.match(self.text, end + 1)
        if cue:
            k = bisect_left(self.starts, cue.end())
            if k < len(self.mentions) and self.starts[k] == cue.end():
                return self.mentions[k].person
        # The first person named after the mark, if only a comma stands between them.
        k = bisect_right(self.starts, end)
        if k < len(self.mentions):
            named = self.mentions[k]
            if (_SPEAKER_THEN_VERB.fullmatch(self.text, end + 1, named.start)
                    and _VERB_AFTER_NAME.match(self.text, named.end)):
                return named.person
        return None

    def named_before(self, sentence: int, start: int) -> tuple[list[Mention], str | None]:
        """Return the mentions between a sentence's start and a quote, and the last one before."""
        first = bisect_left(self.starts, sentence)
        last = bisect_right(self.ends, start)
        earlier = bisect_right(self.ends, sentence)
        previous = self.mentions[earlier - 1].person if earlier else None
        return self.mentions[first:max(first, last)], previous


def _cued(prefix: str) -> bool:
    """Say whether the words before a quote introduce it ("..., she said:", "put it")."""
    core = len(prefix.rstrip())
    # Every cue is shorter than 16 characters, so only the tail need be searched.
    return _QUOTE_CUE.search(prefix, max(0, core - 16)) is not None


def _quotes_in(text: str, mentions: list[Mention],
               earlier: str | None) -> list[FoundQuote]:
    """Find what someone is quoted as saying in a paragraph, and who said it."""
    paragraph = _Paragraph(text.replace("\u00a0", " "), mentions)
    found: list[FoundQuote] = []
    for start, end, mark in _pairs(paragraph.text):
        words = text[start:end].strip()
        if words.endswith(","):
            words = words[:-1].rstrip()
        if len(words.split()) < 3 or len(words) > 1000:
            continue
        speaker, note = paragraph.speaker_after(end), None
        if speaker is None and mark != "lone":
            speaker, note, earlier = _speaker_before(paragraph, start, mark, earlier)
        if speaker is not None:  # else scare quotes, titles, words nobody is said to have said
            found.append(FoundQuote(words, speaker, note, start))
    return found


def _speaker_before(paragraph: _Paragraph, start: int, mark: str,
                    earlier: str | None) -> tuple[str | None, str | None, str | None]:
    """Return who the sentence before a quote says spoke it, a note, and the last one named."""
    sentence = _sentence_start(paragraph.sentences, start - 1)
    if not _cued(paragraph.text[sentence:start - 1]):
        return None, None, earlier
    before, previous = paragraph.named_before(sentence, start)
    earlier = previous or earlier
    if before:
        note = None
        if len({m.person for m in before}) > 1:
            note = "more than one person is named before this quote; check who said it"
        return before[-1].person, note, earlier
    if mark == "double" and earlier:
        return earlier, ("the sentence names nobody; attributed to the last person named "
                         "before it"), earlier
    return None, None, earlier


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
