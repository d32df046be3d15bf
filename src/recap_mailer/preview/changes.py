"""What changed since the last build: the email's words, the posts and the schedule.

A model without I/O: both builds come in as their files by name (email.txt, posts.json,
schedule.json), so a static build and the live server compare the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any, Literal

#: The files a build is compared by; the previous build's are read back under these names.
COMPARED = ("email.txt", "posts.json", "schedule.json")
#: Unchanged words kept on each side of a change, so a change is read in its sentence.
CONTEXT_WORDS = 6

_TOKENS = re.compile(r"\s+|\S+")
#: A word with the white space after it (or the white space a text starts with).
_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Piece:
    """A run of the text: ``old`` is what it was, ``new`` what it is (one empty if added or
    removed; both set if kept, differing at most in spacing)."""

    old: str
    new: str

    @property
    def kind(self) -> Literal["same", "ins", "del"]:
        """Return whether the run was kept, inserted or deleted."""
        if self.old and self.new:
            return "same"
        return "ins" if self.new else "del"

    @property
    def text(self) -> str:
        """Return the run as shown: the new text, or the old for a deletion."""
        return self.new or self.old

    @property
    def changes_words(self) -> bool:
        """Return whether the run adds or removes a word (not spacing alone)."""
        return self.kind != "same" and not self.text.isspace()


@dataclass(frozen=True)
class Excerpt:
    """Changed runs with a few words of unchanged text around them."""

    pieces: tuple[Piece, ...]
    cut_before: bool  # unchanged text before it is left out
    cut_after: bool


@dataclass(frozen=True)
class WordDiff:
    """A word-level diff: the old text is the pieces' ``old``s, the new text their ``new``s."""

    pieces: tuple[Piece, ...]

    @property
    def changed(self) -> bool:
        """Return whether any word was added or removed (spacing alone is no change)."""
        return any(piece.changes_words for piece in self.pieces)

    def excerpts(self, context: int = CONTEXT_WORDS) -> tuple[Excerpt, ...]:
        """Return the changes, each with ``context`` unchanged words on either side."""
        # Spacing added or removed is shown as kept text: only words make an excerpt.
        shown: list[Piece] = []
        for piece in self.pieces:
            if piece.changes_words:
                _append(shown, piece)
            elif piece.new:
                _append(shown, _same(piece.new))
        found: list[Excerpt] = []
        current: list[Piece] = []
        cut_before = False
        last = len(shown) - 1
        for i, piece in enumerate(shown):
            if piece.kind != "same":
                current.append(piece)
                continue
            words = _TOKENS.findall(piece.new)
            if not current:  # before the first change: only its end is kept
                kept = _tail(words, context)
                cut_before = len(kept) < len(words)
                if i < last and kept:
                    current.append(_same("".join(kept)))
                continue
            if i == last or _count(words) > 2 * context:
                head = _head(words, context)
                current.append(_same("".join(head)))
                found.append(Excerpt(tuple(current), cut_before, len(head) < len(words)))
                tail = _tail(words, context) if i < last else []
                current, cut_before = ([_same("".join(tail))] if tail else []), True
            else:
                current.append(piece)
        if any(p.kind != "same" for p in current):
            found.append(Excerpt(tuple(current), cut_before, False))
        return tuple(found)


def _same(text: str) -> Piece:
    return Piece(text, text)


def _count(tokens: list[str]) -> int:
    return sum(not token.isspace() for token in tokens)


def _head(tokens: list[str], words: int) -> list[str]:
    """Return the tokens up to and with the ``words``-th word."""
    kept: list[str] = []
    for token in tokens:
        if _count(kept) == words and not token.isspace():
            break
        kept.append(token)
    return kept


def _tail(tokens: list[str], words: int) -> list[str]:
    """Return the tokens from the ``words``-th word from the end."""
    return _head(tokens[::-1], words)[::-1]


def word_diff(old: str, new: str) -> WordDiff:
    """Diff two texts word by word; runs of white space match whatever their spacing."""
    if old == new:
        return WordDiff((Piece(old, new),) if old else ())
    # Words are matched, each with the white space after it: a rewrapped paragraph is not a
    # changed one, and spaces (the commonest token) never make the matching quadratic.
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    # Without autojunk: in a long text, common words would otherwise never anchor a match.
    matcher = SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b],
                              autojunk=False)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _append(pieces, Piece("".join(a[i1:i2]), "".join(b[j1:j2])))
            continue
        if i2 > i1:
            _append(pieces, Piece("".join(a[i1:i2]), ""))
        if j2 > j1:
            _append(pieces, Piece("", "".join(b[j1:j2])))
    return WordDiff(tuple(pieces))


def _append(pieces: list[Piece], piece: Piece) -> None:
    """Add a piece, joining it to the last one if both are of the same kind."""
    if pieces and pieces[-1].kind == piece.kind:
        pieces[-1] = Piece(pieces[-1].old + piece.old, pieces[-1].new + piece.new)
    else:
        pieces.append(piece)


@dataclass(frozen=True)
class PostChange:
    """A post added, removed or whose text changed, by its id in posts.json."""

    id: str
    platform: str
    text: str  # as it is now (for a removed post, as it was)
    diff: WordDiff | None = None  # for a changed post


