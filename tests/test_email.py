"""The HTML email: what a sendable email must be (its golden tree is test_golden.py's)."""

from __future__ import annotations

import os
import re
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import CASES, ROOT
from helpers import Page, fold
from recap_mailer.build import build_campaign, load_campaign, render_campaign

SEED = ROOT.parent / "shared" / "seeds" / "000_39033e787ecd2444.txt"

#: Every direct quote in the SOC23 Day 1 recap, verbatim, with who said it.
SEED_QUOTES = [
    ("(The) steering not rowing metaphor has gone too far; the time for government to just pull "
     "levers and expect that the rest of the machine will just work is not valid anymore",
     "Professor Mark Considine"),
    ("we need a common language but we have the key: impact.\u00a0Impact is a very powerful "
     "incentive to connect across partners, to overcome the Babylon of different languages and "
     "it is also the core mechanism for outcomes contracts.", "Rafaella de Felice"),
    ("if spending power is focused on suppliers adopting new net-zero technologies, then you’d "
     "have an increase in sustainability.", "Professor Simon Collinson"),
    ("accountability is key, and key to accountability is transparency.", "Prof Anne Davies"),
    ("Think about any non-contractual relationship you’ve been in. Every time you add a set of "
     "rules you get a funny look, as you layer on more rules, which layers on more rigidity which "
     "signals mistrust.", "Professor David Van Slyke"),
]


@pytest.fixture(scope="module")
def builds() -> dict:
    return {case: build_campaign(path) for case, path in CASES.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_build_is_byte_identical_twice(case: str, builds: dict) -> None:
    from recap_mailer import cards
    from recap_mailer.render import templating

    # Nothing kept from the first build: templates compiled and cards drawn afresh.
    cards.clear_caches()
    templating._environment.cache_clear()
    again = build_campaign(CASES[case])
    assert again.files == builds[case].files


def test_sample_email_opens_with_doctype_has_lang_and_is_small(builds: dict) -> None:
    html = builds["soc23-day1"].email.html
    assert html.startswith("<!DOCTYPE html>")
    assert re.search(r'<html[^>]* lang="en-GB"', html)
    assert builds["soc23-day1"].email.size < 64_000  # bytes: under "64 KB" however counted


def test_seed_file_holds_every_quote_we_test() -> None:
    # The test's own list must come from the seed, word for word.
    if not SEED.exists():
        pytest.skip("shared seed not beside the checkout")
    seed = SEED.read_text(encoding="utf-8")
    for quote, speaker in SEED_QUOTES:
        assert quote in seed
        assert speaker in seed


@pytest.mark.parametrize(("quote", "speaker"), SEED_QUOTES, ids=[s for _, s in SEED_QUOTES])
def test_sample_carries_every_seed_quote_verbatim_with_speaker(quote: str, speaker: str,
                                                               builds: dict) -> None:
    text = Page(builds["soc23-day1"].email.html).text
    quote = fold(quote)  # the page's text has its white space folded the same way
    at = text.find(quote)
    assert at >= 0, quote
    # The attribution follows the quote closely: in the key quotes or on the session card.
    assert speaker in text[at + len(quote): at + len(quote) + 120]


def test_featured_quotes_come_before_sessions_in_priority_order(builds: dict) -> None:
    text = Page(builds["soc23-day1"].email.html).text
    featured = builds["soc23-day1"].campaign.featured_quotes
    positions = [text.find(fold(q.text)) for q in featured]
    assert positions == sorted(positions) and -1 not in positions
    assert positions[-1] < text.find("Opening")


def test_every_session_has_its_card_in_order(builds: dict) -> None:
    text = Page(builds["soc23-day1"].email.html).text
    cards = text[text.index("Opening"):]  # after the key quotes, which name sessions too
    titles = [s.title for s in builds["soc23-day1"].campaign.sessions]
    assert len(titles) == 11
    positions = [cards.find(t) for t in titles]
    assert -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize("case", list(CASES))
def test_every_link_is_https_with_utm_or_mailto_or_merge_tag(case: str, builds: dict) -> None:
    build = builds[case]
    page = Page(build.email.html)
    merge_tag = build.campaign.email.unsubscribe_link
    hrefs = [a["href"] for a in page.all("a")]
    assert hrefs
    for href in hrefs:
        assert href is not None
        if href == merge_tag or href.startswith("mailto:"):
            continue
        parts = urlsplit(href)
        assert parts.scheme == "https", href
        query = parse_qs(parts.query)
        assert query["utm_source"] == ["newsletter"]
        assert query["utm_medium"] == ["email"]
        assert query["utm_campaign"] == [build.campaign.slug]
        assert len(query["utm_content"]) == 1


def test_recording_links_name_their_session(builds: dict) -> None:
    page = Page(builds["soc23-day1"].email.html)
    contents = {parse_qs(urlsplit(a["href"] or "").query).get("utm_content", [""])[0]
                for a in page.all("a")}
    assert {s.id for s in builds["soc23-day1"].campaign.sessions} <= contents


@pytest.mark.parametrize(("case", "tag"), [("soc23-day1", "*|UNSUB|*"),
                                           ("awkward", "{{ UnsubscribeURL }}")])
def test_unsubscribe_merge_tag_survives_jinja_mjml_and_premailer(case: str, tag: str,
                                                                 builds: dict) -> None:
    assert f'href="{tag}"' in builds[case].email.html


def test_generic_service_links_its_unsubscribe_address(builds: dict) -> None:
    assert 'href="https://example.org/unsubscribe"' in builds["minimal"].email.html


@pytest.mark.parametrize("case", list(CASES))
def test_email_is_responsive_dark_aware_and_offline(case: str, builds: dict) -> None:
    html = builds[case].email.html
    assert "@media only screen and (min-width:480px)" in html
    assert "@media (prefers-color-scheme: dark)" in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "fonts.googleapis" not in html and "<link" not in html and "@import" not in html
    assert "max-width:600px" in html
    page = Page(html)
    for img in page.all("img"):
        assert img.get("alt"), img


@pytest.mark.parametrize("case", list(CASES))
def test_headings_are_in_order(case: str, builds: dict) -> None:
    levels = [int(tag[1]) for tag, _ in Page(builds[case].email.html).elements
              if re.fullmatch(r"h[1-6]", tag)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))


