"""Reading rendered HTML back with a real parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser


def fold(text: str) -> str:
    """Fold runs of white space (no-break spaces included) to one space."""
    return re.sub(r"\s+", " ", text).strip()


class Page(HTMLParser):
    """Collect the text, the elements and their attributes of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text_parts: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        """Return the visible text with white space folded."""
        return fold("".join(self.text_parts))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        """Return the attributes of every element named ``tag``."""
        return [attrs for name, attrs in self.elements if name == tag]
