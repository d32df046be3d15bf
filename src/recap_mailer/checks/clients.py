"""The clients check: CSS features the email uses that major email clients do not support,
from caniemail.com's data (trimmed, in data/)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import cssutils

from recap_mailer.checks.context import Context
from recap_mailer.checks.findings import HTML_FILE, Finding, in_output


@cache
def caniemail() -> dict[str, Any]:
    """Return the trimmed caniemail.com data shipped with the package (see tools/)."""
    data = resources.files("recap_mailer.checks").joinpath("data/caniemail.json")
    return json.loads(data.read_text(encoding="utf-8"))


#: Features used with a fallback every client gets, so not worth a reviewer's attention:
#: - css-at-media: MJML's responsive stacking; without media queries a client shows the
#:   600 px desktop layout (Outlook for Windows gets MJML's conditional tables).
#: - css-at-media-prefers-color-scheme: dark mode is an enhancement; other clients show the
#:   light theme, whose contrast this check also verifies.
#: - css-border-radius: square corners in Outlook for Windows; nothing is lost.
#: - css-opacity, css-overflow, css-max-height, css-height: MJML's hidden preview text and
#:   image sizing use them next to display:none and width/height attributes, which hide and
#:   size in every client.
ALLOWED_FEATURES = frozenset({
    "css-at-media", "css-at-media-prefers-color-scheme", "css-border-radius",
    "css-opacity", "css-overflow", "css-max-height", "css-height",
})

#: Declarations of MJML's own reset CSS. Each asks for what clients do anyway (the default
#: cursor, no outline on images, normal word spacing), so a client ignoring it loses nothing.
MJML_RESETS = frozenset({
    ("cursor", "auto"), ("outline", "none"), ("word-spacing", "normal"),
    ("word-break", "break-word"), ("border-spacing", "0"), ("border-spacing", "0px"),
})

_SIDE = re.compile(r"-(?:top|right|bottom|left|inline|block)(?=-|$)")
_ASPECT = re.compile(r"-(?:color|width|style)$")
_FUNCTIONS = {"linear-gradient(": "css-linear-gradient", "radial-gradient(": "css-radial-gradient",
              "var(": "css-variables", "calc(": "css-unit-calc", "clamp(": "css-function-clamp",
              "min(": "css-function-min", "max(": "css-function-max"}


def _property_features(name: str, value: str, important: bool) -> Iterator[str]:
    """Yield the caniemail slugs one declaration uses."""
    features = caniemail()["features"]
    name = name.strip().lower()
    if (name, value.strip().lower()) in MJML_RESETS:
        return
    for candidate in (name, _SIDE.sub("", name), _ASPECT.sub("", _SIDE.sub("", name))):
        if f"css-{candidate}" in features:
            yield f"css-{candidate}"
            break
    value = value.strip().lower()
    if name == "display" and value in ("flex", "grid", "none", "inline-flex", "inline-grid"):
        yield f"css-display-{value.removeprefix('inline-')}"
    for function, slug in _FUNCTIONS.items():
        if function in value:
            yield slug
    if important or "!important" in value:
        yield "css-important"


_DECLARATION = re.compile(r"([-a-zA-Z]+)\s*:\s*([^;]+)")
_PSEUDO = re.compile(r"(?<!:):([a-z-]+)")
_PSEUDO_ELEMENT = re.compile(r"::?(before|after|first-line|first-letter|marker|placeholder)\b")


def css_features(styles: Iterable[str], inline: Iterable[str]) -> dict[str, str]:
    """Return the caniemail slugs the CSS uses, each with an example of where."""
    used: dict[str, str] = {}
    for declarations in inline:
        for slug, example in _inline_features(declarations):
            used.setdefault(slug, example)
    for css in styles:
        for slug, example in _sheet_features(css):
            used.setdefault(slug, example)
    return used


@lru_cache(maxsize=1024)  # the same style attributes come back in every email and rebuild
def _inline_features(declarations: str) -> tuple[tuple[str, str], ...]:
    used: dict[str, str] = {}
    for name, value in _DECLARATION.findall(declarations):
        for slug in _property_features(name, value, False):
            used.setdefault(slug, f"{name}:{value.strip()}")
    return tuple(used.items())


@lru_cache(maxsize=64)  # a theme's style blocks rarely change between rebuilds
def _sheet_features(css: str) -> tuple[tuple[str, str], ...]:
    parser = cssutils.CSSParser(validate=False, loglevel=logging.CRITICAL, fetcher=lambda u: None)
    used: dict[str, str] = {}
    _rules_features(parser.parseString(css).cssRules, used)
    return tuple(used.items())


def _rules_features(rules: Any, used: dict[str, str]) -> None:
    features = caniemail()["features"]
    for rule in rules:
        if rule.type == rule.MEDIA_RULE:
            used.setdefault("css-at-media", f"@media {rule.media.mediaText}")
            for query in ("prefers-color-scheme", "prefers-reduced-motion", "orientation",
                          "hover"):
                if query in rule.media.mediaText:
                    used.setdefault(f"css-at-media-{query}", f"@media {rule.media.mediaText}")
            _rules_features(rule.cssRules, used)
        elif rule.type == rule.STYLE_RULE:
            selector = rule.selectorText
            for element in _PSEUDO_ELEMENT.findall(selector):
                used.setdefault(f"css-pseudo-element-{element}", selector)
            for pseudo in _PSEUDO.findall(_PSEUDO_ELEMENT.sub("", selector)):
                if f"css-pseudo-class-{pseudo}" in features:
                    used.setdefault(f"css-pseudo-class-{pseudo}", selector)
            for prop in rule.style:
                for slug in _property_features(prop.name, prop.value, bool(prop.priority)):
                    used.setdefault(slug, f"{selector} {{ {prop.name}: {prop.value} }}")
        elif rule.type == rule.FONT_FACE_RULE:
            used.setdefault("css-at-font-face", "@font-face")
        elif rule.type == rule.IMPORT_RULE:
            used.setdefault("css-at-import", "@import")
        else:
            text = getattr(rule, "cssText", "")
            for at_rule in ("keyframes", "supports"):
                if f"@{at_rule}" in text or f"@-webkit-{at_rule}" in text:
                    used.setdefault(f"css-at-{at_rule}", f"@{at_rule}")


def check_clients(ctx: Context) -> list[Finding]:
    """One finding per CSS feature the email uses that a major client does not support."""
    data = caniemail()
    clients = data["clients"]
    found = []
    used = css_features(ctx.email.styles, ctx.email.inline_styles)
    for slug in sorted(used):
        if slug in ALLOWED_FEATURES:
            continue
        support = data["features"][slug]["support"]
        missing = [clients[c] for c, v in sorted(support.items()) if v.startswith("n")]
        if not missing:
            continue  # partial support only: the notes are edge cases, not worth a warning
        partial = [clients[c] for c, v in sorted(support.items()) if v.startswith("a")]
        also = f"; partly in {', '.join(partial)}" if partial else ""
        title = data["features"][slug]["title"]
        found.append(in_output("clients", HTML_FILE, "warning",
                             f"{title} ({used[slug][:60]}) is not supported in "
                             f"{', '.join(missing)}{also} (caniemail: {slug})"))
    return found
