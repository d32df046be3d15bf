"""Read an HTML page into blocks, skipping navigation, scripts, SVG and icon labels."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from recap_mailer.importer.model import Block

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_SKIPPED = {"nav", "script", "style", "svg", "noscript", "template", "form", "button", "select",
            "iframe", "head", "title", "canvas", "video", "audio", "object", "math", "dialog"}
_CHROME_CLASSES = re.compile(r"icon|sr-only|visually-hidden|screen-reader|share|social|menu|"
                             r"breadcrumb|cookie|skip-link|navbar", re.IGNORECASE)
_BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "section", "article", "main", "aside", "table",
               "tr", "td", "th", "dd", "dt", "dl", "pre", "figure", "body", "html", "address",
               "details", "summary", "caption", "center"}


class _HtmlReader(HTMLParser):
    """Collect the blocks of an HTML page, skipping navigation, scripts, SVG and icon labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._buf: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._heading: int | None = None
        self._quote_depth = 0
        self._quote_parts: list[str] = []
        self._cite: list[str] | None = None
        self._cites: list[str] = []
        self._caption = False
        self._content_depth = 0  # inside <article> or <main>, where <header> is content

    def _flush(self) -> None:
        text = "".join(self._buf)
        self._buf = []
        if not text.strip():
            return
        if self._quote_depth:
            self._quote_parts.append(text)
        elif self._heading is not None:
            self.blocks.append(Block("heading", text, self._heading))
        else:
            self.blocks.append(Block("attribution" if self._caption else "paragraph", text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        if tag not in _VOID and self._is_chrome(tag, dict(attrs)):
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag in ("article", "main"):
            self._content_depth += 1
        if tag in ("br", "wbr"):
            self._buf.append(" ")
        elif tag == "hr":
            self._flush()
            self.blocks.append(Block("break"))
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag == "blockquote":
            self._flush()
            if not self._quote_depth:
                self._quote_parts, self._cites = [], []
            self._quote_depth += 1
        elif tag == "cite" or (tag == "footer" and self._quote_depth):
            if self._quote_depth:
                self._flush()
                self._cite = []
            elif tag == "cite" and not "".join(self._buf).strip():
                self._caption = True
        elif tag == "figcaption":
            self._flush()
            self._caption = True
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag in ("article", "main"):
            self._content_depth = max(0, self._content_depth - 1)
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self._flush()
            self._heading = None
        elif tag in ("cite", "footer") and self._cite is not None:
            self._cites.append("".join(self._cite))
            self._cite = None
        elif tag == "blockquote" and self._quote_depth:
            self._flush()
            self._quote_depth -= 1
            if not self._quote_depth:
                cite = " ".join(c for c in self._cites if c.strip()) or None
                self.blocks.append(Block("quote", " ".join(self._quote_parts), cite=cite))
        elif tag in ("figcaption", "cite") and self._caption:
            self._flush()
            self._caption = False
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip_tag is not None:
            return
        if self._cite is not None:
            self._cite.append(data)
        else:
            self._buf.append(data)

    def _is_chrome(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _SKIPPED:
            return True
        if tag in ("header", "footer") and not self._content_depth and not self._quote_depth:
            return True
        if (attrs.get("aria-hidden") or "").lower() == "true" or "hidden" in attrs:
            return True
        if (attrs.get("role") or "").lower() in ("navigation", "banner", "contentinfo"):
            return True
        return bool(_CHROME_CLASSES.search(attrs.get("class") or ""))

    def close(self) -> None:
        super().close()
        self._flush()


def read_html(text: str) -> list[Block]:
    reader = _HtmlReader()
    reader.feed(text)
    reader.close()
    return reader.blocks