def test_preheader_is_the_hidden_first_text(builds: dict) -> None:
    html = builds["soc23-day1"].email.html
    body = html[html.index("<body"):]
    first = re.search(r'<div style="display:none;[^"]*">([^<]*)</div>', body)
    assert first and first[1].startswith("A keynote on the ‘eleven secret herbs")


def test_awkward_content_is_escaped_everywhere(builds: dict) -> None:
    html = builds["awkward"].email.html
    page = Page(html)
    for tag, attrs in page.elements:
        assert tag not in ("script", "svg", "set", "iframe", "object"), tag
        for name in attrs:
            assert not name.startswith("on"), (tag, attrs)
    assert "evil.example" not in html
    text = page.text
    assert "Zoë Ångström-Łukasiewicz" in text
    assert "مريم العربي" in text
    assert "👩🏽‍💻🇨🇦" in text
    assert "<everything> & “nothing”" in text
    assert "</mj-text><mj-raw><script>alert(1)</script></mj-raw>" in text
    assert "{{ not_jinja }} {% raw %}" in text
    assert "& 5 < 6" in text
    assert 'title="' not in html or 'onmouseover="alert' not in html.split('title="')[1][:40]


def test_campaign_template_overrides_the_default(tmp_path: Path) -> None:
    campaign = tmp_path / "override"
    (campaign / "templates" / "partials").mkdir(parents=True)
    (campaign / "recap.yaml").write_text(
        (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (campaign / "templates" / "partials" / "footer.mjml").write_text(
        '<mj-section><mj-column><mj-text>Custom footer {{ email.postal_address }}'
        '</mj-text></mj-column></mj-section>\n', encoding="utf-8")
    html = render_campaign(load_campaign(campaign)).email.html
    assert "Custom footer 1 Example Street" in Page(html).text
    assert "Read this recap on the web" not in html


def test_reused_environment_sees_edited_and_added_templates(tmp_path: Path) -> None:
    campaign = tmp_path / "reload"
    (campaign / "templates" / "partials").mkdir(parents=True)
    (campaign / "recap.yaml").write_text(
        (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    footer = campaign / "templates" / "partials" / "footer.mjml"
    footer.write_text("<mj-section><mj-column><mj-text>First footer</mj-text></mj-column>"
                      "</mj-section>\n", encoding="utf-8")
    assert "First footer" in render_campaign(load_campaign(campaign)).email.html
    footer.write_text("<mj-section><mj-column><mj-text>Second footer</mj-text></mj-column>"
                      "</mj-section>\n", encoding="utf-8")
    # Same size, and the same modification time as a rewrite within one clock tick would have:
    # the environment must still see the change (a new size or time is the usual case).
    stamp = footer.stat().st_mtime_ns
    footer.write_text("<mj-section><mj-column><mj-text>Second footer!</mj-text></mj-column>"
                      "</mj-section>\n", encoding="utf-8")
    os.utime(footer, ns=(stamp, stamp))
    assert "Second footer" in render_campaign(load_campaign(campaign)).email.html
    # A new override of a default template is found although the environment is reused.
    (campaign / "templates" / "partials" / "header.mjml").write_text(
        "<mj-section><mj-column><mj-text>New header</mj-text></mj-column></mj-section>\n",
        encoding="utf-8")
    html = render_campaign(load_campaign(campaign)).email.html
    assert "New header" in html and "Second footer" in html


@pytest.mark.parametrize("name", ["preview.html", "partials/preview-social.html"])
def test_a_broken_preview_template_is_an_error_naming_its_line(tmp_path: Path,
                                                                name: str) -> None:
    import shutil

    from recap_mailer.errors import SourceError

    campaign = tmp_path / "broken-preview"
    shutil.copytree(CASES["minimal"], campaign)
    template = campaign / "templates" / name
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text("<p>fine</p>\n{% if %}\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        build_campaign(campaign)
    [diagnostic] = exc.value.diagnostics
    assert (diagnostic.path, diagnostic.line) == (str(template), 2)
    assert diagnostic.message.startswith("template: ")
