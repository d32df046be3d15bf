"""Which caniemail features an HTML email uses, found the way doiuse-email finds them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

import cssutils
import lxml.etree

#: The at-rules doiuse-email counts (the rule types of the npm ``css`` parser it uses).
_RULE = cssutils.css.CSSRule
_AT_RULES = {_RULE.MEDIA_RULE: "media", _RULE.IMPORT_RULE: "import",
             _RULE.FONT_FACE_RULE: "font-face", _RULE.PAGE_RULE: "page",
             _RULE.NAMESPACE_RULE: "namespace"}
_OTHER_AT = re.compile(r"^\s*@(?:-[a-z]+-)?(keyframes|supports|document|charset|host)\b")


@dataclass(frozen=True)
class Use:
    """One use of a feature: what it was, and the element's (or rule's) declarations."""

    example: str
    style: tuple[tuple[str, str], ...]  # the declarations beside it, names lower-cased
    attrs: tuple[tuple[str, str], ...] = ()  # the element's attributes, if on an element


@dataclass(frozen=True, eq=False)  # one table a run (matchers() is cached): known by identity
class Matchers:
    """doiuse-email's ways of naming a feature, derived from caniemail's titles as it does."""

    properties: frozenset[str]
    pairs: tuple[tuple[str, str, str], ...]
    keywords: tuple[tuple[str, str], ...]
    units: tuple[tuple[str, re.Pattern[str]], ...]
    pseudo: tuple[str, ...]
    at_rules: dict[str, str]
    elements: dict[str, tuple[str, ...]]
    attributes: dict[str, tuple[str, ...]]
    typed: tuple[tuple[str, str, str, str], ...]  # title, element, attribute, value


@cache
def matchers(titles: tuple[tuple[str, str], ...]) -> Matchers:  # a table: one line a rule
    """Return the matchers for (category, title) pairs, as doiuse-email builds its own."""
    css = [t for c, t in titles if c == "css"]
    html = [t for c, t in titles if c == "html"]
    pairs = tuple((t, m[1], m[2]) for t in css if (m := re.search(r"([a-z-]+):\s*([a-z-]+)", t)))
    units = tuple((t, re.compile(r"\binitial\b" if u == "initial" else rf"\d{re.escape(u)}"))
                  for t in css if t.endswith(" unit") for u in [t.removesuffix(" unit")])
    elements: dict[str, tuple[str, ...]] = {
        "address": ("address",), "Image maps": ("map",), "Embedded <svg> image": ("image",),
        "HTML5 semantics": ("article", "aside", "details", "figcaption", "figure", "footer",
                            "header", "main", "mark", "nav", "section", "summary", "time")}
    for t in html:
        if t not in elements and (m := re.search(r"<(\w+)>", t)):
            elements[t] = (m[1],)
    attributes = {t: (t.removesuffix(" attribute"),) for t in html if t.endswith("attribute")}
    if "srcset and sizes attributes" in html:
        attributes["srcset and sizes attributes"] = ("srcset", "sizes")
    typed = tuple((t, m[1], m[2], m[3]) for t in html
                  if (m := re.search(r'<(\w+) (\w+)="(\w+)"> element', t)))
    return Matchers(
        # doiuse-email checks a property only when a title is exactly its name.
        properties=frozenset(t for t in css if re.fullmatch(r"[a-z-]+", t)),
        pairs=pairs, units=units,
        keywords=tuple((t, t.replace(" keyword", "")) for t in css if " keyword" in t),
        pseudo=tuple(t for t in css if t.startswith(":")),
        at_rules={t[1:]: t for t in css if t.startswith("@")},
        elements={t: v for t, v in elements.items() if t in html},
        attributes=attributes, typed=typed)


def declarations(text: str) -> list[tuple[str, str]]:
    """Return a style attribute's (name, value) pairs, comments dropped."""
    out = []
    for part in re.sub(r"/\*.*?\*/", "", text, flags=re.S).split(";"):
        name, colon, value = part.partition(":")
        if colon and name.strip() and value.strip():
            out.append((name.strip(), value.strip()))
    return out


def declaration_features(m: Matchers, name: str, value: str) -> Iterator[str]:
    """Yield the titles one declaration uses."""
    if name in m.properties:
        yield name
    yield from (t for t, unit in m.units if unit.search(value))
    yield from (t for t, keyword in m.keywords if keyword in value)
    yield from (t for t, n, v in m.pairs if n == name and v == value)


_SELECTOR_TOKEN = re.compile(
    r"""(?P<ws>\s*(?P<comb>[>+~])\s*|\s+)|(?P<id>\#[-\w]+)|(?P<cls>\.[-\w]+)|(?P<attr>\[[^\]]*\])
    |(?P<pseudo>::?[-\w]+(?:\((?:[^()]|\([^()]*\))*\))?)|(?P<star>\*)|(?P<tag>[-\w]+)""", re.X)


