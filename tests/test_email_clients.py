"""The email as the clients it lands in read it: Outlook's buttons, the inbox snippet, MRML."""

from __future__ import annotations

import re

import lxml.html
import mjml
import pytest

from conftest import CASES
from helpers import Page, fold
from recap_mailer.build import build_campaign
from recap_mailer.render.inbox import SNIPPET_CHARS, inbox_snippet, preheader_filler


@pytest.fixture(scope="module")
def builds() -> dict:
    return {case: build_campaign(path) for case, path in CASES.items()}


def _style(element: lxml.html.HtmlElement) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in element.get("style", "").split(";") if ":" in part)
    return {name.strip().lower(): value.strip() for name, value in pairs}


@pytest.mark.parametrize("case", ["soc23-day1", "minimal", "awkward"])
def test_every_call_to_action_is_a_filled_and_padded_table_cell(case: str, builds: dict) -> None:
    # Outlook for Windows pads and fills table cells only: a link styled as a button shows
    # as plain highlighted text there.
    build = builds[case]
    document = lxml.html.document_fromstring(build.email.html)
    buttons = []
    for link in document.iter("a"):
        style = _style(link)
        if not ({"background", "background-color", "padding"} & style.keys()):
            continue
        cell = link.getparent()
        assert cell.tag == "td", f"{link.text_content()!r} is a CSS-only button"
        cell_style = _style(cell)
        assert cell.get("bgcolor"), f"{link.text_content()!r}: its cell has no bgcolor"
        assert {"padding", "mso-padding-alt"} & cell_style.keys(), link.text_content()
        buttons.append(link)
    recordings = sum(1 for s in build.campaign.sessions if s.recording
                     and s.id not in build.email.layout.compact
                     and s not in build.email.layout.omitted)
    watch = [b for b in document.iter("a") if b.text_content() == "Watch the recording"]
    assert len(watch) == recordings
    for link in watch:
        cell = link.getparent()
        assert cell.tag == "td" and cell.get("bgcolor")
        assert "padding" in _style(cell)
    cta = build.campaign.email.call_to_action
    expected = recordings + (1 if cta else 0)
    assert len(watch) + len([b for b in buttons if b.text_content() != "Watch the recording"]) \
        == expected


def test_mrml_still_writes_an_html_attribute_named_vertical_align() -> None:
    # When this fails, MRML has stopped writing it: drop render.email._MRML_VERTICAL_ALIGN.
    html = mjml.mjml2html("<mjml><mj-body><mj-section><mj-column><mj-button href="
                          '"https://example.org/">Go</mj-button></mj-column></mj-section>'
                          "</mj-body></mjml>")
    assert re.search(r'<td [^>]*vertical-align="middle"', html)


@pytest.mark.parametrize("case", list(CASES))
def test_the_email_has_no_vertical_align_attribute(case: str, builds: dict) -> None:
    document = lxml.html.document_fromstring(builds[case].email.html)
    assert not [e.tag for e in document.iter() if isinstance(e.tag, str)
                and "vertical-align" in e.attrib]


@pytest.mark.parametrize("case", list(CASES))
def test_the_inbox_snippet_is_the_preheader_and_nothing_of_the_body(case: str,
                                                                  builds: dict) -> None:
    build = builds[case]
    preheader = build.campaign.email.preheader
    assert inbox_snippet(build.email.html) == " ".join(preheader.split())
    # Without the filler, the body's first words would follow it.
    bare = build.email.html.replace(preheader_filler(preheader), "")
    assert inbox_snippet(bare) != inbox_snippet(build.email.html)
    assert inbox_snippet(bare).startswith(" ".join(preheader.split()))


@pytest.mark.parametrize("length", [0, 1, 50, 140, 248, 249, 250, 400])
def test_preheader_filler_reaches_the_snippet_length(length: int) -> None:
    filler = preheader_filler("x" * length)
    assert set(filler) <= {"\u034f", "\u200c", "\u00a0"}
    assert length + len(filler) >= SNIPPET_CHARS
    assert len(filler) < max(3, SNIPPET_CHARS - length + 3)


def test_the_preview_inbox_line_shows_what_the_inbox_shows(builds: dict) -> None:
    page = builds["soc23-day1"].files["preview.html"].decode()
    line = re.search(r'<span class="pre">– ([^<]*)</span>', page)
    assert line and line[1] == " ".join(builds["soc23-day1"].campaign.email.preheader.split())


def test_every_key_quote_reaches_a_long_email(builds: dict) -> None:
    # 44 sessions and 32 quotes: the email lists most sessions in one line, quotes kept.
    build = builds["big-day"]
    assert len(build.email.layout.compact) > 30 and not build.email.layout.omitted
    shown = fold(Page(build.email.html).text)
    for quote in build.campaign.quotes:
        assert fold(f"“{quote.text}”") in shown, quote.id
        assert quote.speaker.display_name in shown


def test_sessions_without_quotes_are_left_to_the_web_first() -> None:
    from recap_mailer.build import load_campaign
    from recap_mailer.render.email import render_email
    from recap_mailer.render.templating import make_environment

    campaign = load_campaign(CASES["big-day"]).campaign
    email = render_email(campaign, make_environment(CASES["big-day"]), budget=40_000)
    omitted = {s.id for s in email.layout.omitted}
    quoted = {q.session.id for q in campaign.quotes}
    unquoted = {s.id for s in campaign.sessions if s.id not in quoted and not s.featured}
    assert omitted and email.size <= 40_000
    assert omitted <= unquoted or unquoted <= omitted


def test_sessions_show_their_kind_and_time_as_written(builds: dict) -> None:
    build = builds["big-day"]
    text = Page(build.email.html).text
    assert "ROUND TABLE · 9:30am–10:15am" in text
    assert "POSTER GALLERY" in text and "LIGHTNING TALKS" in text
    assert "ROUND TABLE" in build.files["email.txt"].decode()
    coloured = [attrs for attrs in Page(build.email.html).all("span")
                if "color:#6a3d9a" in (attrs.get("style") or "")]
    assert coloured
