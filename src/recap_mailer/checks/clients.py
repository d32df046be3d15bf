"""The clients check: what caniemail.com's data (trimmed, in data/) says the major email
clients do not support, or support only partly, of the HTML and CSS the email uses."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import cssutils
import lxml.html
from cssselect import ExpressionError, SelectorError
from lxml.cssselect import CSSSelector

from recap_mailer.checks.client_features import (
    Matchers,
    Use,
    declarations,
    html_features,
    matchers,
    selector_features,
)
from recap_mailer.checks.context import Context
from recap_mailer.checks.findings import HTML_FILE, Finding, in_output


@cache
def caniemail() -> dict[str, Any]:
    """Return the trimmed caniemail.com data shipped with the package (see tools/)."""
    data = resources.files("recap_mailer.checks").joinpath("data/caniemail.json")
    return json.loads(data.read_text(encoding="utf-8"))


#: The client families reported, each with its caniemail clients. caniemail has no client for
#: Gmail's apps reading non-Google (IMAP) accounts: its Gmail iOS and Android results carry
#: that as a note ("Not supported with non Gmail accounts"), quoted with the partial features.
FAMILIES = {
    "Gmail": ("gmail.desktop-webmail", "gmail.ios", "gmail.android", "gmail.mobile-webmail"),
    "Outlook": ("outlook.windows", "outlook.windows-mail", "outlook.macos", "outlook.outlook-com",
                "outlook.ios", "outlook.android"),
    "Apple Mail": ("apple-mail.macos", "apple-mail.ios"),
    "Yahoo": ("yahoo.desktop-webmail", "yahoo.ios", "yahoo.android"),
    "Samsung Email": ("samsung-email.android",),
}


#: How the findings name a family's clients: caniemail's platform names, shortened.
PLATFORMS = {"desktop-webmail": "web", "mobile-webmail": "mobile web", "ios": "iOS",
             "android": "Android", "windows": "Windows", "windows-mail": "Windows Mail",
             "macos": "macOS", "outlook-com": "Outlook.com"}


@cache
def _by_title() -> dict[str, dict[str, Any]]:
    return {f["title"]: {**f, "slug": slug} for slug, f in caniemail()["features"].items()}


@lru_cache(maxsize=16)  # the check reads one HTML several times
def used_features(html: str) -> dict[str, list[Use]]:
    """Return the caniemail feature titles the email uses, each with its uses."""
    return html_features(_matchers(), html)


@cache
def _matchers() -> Matchers:
    return matchers(tuple(sorted((f["category"], t) for t, f in _by_title().items())))


def client_support(html: str) -> dict[str, dict[str, set[str]]]:
    """Return, per client, the used features caniemail marks unsupported and partial."""
    used = used_features(html)
    out: dict[str, dict[str, set[str]]] = {}
    for family in FAMILIES.values():
        for client in family:
            sets: dict[str, set[str]] = {"unsupported": set(), "partial": set()}
            for title in used:
                status = _by_title()[title]["support"].get(client, "y")
                if status.startswith("n"):
                    sets["unsupported"].add(title)
                elif not status.startswith("y"):  # "a" (partial) or "u" (unknown): look at it
                    sets["partial"].add(title)
            out[client] = sets
    return out


def _style(use: Use) -> dict[str, str]:
    return {name: value.removesuffix("!important").strip().lower() for name, value in use.style}


def _hidden(use: Use) -> bool:
    """Whether an element is hidden four ways at once, as MJML hides its preview text."""
    s = _style(use)
    return (s.get("display") == "none" and re.fullmatch(r"0(px)?", s.get("max-height", "")) is not
            None and s.get("opacity") == "0" and s.get("overflow") == "hidden")


def _solid(use: Use) -> bool:
    """Whether an element has a plain colour behind it, so square corners lose nothing."""
    s, attrs = _style(use), dict(use.attrs)
    colour = s.get("background-color") or s.get("background") or attrs.get("bgcolor", "")
    return bool(colour) and not re.search(r"url\(|gradient\(", colour)


def _columns_stack(html: str) -> bool:
    """Whether MJML's columns are full width without the media query that sets their widths."""
    columns = [re.search(r'\sstyle="([^"]*)"', tag) for tag in re.findall(r"<div\b[^>]*>", html)
               if re.search(r'\sclass="[^"]*\bmj-column-per-\d+', tag)]
    return bool(columns) and all(s and re.search(r"(?:^|;)\s*width:\s*100%", s[1]) for s in columns)


