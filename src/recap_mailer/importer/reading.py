"""Read a page (HTML, Markdown or plain text) into clean blocks without its chrome."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from recap_mailer.importer.html_reader import read_html
from recap_mailer.importer.model import MAX_PAGE_CHARS, Block, BlockKind, PageKind
from recap_mailer.importer.names import NAME_START

_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufeff\ufffe\uffff]"
)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_CHROME_LINES = {
    "menu", "search", "share", "share this", "share this page", "skip to content",
    "skip to main content", "back to top", "close", "print", "tweet", "share on twitter",
    "share on facebook", "share on linkedin", "copy link", "read more", "cookie settings",
    "accept cookies", "main menu", "toggle navigation",
}


def page_kind(name: str) -> PageKind:
    """Say how to read a page from its file name: HTML, Markdown or plain text."""
    lowered = name.lower()
    if lowered.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if lowered.endswith((".md", ".markdown")):
        return "markdown"
    return "text"


def read_page(text: str, kind: PageKind) -> list[Block]:
    """Split a page into blocks of text, dropping menus, icon labels and other chrome."""
    text = _UNWANTED.sub(" ", text[:MAX_PAGE_CHARS])
    if kind == "html":
        raw = read_html(text)
    elif kind == "markdown":
        raw = _read_markdown(text)
    else:
        raw = _read_text(text)
    return _normalise(raw)


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _is_chrome(text: str) -> bool:
    """Say whether a line is page furniture: icon and logo labels, menus, share links."""
    words = text.casefold().split()
    icons = sum(w.strip(".,") in ("icon", "icons", "logo", "logos") for w in words)
    if icons >= 2 and icons * 4 >= len(words):
        return True
    if len(words) <= 3 and icons:
        return True
    return text.casefold().strip(" .:|") in _CHROME_LINES


_DATELINE = re.compile(r"^(?:posted|published|updated|last updated)(?: on)?:? *\S.{2,58}$",
                       re.IGNORECASE)
_DASH_CITE = re.compile(r"^[-–—~―]+\s*(\S.*)$")


def _normalise(blocks: list[Block]) -> list[Block]:
    """Clean the text of every block, drop chrome, and join quotes to their attributions."""
    out: list[Block] = []
    for block in blocks:
        if block.kind == "break":
            if out and out[-1].kind != "break":
                out.append(block)
            continue
        text = _clean(block.text)
        if not text or _is_chrome(text):
            continue
        previous = out[-1] if out else None
        cite = _cite_of(previous, block, text)
        if cite is not None and previous is not None:
            out[-1] = Block("quote", previous.text, cite=cite)
        else:
            out.append(_cleaned(block, text))
    while out and out[-1].kind == "break":
        out.pop()
    while out and out[0].kind == "break":
        out.pop(0)
    return out


def _cite_of(previous: Block | None, block: Block, text: str) -> str | None:
    """Return the attribution a short line gives the uncredited quote just before it."""
    if (previous is None or previous.kind != "quote" or previous.cite or len(text) > 160
            or block.kind not in ("attribution", "paragraph") or _DATELINE.match(text)):
        return None
    dashed = _DASH_CITE.match(text)
    if dashed:
        return dashed[1]
    return text if block.kind == "attribution" else None


def _cleaned(block: Block, text: str) -> Block:
    """Return a block with its text cleaned and a quote's own attribution moved to its cite."""
    if _DATELINE.match(text):
        return Block("dateline", text)  # read for the date, kept out of the prose
    cite = _clean(block.cite) if block.cite else None
    if block.kind == "quote" and not cite:
        # "> words ... — Jane Doe" written inside the quote itself
        match = re.search(r"\s[-–—―]+\s*([^-–—―]{2,120})$", text)
        if match and NAME_START.match(match[1]):
            text, cite = text[:match.start()].strip(), match[1].strip()
    kind: BlockKind = "paragraph" if block.kind == "attribution" else block.kind
    return Block(kind, text, block.level, cite or None)


def _read_text(text: str) -> list[Block]:
    """Read plain text: paragraphs between blank lines; two blank lines or more are a break."""
    blocks: list[Block] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for chunk in re.split(r"(\n(?:[ \t]*\n)+)", text):
        if not chunk.strip():
            if chunk.count("\n") >= 3:
                blocks.append(Block("break"))
            continue
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        # Chrome often sits on a line of its own at the top of a paragraph.
        lines = [line for line in lines if not _is_chrome(line)]
        if not lines:
            continue
        joined = _clean(" ".join(lines))
        blocks.append(Block("heading" if _looks_like_heading(lines, joined) else "paragraph",
                            joined))
    return blocks


def _looks_like_heading(lines: list[str], text: str) -> bool:
    """Say whether a plain-text paragraph is a heading: one short line that is not a sentence."""
    if len(lines) != 1 or len(text) > 160 or len(text.split()) > 25:
        return False
    if re.search(r"[“”\"]", text) or text[-1] in ".,;:!…’'":
        return False
    return not re.search(r"[.!?]\s+[A-Z]", text)


def _inline_text(token: object) -> str:
    """Return the plain text of a markdown-it inline token (emphasis and link marks dropped)."""
    parts: list[str] = []
    for child in getattr(token, "children", None) or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _read_markdown(text: str) -> list[Block]:
    """Read Markdown with markdown-it-py: headings, paragraphs, > quotes, --- breaks."""
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    heading: int | None = None
    quote_depth = 0
    quote_parts: list[str] = []
    for token in tokens:
        if token.type == "heading_open":
            heading = int(token.tag[1])
        elif token.type == "heading_close":
            heading = None
        elif token.type == "blockquote_open":
            if not quote_depth:
                quote_parts = []
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
            if not quote_depth:
                blocks.append(Block("quote", " ".join(quote_parts)))
        elif token.type == "hr":
            blocks.append(Block("break"))
        elif token.type == "html_block":
            blocks.extend(read_html(token.content))
        elif token.type == "inline":
            content = _inline_text(token)
            if heading is not None:
                blocks.append(Block("heading", content, heading))
            elif quote_depth:
                quote_parts.append(content)
            else:
                blocks.append(Block("paragraph", content))
    return blocks
