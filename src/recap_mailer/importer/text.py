"""Small text helpers the importer's stages share: identifiers and sentence ends."""

from __future__ import annotations

import re
import unicodedata

SENTENCE_END = re.compile(r"[.!?][”’\"]?\s+(?=[A-Z“\"‘(])")


def slugify(text: str, limit: int = 64) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-")


def first_sentence(text: str) -> str:
    match = SENTENCE_END.search(text)
    return text[:match.start() + 1] if match else text
