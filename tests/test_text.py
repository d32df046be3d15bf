"""The plain-text email: the 72-column wrap, and the same content as the HTML."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from conftest import CASES
from helpers import Page, fold
from recap_mailer.build import build_campaign, load_campaign
from recap_mailer.render import markdown
from recap_mailer.render.templating import make_environment
from recap_mailer.render.text import WIDTH, display_width, label, render_text, tidy, wrap

URL = re.compile(r"(?:https://|mailto:)\S+")


@pytest.fixture(scope="module")
def builds() -> dict:
    return {case: build_campaign(path) for case, path in CASES.items()}


def _text(builds: dict, case: str) -> str:
    return builds[case].files["email.txt"].decode("utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_text_is_the_same_twice(case: str, builds: dict) -> None:
    loaded = load_campaign(CASES[case])
    again = render_text(loaded.campaign, make_environment(loaded.source.directory))
    assert again == _text(builds, case)


@pytest.mark.parametrize("case", list(CASES))
def test_lines_fit_72_columns_unless_one_unbreakable_word(case: str, builds: dict) -> None:
    for line in _text(builds, case).splitlines():
        if display_width(line) > WIDTH:
            # Only a URL (or a single word that long) may pass the width, on a line of its own.
            word = re.sub(r"^ *(\[\d+\] )?", "", line)
            assert " " not in word, line


@pytest.mark.parametrize("case", list(CASES))
def test_no_stray_blank_lines_or_trailing_space(case: str, builds: dict) -> None:
    text = _text(builds, case)
    assert not text.startswith("\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.splitlines())
    assert "\r" not in text and "\t" not in text


@pytest.mark.parametrize("case", list(CASES))
def test_every_link_of_the_html_is_in_the_text_unbroken(case: str, builds: dict) -> None:
    page = Page(builds[case].email.html)
    hrefs = {html.unescape(a["href"] or "") for a in page.all("a") if a.get("href")}
    urls = set(URL.findall(_text(builds, case)))
    campaign = builds[case].campaign
    for href in hrefs:
        if href == campaign.email.unsubscribe_link or "utm_content=header" in href:
            continue
        assert href in urls, href
    assert campaign.email.unsubscribe_link in _text(builds, case).splitlines()


@pytest.mark.parametrize("case", list(CASES))
def test_text_has_every_session_and_featured_quote(case: str, builds: dict) -> None:
    campaign = builds[case].campaign
    # The words, without the invisible marks that keep right-to-left runs in order.
    text = fold(re.sub("[\u200e\u2066-\u2069]", "", _text(builds, case)))
    html_text = Page(builds[case].email.html).text
    for session in campaign.sessions:
        assert fold(session.title) in text
        assert session.kind_label.upper() in text
        for person in (*session.speakers, *([session.chair] if session.chair else [])):
            assert fold(person.credit) in text
        plain = markdown.to_text(session.summary).text
        summary = fold(plain)
        # Same words as the HTML's summary, paragraph by paragraph (the HTML has no space
        # between paragraphs), reference markers aside.
        if session.id not in builds[case].email.layout.compact:  # a one-line session has none
            assert all(re.sub(r" \[\d+\]", "", fold(paragraph)) in html_text
                       for paragraph in plain.split("\n\n")) or "<" in session.summary
        first_words = summary.split(" [")[0][:60]
        assert first_words in text
        if session.recording:
            assert "Watch the recording:" in text
    for quote in campaign.featured_quotes:
        assert f"“{fold(quote.text)}”" in text
        assert f"— {fold(quote.speaker.display_name)}" in text
    for quote in campaign.quotes:
        assert f"“{fold(quote.text)}”" in text
    assert fold(campaign.email.postal_address) in text
    if campaign.email.call_to_action:
        assert fold(campaign.email.call_to_action.text) in text


def test_sample_text_reads_as_text(builds: dict) -> None:
    text = _text(builds, "soc23-day1")
    for markup in ("&amp;", "&#", "&quot;", "<p", "<a ", "<br", "**", "</"):
        assert markup not in text
    assert "KEY QUOTES" in text and "*|UNSUB|*" in text
    assert "Social Economy Science (Oxford" in text  # *emphasis* loses its asterisks


def test_awkward_text_drops_raw_html_and_keeps_characters(builds: dict) -> None:
    text = _text(builds, "awkward")
    for dropped in ("onerror", 'alert("x")', "@import", "<svg", "<em>", "<img"):
        assert dropped not in text
    assert "plus kept & 5 < 6." in text
    assert "a link [1], and a mail link [2]." in fold(text)
    assert "[2] mailto:someone@example.org" in text
    assert "{{ UnsubscribeURL }}" in text.splitlines()
    assert "Voir le récap « complet » →\n" in text  # no colon after an arrow
    assert "山田 太郎 (東京大学)" in text


def test_listmonk_merge_tag_is_never_split() -> None:
    lines = wrap("x " * 30 + "{{ UnsubscribeURL }} and more words after the tag", 40)
    assert any("{{ UnsubscribeURL }}" in line for line in lines)


def test_wrap_never_breaks_a_url() -> None:
    url = "https://example.org/" + "a" * 100 + "?utm_source=newsletter&x=1"
    lines = wrap(f"See the page at {url} for the rest of the story.")
    assert url in lines
    assert all(display_width(line) <= WIDTH for line in lines if line != url)


def test_wrap_keeps_prefixes_and_hangs_under_markers() -> None:
    words = " ".join(["word"] * 30)
    assert all(line.startswith("> > ") for line in wrap("> > " + words, 40))
    listed = wrap("- " + words, 40)
    assert listed[0].startswith("- word") and all(line.startswith("  word") for line in listed[1:])
    numbered = wrap("12. " + words, 40)
    assert all(line.startswith("    word") for line in numbered[1:])
    indented = wrap("    — " + words, 40)
    assert all(line.startswith("    word") for line in indented[1:])


def test_reference_marker_stays_with_its_word() -> None:
    for line in wrap("aaaa " * 13 + "link [12]. More text follows here.", 72)[1:]:
        assert not line.startswith("[12]")


def test_wrap_counts_wide_and_combining_characters() -> None:
    assert display_width("山田") == 4
    assert display_width("e\u0301") == 1
    assert display_width("👩🏽\u200d💻") == 2
    lines = wrap("日本語 " * 30, 40)
    assert all(display_width(line) <= 40 for line in lines)


def test_tidy_collapses_blank_lines_and_ends_with_one_newline() -> None:
    assert tidy("\n\na  \n\n\n\nb\n\n") == "a\n\nb\n"


def test_label_adds_a_colon_only_after_words() -> None:
    assert label("Read the full recap") == "Read the full recap:"
    assert label("Register now!") == "Register now!"
    assert label("Go →") == "Go →"


def test_to_text_numbers_links_and_decodes_entities() -> None:
    result = markdown.to_text(
        "A &amp; B with [one](https://a.example/x) and [two](https://b.example/) and "
        "[one again](https://a.example/x), <https://c.example/> inline, [bad](javascript:x) "
        "and [worse](http://insecure.example/).",
        lambda url: url + "#t", first_link=4)
    assert result.text == ("A & B with one [4] and two [5] and one again [4], "
                           "https://c.example/#t inline, [bad](javascript:x) and worse.")
    assert result.numbered == ((4, "https://a.example/x#t"), (5, "https://b.example/#t"))


def test_to_text_keeps_structure_and_drops_script_content() -> None:
    source = ("Para one\ncontinues.\n\n- item a\n- item b\n\n> quoted\n>\n> again\n\n"
              "3. three\n4. four\n\nline<br>break <script>evil()</script>done "
              "<b>bold</b>\n\n<div>block &amp; <style>p{}</style>text</div>\n")
    assert markdown.to_text(source).text == (
        "Para one continues.\n\n- item a\n- item b\n\n> quoted\n>\n> again\n\n"
        "3. three\n4. four\n\nline\nbreak done bold\n\nblock & text")


def test_campaign_can_override_the_text_template(tmp_path: Path) -> None:
    campaign_dir = tmp_path / "custom"
    (campaign_dir / "templates").mkdir(parents=True)
    (campaign_dir / "recap.yaml").write_text(
        (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (campaign_dir / "templates" / "email.txt").write_text(
        "{{ email.subject }}\n\n\n\n{{ email.unsubscribe_link }}\n", encoding="utf-8")
    result = build_campaign(campaign_dir)
    assert result.files["email.txt"] == b"Minimal test recap\n\nhttps://example.org/unsubscribe\n"
