"""Property tests: whatever text lands in a field, the build escapes it or refuses it cleanly."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES
from helpers import Page, fold
from recap_mailer.build import load_campaign, render_campaign
from recap_mailer.errors import SourceError

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
             f"{json.dumps(quote)}}}\n")
    folder = tmp_path / "prop"
    folder.mkdir(exist_ok=True)
    (folder / "recap.yaml").write_text(text, encoding="utf-8")
    return folder


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=HOSTILE, title=HOSTILE, quote=HOSTILE, name=HOSTILE)
def test_any_text_is_escaped_in_the_email(tmp_path: Path, subject: str, title: str, quote: str,
                                          name: str) -> None:
    try:
        build = render_campaign(load_campaign(campaign_with(tmp_path, subject, title, quote, name)))
    except SourceError as exc:
        # Only the field checks may refuse it (a line break in a name, say), never the renderer.
        assert all(d.path.endswith("recap.yaml") for d in exc.diagnostics), exc
        return
    page = Page(build.email.html)
    for tag, attrs in page.elements:
        assert tag not in ("script", "mj-text", "mj-raw"), tag
        assert not any(a.startswith("on") for a in attrs)
    text = page.text
    for value in (title, quote, name):
        assert fold(value) in text
