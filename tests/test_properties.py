"""Property tests: whatever text lands in a field, the build escapes it or refuses it cleanly."""

from __future__ import annotations

import copy
import email
import email.policy
import functools
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES
from helpers import Page, fold
from recap_mailer.build import build_campaign, load_campaign, render_campaign
from recap_mailer.errors import SourceError
from recap_mailer.format.source import parse_source
from recap_mailer.format.validate import validate

# Text that leans on what breaks markup: brackets, quotes, entities, template syntax, emoji.
TOKENS = [*"<>&\"'`=/{}%|*#[]()!\\:;", "</mj-text>", "<script>", "{{", "}}", "{%",
          "*|UNSUB|*", "&amp;", "&#34;", "javascript:", "👩🏽‍💻", "é", "مرحبا", "日本", "\u200b"]
HOSTILE = (
    st.lists(st.one_of(st.sampled_from(TOKENS),
                       st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=5)),
             min_size=1, max_size=12)
    .map("".join)
    .filter(lambda s: s.strip() != "")
)


def campaign_with(tmp_path: Path, subject: str, title: str, quote: str, name: str) -> Path:
    text = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    text = (text.replace("subject: Minimal test recap", f"subject: {json.dumps(subject)}")
            .replace("title: A talk", f"title: {json.dumps(title)}")
            .replace("{id: ada, name: Ada Lovelace}", f"{{id: ada, name: {json.dumps(name)}}}"))
    text += ("quotes:\n  - {id: q, speaker: ada, session: talk, featured: true, text: "
             f"{json.dumps(quote)}}}\n"
             "social:\n  platforms: {x: {}, bluesky: {}, mastodon: {limit: 300}, linkedin: {}}\n")
    folder = tmp_path / "prop"
    folder.mkdir(exist_ok=True)
    (folder / "recap.yaml").write_text(text, encoding="utf-8")
    return folder


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=HOSTILE, title=HOSTILE, quote=HOSTILE, name=HOSTILE)
def test_any_text_is_escaped_in_every_output(tmp_path: Path, subject: str, title: str,
                                             quote: str, name: str) -> None:
    try:
        build = render_campaign(load_campaign(campaign_with(tmp_path, subject, title, quote, name)))
    except SourceError as exc:
        # Only the field checks may refuse it (a line break in a name, say), never a renderer.
        assert all(d.path.endswith("recap.yaml") for d in exc.diagnostics), exc
        return
    # The HTML email: values are text, never markup.
    page = Page(build.email.html)
    for tag, attrs in page.elements:
        assert tag not in ("script", "mj-text", "mj-raw"), tag
        assert not any(a.startswith("on") for a in attrs)
    for value in (title, quote, name):
        assert fold(value) in page.text
    # The text twin says the same, as plain text.
    text = fold(build.files["email.txt"].decode("utf-8"))
    for value in (title, quote, name):
        assert fold(value) in text
    # The message parses back and both parts decode to what was rendered.
    message = email.message_from_bytes(build.files["email.eml"], policy=email.policy.default)
    plain, html = (part.get_content() for part in message.iter_parts())
    assert plain.replace("\r\n", "\n") == build.files["email.txt"].decode("utf-8")
    assert html.replace("\r\n", "\n").rstrip("\n") == build.email.html.rstrip("\n")
    assert str(message["Subject"]) == " ".join(subject.split()) or "\n" not in subject
    # The posts: valid JSON, every post within its limit, the quote's words intact.
    posts = json.loads(build.files["posts.json"])["posts"]
    assert posts
    for post in posts:
        assert post["length"] <= post["limit"]
    # The preview: the values appear as text, no script of theirs (the page's own alone).
    preview = Page(build.files["preview.html"].decode("utf-8"))
    assert [t for t, _ in preview.elements if t == "script"] == ["script"] * _own_scripts()
    assert fold(title) in preview.text


@functools.cache
def _own_scripts() -> int:
    """Return how many scripts the review page has of its own, for a source of plain words."""
    page = Page(build_campaign(CASES["minimal"]).files["preview.html"].decode("utf-8"))
    return sum(tag == "script" for tag, _ in page.elements)


# Values of every YAML shape, dropped anywhere in a valid source: the validator must answer
# with located errors or a campaign, never crash.
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False), st.text(max_size=30))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
BASE = yaml.safe_load((CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8"))
PLACES = [("email", "subject"), ("email", "from"), ("email", "send_at"), ("event",),
          ("event", "date"), ("event", "timezone"), ("event", "hashtags"), ("people",),
          ("people", 0, "id"), ("sessions", 0), ("sessions", 0, "speakers"), ("quotes",),
          ("social",), ("schedule",), ("theme",), ("version",), ("lang",)]


@settings(max_examples=1500, deadline=None)
@given(place=st.sampled_from(PLACES), value=VALUES)
def test_validator_answers_any_value_anywhere(place: tuple, value: object) -> None:
    data = copy.deepcopy(BASE)
    target = data
    for part in place[:-1]:
        target = target[part]
    target[place[-1]] = value
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    try:
        validate(parse_source(text), "fuzz")
    except SourceError as exc:
        assert exc.diagnostics
        for diagnostic in exc.diagnostics:
            assert diagnostic.line >= 1 and diagnostic.col >= 1
            assert diagnostic.severity == "error" or diagnostic.severity == "warning"
