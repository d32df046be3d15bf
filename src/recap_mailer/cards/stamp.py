"""The stamp a card carries: what it was drawn from and what it shows.

Every card ends with one iTXt chunk, just before IEND: the hash of its inputs, the text it
shows (which the checks read, as they read every other output) and the SHA-256 of the bytes
before the chunk. A later build may reuse a card from the previous outputs only if stamping
those bytes afresh gives the very same file: same inputs, same drawing code, not a byte
changed since.
"""

from __future__ import annotations

import hashlib
import json
import struct
import unicodedata
import zlib
from functools import cache
from pathlib import Path

from recap_mailer.cards import fonts
from recap_mailer.cards.layout import event_line
from recap_mailer.model import Campaign, Quote

STAMP_KEYWORD = "recap-mailer"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def add_stamp(png: bytes, inputs: str, shows: dict[str, str]) -> bytes:
    """Return ``png`` with its stamp: the hash of its ``inputs``, what it ``shows``, its hash."""
    body = png[:-len(_IEND)]
    record = {"inputs": inputs, "shows": shows, "sha256": hashlib.sha256(body).hexdigest()}
    text = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    # iTXt: keyword, no compression, no language tag, no translated keyword, UTF-8 text.
    stamp = _chunk(b"iTXt", STAMP_KEYWORD.encode("latin-1") + b"\0\0\0\0\0" + text)
    return body + stamp + _IEND


def card_stamp(png: bytes) -> dict[str, object] | None:
    """Return a card's stamp (its inputs, the text it shows), or None if it has none intact."""
    if not png.endswith(_IEND):
        return None
    end = len(png) - len(_IEND)
    start = png.rfind(b"iTXt" + STAMP_KEYWORD.encode("latin-1") + b"\0", 0, end) - 4
    if start < 8:
        return None
    try:
        text = png[start + 8 + len(STAMP_KEYWORD) + 5:end - 4].decode("utf-8")
        record = json.loads(text)
        rebuilt = add_stamp(png[:start] + _IEND, record["inputs"], record["shows"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    return record if rebuilt == png else None


def card_inputs(quote: Quote, campaign: Campaign, size: tuple[int, int]) -> str:
    """Return a hash of everything a card is drawn from: its text and theme, and the drawing."""
    person = quote.speaker
    parts = (quote.text, person.display_name, person.affiliation, quote.session.title,
             event_line(campaign), campaign.theme, size, _renderer())
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


@cache
def _renderer() -> str:
    """Identify the drawing: the cards' code, Pillow and its libraries, Unicode and the fonts."""
    from PIL import __version__, _imaging, _imagingft

    # Every module of the package, so a module added later is covered too.
    modules = b"".join(path.read_bytes()
                       for path in sorted(Path(__file__).parent.glob("*.py")))
    libraries = (__version__, _imaging.zlib_version,
                 *(getattr(_imagingft, f"{name}_version", None)
                   for name in ("freetype2", "harfbuzz", "fribidi", "raqm")))
    return repr((hashlib.sha256(modules).hexdigest(), libraries, unicodedata.unidata_version,
                 fonts.font_versions()))
