"""Fuzzing with hypothesis: the source reader, the Markdown fields and the message headers.

Thousands of examples in all. Each property is what a hostile or careless input may never do:
raise anything but the project's own error, point at a place outside the file, leave markup
that runs, or add a header.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from email.header import decode_header, make_header
from email.utils import parseaddr
from pathlib import Path

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES
from recap_mailer.build import load_campaign
from recap_mailer.errors import SourceError
from recap_mailer.format.kinds import link_problem
from recap_mailer.format.source import parse_source
from recap_mailer.inputs import decode_utf8
from recap_mailer.render.markdown import to_html, to_text
from recap_mailer.render.message import build_message

# Control characters are shown escaped in every diagnostic: none may reach a terminal raw.
_RAW_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _assert_located(exc: SourceError, text: str) -> None:
    lines = text.removeprefix("\ufeff").count("\n") + 1
    assert exc.diagnostics
    for diagnostic in exc.diagnostics:
        assert 0 <= diagnostic.line <= lines + 1, (diagnostic, lines)
        assert diagnostic.col >= 0
        shown = diagnostic.format()
        assert "\n" not in shown and not _RAW_CONTROL.search(shown), shown
        assert shown.startswith("recap.yaml:")


def _read(text: str) -> None:
    try:
        parse_source(text, "recap.yaml")
    except SourceError as exc:
        _assert_located(exc, text)


# YAML-shaped text from a small grammar: what a person (or a broken editor) may write.
_WORDS = st.sampled_from(["a", "key", "-", ":", " ", "  ", "\t", "\n", "\r\n", "[", "]", "{",
                          "}", ",", "&x", "*x", "!!str", "!tag", "'", '"', "#", "|", ">",
                          "---", "...", "?", "%YAML 1.1", "\ufeff", "\x00", "\x85", "\u2028",
                          "é", "日本", "مرحبا", "\\", '"\\ud800\\x00"', "@", "`", "~", "null",
                          "1e9", "0x1F"])
_SCALAR = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=8), _WORDS)
_YAMLISH = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(_SCALAR, inner, max_size=4).map(
            lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"),
        st.lists(inner, max_size=4).map(lambda xs: "".join(f"\n- {x}" for x in xs)),
        st.dictionaries(_SCALAR, inner, max_size=4).map(
            lambda d: "".join(f"\n{k}: {v}" for k, v in d.items())),
        st.tuples(st.integers(0, 8), inner).map(lambda p: "\n".join(
            " " * p[0] + line for line in p[1].split("\n"))),
    ),
    max_leaves=30,
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_WORDS, max_size=40).map("".join))
def test_the_reader_answers_any_sequence_of_yaml_tokens(text: str) -> None:
    _read(text)


@settings(max_examples=1500, deadline=None)
@given(_YAMLISH)
def test_the_reader_answers_any_yaml_shaped_text(text: str) -> None:
    _read(text)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200))
def test_the_reader_answers_any_bytes(data: bytes) -> None:
    try:
        text = decode_utf8(data, Path("recap.yaml"), "the recap source")
    except SourceError as exc:
        _assert_located(exc, data.decode("utf-8", errors="replace"))
        return
    _read(text)


@settings(max_examples=300, deadline=None)
@given(depth=st.integers(1, 400), opener=st.sampled_from(["[", "{a: ", "- ", "a:\n  "]))
def test_deep_nesting_of_any_shape_is_a_located_error_or_data(depth: int, opener: str) -> None:
    if opener.startswith("a:"):
        text = "".join("  " * i + "a:\n" for i in range(depth)) + "  " * depth + "x\n"
    elif opener == "- ":
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"
    else:
        text = opener * depth + "x"
    _read(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=st.integers(0, 200), junk=st.sampled_from(
    ["\x00", "\x1b[31m", ": : :", "\t- x", "[", "&a *a", "!!python/object:os.system x",
     "key: &a [*a]", '"\\ud800"', "<<: *x", "? complex\n: key"]))
def test_junk_on_any_line_of_the_sample_is_answered_in_place(line: int, junk: str) -> None:
    text = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    lines = text.split("\n")
    at = min(line, len(lines) - 1)
    lines[at] = lines[at] + junk
    _read("\n".join(lines))


# Prose as writers and attackers write it: Markdown, raw HTML, links of every scheme.
_FRAGMENTS = st.sampled_from([
    "*", "**", "_", "`", "[", "]", "(", ")", "<", ">", "&", "&amp;", "&#x3C;", "&lt;script&gt;",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:x'>",
    "</a>", "<iframe src=https://e.x>", "<svg onload=x>", "<style>*{}</style>", "<b", "<!--",
    "-->", "<p onclick=x>", "[x](javascript:alert(1))", "[x](data:text/html,1)",
    "[x](vbscript:x)", "[x](https://ok.example/a)", "[x](mailto:a@b.c)", "<https://e.x>",
    "[x]( jav&#x09;ascript:x)", "![i](https://e.x/i.png)", "> ", "- ", "1. ", "\n", "\n\n",
    "    code", "# ", "\\", "\u202e", "👩🏽‍💻", "é", "日本語", "مرحبا", "x" * 300,
])
# Validation refuses control characters in text before any of it reaches the renderer.
_PROSE = st.lists(st.one_of(_FRAGMENTS, st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                               max_size=6)), max_size=25).map("".join)
_RUNS = frozenset({"script", "iframe", "object", "embed", "svg", "math", "style", "img", "form"})


@settings(max_examples=3000, deadline=None)
@given(_PROSE)
def test_prose_renders_to_html_that_runs_nothing_and_links_only_safely(text: str) -> None:
    out = to_html(text)
    if not out.strip():
        return
    for element in lxml.html.fragment_fromstring(out, create_parent="div").iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in _RUNS, out
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), out
            if name in ("href", "src"):
                assert link_problem(value) is None and value.startswith(("https:", "mailto:")), out


@settings(max_examples=2000, deadline=None)
@given(_PROSE)
def test_prose_renders_to_plain_text_with_no_markup_left(text: str) -> None:
    plain = to_text(text)
    html_tags = re.compile(r"<\s*/?\s*(script|iframe|img|svg|style|a|p|b|em|strong)\b", re.I)
    # A tag-like run left in the text must be words the email shows as text too (an escaped
    # "<" in the source), never markup the text twin kept and the HTML dropped.
    rendered = to_html(text)
    shown = (lxml.html.fragment_fromstring(rendered, create_parent="div").text_content()
             if rendered.strip() else "")
    for tag in html_tags.finditer(plain.text):
        assert tag.group().lower() in shown.lower(), (plain.text, rendered)
    for link in plain.links:
        assert link_problem(link) is None


# Header values: every line separator Python's email package knows, and headers to inject.
_HEADER_PARTS = st.sampled_from(["\r", "\n", "\r\n", "\r\nBcc: x@evil.example", "\nBcc: x@e.x",
                                 "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x00",
                                 "=?utf-8?q?x?=",
                                 "Ünïcødé" * 12, "日本語のとても長い件名" * 6, " ", ":", "<>",
                                 '"', "\t", "a" * 90])
# Other control characters are refused by validation (text fields), before any header.
_HEADER = st.lists(st.one_of(_HEADER_PARTS, st.text(st.characters(
    blacklist_categories=("Cs", "Cc")), max_size=6)), min_size=1, max_size=10).map("".join)
_EXPECTED = {"subject", "from", "to", "date", "message-id", "list-id", "list-unsubscribe",
             "list-unsubscribe-post", "mime-version", "content-type"}


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=_HEADER, name=_HEADER)
def test_no_value_can_add_a_header_to_the_message(subject: str, name: str) -> None:
    campaign = _minimal()
    changed = replace(campaign, email=replace(campaign.email, subject=subject,
                                              sender=replace(campaign.email.sender, name=name)))
    try:
        data = build_message(changed, "text\n", "<p>html</p>")
    except SourceError as exc:  # refused with the field named: a line break, an encoded-word
        assert all(re.search(r"email\.(subject|from\.name): must", d.message)
                   for d in exc.diagnostics), exc
        return
    head = data.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert {key.lower() for key in message} <= _EXPECTED
    assert "bcc" not in {key.lower() for key in message}
    # Folding may turn runs of spaces into one; the words and their order stay.
    assert str(message["Subject"]).split() == subject.split()
    # Decoded as RFC 2047 says: the space between two encoded-words is not part of the text.
    # (The email package's address parser puts one there; mail clients do not.)
    shown, address = _sender(data)
    assert (shown.split(), address) == (name.split(), campaign.email.sender.address)


def _sender(data: bytes) -> tuple[str, str]:
    """Return the From header's name and address, the name decoded as RFC 2047 says."""
    head = data.split(b"\r\n\r\n")[0].decode("ascii")
    unfolded = re.sub(r"\r\n[ \t]", " ", head)
    raw = next(line[6:] for line in unfolded.split("\r\n") if line.startswith("From: "))
    phrase, _, address = raw.rpartition(" <")
    if "=?" in phrase:
        return str(make_header(decode_header(phrase))), address.removesuffix(">")
    return parseaddr(raw)


_LOADED = {}


def _minimal():
    if "minimal" not in _LOADED:
        _LOADED["minimal"] = load_campaign(CASES["minimal"]).campaign
    return _LOADED["minimal"]