@dataclass(frozen=True)
class PostChanges:
    """The posts' changes, each list in the order of posts.json."""

    added: tuple[PostChange, ...]
    removed: tuple[PostChange, ...]
    changed: tuple[PostChange, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class SlotChange:
    """A slot of the schedule (a post's, or the email's) added, removed or moved."""

    id: str
    platform: str | None  # None for the email
    old: str | None  # the local time as shown, None if added
    new: str | None  # None if removed


@dataclass(frozen=True)
class SlotChanges:
    """The schedule's changes, in order of time."""

    timezone: str
    added: tuple[SlotChange, ...]
    removed: tuple[SlotChange, ...]
    moved: tuple[SlotChange, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.moved)


@dataclass(frozen=True)
class Changes:
    """What changed since the last build; a part is None where the last build had no file
    (or none this version reads) to compare with."""

    previous: bool  # whether there was a last build to compare with at all
    email: WordDiff | None
    posts: PostChanges | None
    schedule: SlotChanges | None

    @property
    def complete(self) -> bool:
        """Return whether every part had something to compare with."""
        return None not in (self.email, self.posts, self.schedule)

    @property
    def any(self) -> bool:
        """Return whether any part changed."""
        return bool((self.email and self.email.changed) or self.posts or self.schedule)


def changes(previous: Mapping[str, bytes], current: Mapping[str, bytes]) -> Changes:
    """Compare a build's files with the last build's (both by name; none of it read from disk)."""
    email = posts = schedule = None
    old_text, new_text = _text(previous.get("email.txt")), _text(current.get("email.txt"))
    if old_text is not None and new_text is not None:
        email = word_diff(old_text, new_text)
    old_posts, new_posts = _posts(previous.get("posts.json")), _posts(current.get("posts.json"))
    if old_posts is not None and new_posts is not None:
        posts = _post_changes(old_posts, new_posts)
    old_slots = _slots(previous.get("schedule.json"))
    new_slots = _slots(current.get("schedule.json"))
    if old_slots is not None and new_slots is not None:
        schedule = _slot_changes(old_slots[0], new_slots[0], new_slots[1])
    return Changes(any(name in previous for name in COMPARED), email, posts, schedule)


def _text(data: bytes | None) -> str | None:
    try:
        return None if data is None else data.decode("utf-8")
    except UnicodeDecodeError:  # a file of the last build spoiled since: nothing to compare
        return None


def _json(data: bytes | None) -> dict[str, Any] | None:
    text = _text(data)
    try:
        loaded = None if text is None else json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) and loaded.get("format") == 1 else None


def _posts(data: bytes | None) -> dict[str, tuple[str, str]] | None:
    """Return posts.json's posts as id: (platform, text), or None if it cannot be read."""
    loaded = _json(data)
    try:
        return None if loaded is None else {
            str(p["id"]): (str(p["platform"]), str(p["text"])) for p in loaded["posts"]}
    except (KeyError, TypeError):
        return None


def _post_changes(old: dict[str, tuple[str, str]],
                  new: dict[str, tuple[str, str]]) -> PostChanges:
    added = tuple(PostChange(i, *new[i]) for i in new if i not in old)
    removed = tuple(PostChange(i, *old[i]) for i in old if i not in new)
    changed = tuple(PostChange(i, new[i][0], new[i][1], word_diff(old[i][1], new[i][1]))
                    for i in new if i in old and old[i][1] != new[i][1])
    return PostChanges(added, removed, changed)


_Slot = tuple[str | None, str, str]  # platform, UTC time, local time


def _slots(data: bytes | None) -> tuple[dict[str, _Slot], str] | None:
    """Return schedule.json's slots by id (the email's as "email") and its zone, or None."""
    loaded = _json(data)
    try:
        if loaded is None:
            return None
        email = loaded["email"]
        slots: dict[str, _Slot] = {"email": (None, email["utc_time"], email["local_time"])}
        for post in loaded["posts"]:
            slots[str(post["id"])] = (str(post["platform"]), post["utc_time"],
                                      post["local_time"])
        for _platform, utc, local in slots.values():
            datetime.fromisoformat(utc), datetime.fromisoformat(local)
        return slots, str(loaded["timezone"])
    except (KeyError, TypeError, ValueError):
        return None


def _shown(local: str) -> str:
    """Return a local time as the page shows it, with its offset from UTC."""
    moment = datetime.fromisoformat(local)
    offset = moment.strftime("%z")
    return f"{moment:%a %d %b %Y, %H:%M} {offset[:3]}:{offset[3:]}" if offset else \
        f"{moment:%a %d %b %Y, %H:%M}"


def _slot_changes(old: dict[str, _Slot], new: dict[str, _Slot], timezone: str) -> SlotChanges:
    def when(slot: _Slot) -> tuple[datetime, str]:
        return datetime.fromisoformat(slot[1]), slot[2]

    def order(ids: list[str], slots: dict[str, _Slot]) -> list[str]:
        return sorted(ids, key=lambda i: (when(slots[i])[0], i))

    added = tuple(SlotChange(i, new[i][0], None, _shown(new[i][2]))
                  for i in order([i for i in new if i not in old], new))
    removed = tuple(SlotChange(i, old[i][0], _shown(old[i][2]), None)
                    for i in order([i for i in old if i not in new], old))
    # Moved: another moment, or the same moment in another zone (the time shown changes).
    moved = tuple(SlotChange(i, new[i][0], _shown(old[i][2]), _shown(new[i][2]))
                  for i in order([i for i in new if i in old and when(old[i]) != when(new[i])],
                                 new))
    return SlotChanges(timezone, added, removed, moved)