#: What the HTML must show for a feature a client ignores to lose nothing, and how to say so.
FALLBACKS: dict[str, tuple[Callable[[Use], bool], str]] = {
    "display:none": (_hidden, "hidden with max-height:0, opacity:0, overflow:hidden too"),
    "opacity": (_hidden, "only on text hidden four ways"),
    "overflow": (_hidden, "only on text hidden four ways"),
    "border-radius": (_solid, "on solid backgrounds: square corners"),
}


def is_selector(title: str) -> bool:
    """Whether a caniemail feature is a kind of CSS selector (useless where <style> is not)."""
    return title.endswith((" selector", " selectors", " combinator", " selector *"))


def not_inlined(html: str, title: str) -> tuple[str, ...]:
    """Return the selectors of a kind (a selector feature's title) not also inline."""
    return tuple(s for s in _not_inlined(html) if title in _selector_titles(s))


@lru_cache(maxsize=1024)
def _selector_titles(selector: str) -> frozenset[str]:
    return frozenset(selector_features(_matchers(), selector))


@lru_cache(maxsize=16)
def _not_inlined(html: str) -> tuple[str, ...]:
    """Return the selectors of <style> rules some element they match lacks inline.

    A client that drops <style> still shows a rule whose every property is also in the
    style attribute of every element it matches (the inline value wins either way).
    """
    document = lxml.html.document_fromstring(html)
    lacking: dict[str, None] = {}  # rules whose elements lack a property inline
    unmatched: dict[str, None] = {}  # rules for no element here (one a client adds)
    for block in document.iter("style"):
        for selectors, names in _style_rules(block.text or ""):
            for selector in selectors:
                find = _selector(selector)
                matched = find(document) if find is not None else None
                if not matched:  # nothing inline to fall back on (or :hover, not inlinable)
                    unmatched[selector] = None
                elif any(names - {n.lower() for n, _ in declarations(e.get("style", ""))}
                         for e in matched):
                    lacking[selector] = None
    return (*lacking, *unmatched)  # what an email shows first


# An edit to the words leaves the style blocks and their selectors as they were.
@lru_cache(maxsize=64)
def _style_rules(css: str) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """Return each style rule of a block: its selectors and the properties it sets."""
    parser = cssutils.CSSParser(validate=False, loglevel=logging.CRITICAL, fetcher=lambda u: None)
    return tuple((tuple(s.selectorText for s in rule.selectorList),
                  frozenset(p.name.lower() for p in rule.style))
                 for rule in parser.parseString(css).cssRules if rule.type == rule.STYLE_RULE)


@lru_cache(maxsize=1024)
def _selector(text: str) -> CSSSelector | None:
    """Return the selector compiled for lxml, or None for one it cannot match (:hover)."""
    try:
        return CSSSelector(text)
    except (SelectorError, ExpressionError):
        return None


def fallbacks(html: str) -> dict[str, str]:
    """Return the used features whose fallback the HTML shows, with what it is."""
    used = used_features(html)
    found = {title: why for title, (test, why) in FALLBACKS.items()
             if title in used and all(test(use) for use in used[title])}
    if "@media" in used and _columns_stack(html):
        found["@media"] = "without it the columns stack at full width"
    for title in used:
        if is_selector(title) and not not_inlined(html, title):
            found[title] = "its <style> rules are also inline"
    return found