def selector_features(m: Matchers, selector: str) -> Iterator[str]:
    """Yield the titles one selector uses (css-what's reading of it, as doiuse-email's tests)."""
    yield from (t for t in m.pseudo if t in selector)
    kinds: list[str] = []
    for token in _SELECTOR_TOKEN.finditer(selector.strip()):
        if token["ws"] is not None:
            kinds.append({">": "child", "+": "adjacent", "~": "sibling"}.get(token["comb"] or "",
                                                                            "descendant"))
        elif token["attr"]:
            name = re.match(r"\[\s*([-\w]+)", token["attr"])
            kinds.append({"id": "id", "class": "cls"}.get(name[1] if name else "", "attr"))
        else:
            kinds.append(next(k for k in ("id", "cls", "pseudo", "star", "tag") if token[k]))
    for title, kind in (("Adjacent sibling combinator", "adjacent"), ("Attribute selector", "attr"),
                        ("Child combinator", "child"), ("Class selector", "cls"),
                        ("Descendant combinator", "descendant"), ("ID selector", "id"),
                        ("General sibling combinator", "sibling"), ("Type selector", "tag"),
                        ("Universal selector *", "star")):
        if kind in kinds:
            yield title
    if kinds.count("cls") >= 2:
        yield "Chaining selectors"


def sheet_features(m: Matchers, css: str, used: dict[str, list[Use]]) -> None:
    """Add the titles a <style> block uses; like doiuse-email, top-level rules only."""
    for title, use in _sheet_uses(m, css):
        used.setdefault(title, []).append(use)


# An edit to the words leaves the style blocks as they were: each is read once.
@lru_cache(maxsize=64)
def _sheet_uses(m: Matchers, css: str) -> tuple[tuple[str, Use], ...]:
    parser = cssutils.CSSParser(validate=False, loglevel=logging.CRITICAL, fetcher=lambda u: None)
    found: list[tuple[str, Use]] = []
    for rule in parser.parseString(css).cssRules:
        if rule.type == rule.STYLE_RULE:
            style = tuple((p.name.lower(), p.value + (" !important" if p.priority else ""))
                          for p in rule.style)
            for name, value in style:
                found.extend((title, Use(f"{rule.selectorText} {{ {name}: {value} }}", style))
                             for title in declaration_features(m, name, value))
            for selector in rule.selectorList:
                found.extend((title, Use(selector.selectorText, style))
                             for title in selector_features(m, selector.selectorText))
        kind = _AT_RULES.get(rule.type)
        if kind is None and (other := _OTHER_AT.match(getattr(rule, "cssText", "") or "")):
            kind = other[1]
        if kind in m.at_rules:
            found.append((m.at_rules[kind], Use(f"@{kind}", ())))
    return tuple(found)


@lru_cache(maxsize=4096)  # an email repeats a few style attributes hundreds of times
def _declared(m: Matchers, text: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Return a style attribute's declarations, each with the titles it uses."""
    return tuple((name, value, tuple(declaration_features(m, name, value)))
                 for name, value in declarations(text))


class _Reader:
    """Walks the elements as doiuse-email's htmlparser2 gives them (not <style>, <script>);
    lxml's parser reads the same tags and attributes, and Outlook's conditional comments stay
    comments to both."""

    def __init__(self, m: Matchers) -> None:
        self.m, self.used, self.sheets = m, {}, []

    def feed(self, html: str) -> None:
        parser = lxml.etree.HTMLParser(encoding="utf-8")
        root = lxml.etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
        if root is None:
            return
        for element in root.iter(tag=lxml.etree.Element):
            if element.tag == "style":
                self.sheets.append(element.text or "")
            elif element.tag != "script":
                self.handle_starttag(element.tag, element.attrib.items())

    def handle_starttag(self, tag: str, attrs: Iterable[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        declared = _declared(self.m, values.get("style", ""))
        style = tuple((n.lower(), v) for n, v, _ in declared)
        use = Use(f"<{tag}>", style, tuple(values.items()))
        for title in self._element_features(tag, values):
            self.used.setdefault(title, []).append(use)
        for name, value, titles in declared:
            for title in titles:
                self.used.setdefault(title, []).append(
                    Use(f"<{tag} style={name}:{value}>", style, tuple(values.items())))

    def _element_features(self, tag: str, values: dict[str, str]) -> list[str]:
        """Return the titles an element uses by its name and attributes."""
        found = [t for t, tags in self.m.elements.items() if tag in tags]
        found += [t for t, names in self.m.attributes.items() if set(names) & values.keys()]
        found += [t for t, el, a, v in self.m.typed if el == tag and values.get(a) == v]
        if tag == "a" and (values.get("href", "").startswith("#") or "name" in values):
            found.append("Local anchors")
        if tag == "a" and values.get("href", "").startswith("mailto:"):
            found.append("mailto: links")
        if tag == "html" and {"⚡4email", "amp4email"} & values.keys():
            found.append("AMP for Email")
        return found


def html_features(m: Matchers, html: str) -> dict[str, list[Use]]:
    """Return the titles the email uses, each with its uses (style blocks first)."""
    reader = _Reader(m)
    reader.feed(html)
    used: dict[str, list[Use]] = {}
    for css in reader.sheets:
        sheet_features(m, css, used)
    for title, uses in reader.used.items():
        used.setdefault(title, []).extend(uses)
    return used