@dataclass(frozen=True)
class FamilySupport:
    """What one client family lacks of what the email uses."""

    family: str
    unsupported: dict[str, tuple[str, ...]]  # title: the family's clients without it
    partial: dict[str, tuple[str, ...]]  # title: caniemail's notes (or clients) for it


def family_support(html: str) -> list[FamilySupport]:
    """Return, per family, the used features unsupported in any of its clients, and the
    features only partly supported (the rest)."""
    per_client = client_support(html)
    out = []
    for family, clients in FAMILIES.items():
        unsupported: dict[str, list[str]] = {}
        partial: dict[str, list[str]] = {}
        for client in clients:
            short = PLATFORMS[client.split(".")[1]]
            for title in per_client[client]["unsupported"]:
                unsupported.setdefault(title, []).append(short)
            for title in per_client[client]["partial"]:
                feature = _by_title()[title]
                cited = re.findall(r"#(\d+)", feature["support"][client])
                partial.setdefault(title, [])
                for n in cited or ["?"]:
                    partial[title].append(f"#{n}" if n in feature["notes"] else short)
        out.append(FamilySupport(
            family, {t: tuple(c) for t, c in sorted(unsupported.items())},
            {t: tuple(dict.fromkeys(sorted(n))) for t, n in sorted(partial.items())
             if t not in unsupported}))
    return out


def _clients(names: Iterable[str], family: str) -> str:
    names = tuple(dict.fromkeys(names))
    return "all" if len(names) == len(FAMILIES[family]) else "/".join(names)


def _selectors(support: FamilySupport, fallback: dict[str, str],
               html: str) -> tuple[list[str], list[str]]:
    """Return what to say of the unsupported selectors: (lacking, covered), named once each,
    as they share one reason (the client drops <style>)."""
    lacking, covered = [], []
    selectors = [t for t in support.unsupported if is_selector(t)]
    for done in (True, False):
        kinds = [t for t in selectors if (t in fallback) == done]
        if not kinds:
            continue
        where = _clients((c for t in kinds for c in support.unsupported[t]), support.family)
        named = ", ".join(t.split(" ")[0] for t in kinds)
        if done:
            covered.append(f"selectors: {named} ({where}; their <style> rules are also inline)")
        else:
            kinds_rules = {r for t in kinds for r in not_inlined(html, t)}
            rules = [r for r in _not_inlined(html) if r in kinds_rules]
            lacking.append(f"selectors: {named} ({where}; rules not also inline: "
                           f"{', '.join(list(rules)[:4])}{', …' * (len(rules) > 4)})")
    return lacking, covered


def _message(support: FamilySupport, fallback: dict[str, str], html: str) -> str:
    """Return one family's finding: counts, then what to look at, then what is covered."""
    lacking, covered = _selectors(support, fallback, html)
    for title, names in support.unsupported.items():
        if title in fallback and not is_selector(title):
            covered.append(f"{title} ({fallback[title]})")
        elif not is_selector(title):
            lacking.append(f"{title} ({_clients(names, support.family)})")
    parts = [f"{support.family}: {len(support.unsupported)} unsupported, "
             f"{len(support.partial)} partial"]
    if lacking:
        parts.append(f"not supported, check the email reads without them: {', '.join(lacking)}")
    if covered:
        parts.append(f"not supported, with a fallback in the HTML: {', '.join(covered)}")
    if support.partial:
        parts.append("partly supported (caniemail note numbers): " + ", ".join(
            f"{t} {' '.join(n)}" for t, n in support.partial.items()))
    return "; ".join(parts)


def check_clients(ctx: Context) -> list[Finding]:
    """One note per client family: what it does not support of the email, and only partly.

    Notes, for the reviewer: every email made with MJML uses something some client lacks, so
    as warnings they would fail every --strict build. What each note says is not supported
    without a fallback in the HTML is what to look at (the default template's layout is
    tested in Chromium with every <style> removed).
    """
    html = ctx.checked.html
    fallback = fallbacks(html)
    return [in_output("clients", HTML_FILE, "note", _message(support, fallback, html))
            for support in family_support(html) if support.unsupported or support.partial]
