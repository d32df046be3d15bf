"""The review page laid out for the task: the email beside its findings, each finding linked
to its place, and Gmail's clip drawn where it falls. In Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import launched, screenshot
from conftest import CASES, TESTS
from helpers import Page
from recap_mailer.build import build_campaign
from recap_mailer.checks.size import GMAIL_CLIP_BYTES
from recap_mailer.outputs import write_outputs
from recap_mailer.preview.views import clip_marked

BROKEN = TESTS / "campaigns" / "broken-checks"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched() as running:
        yield running


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """The broken-checks case: many findings, and an email past Gmail's clip."""
    out = tmp_path_factory.mktemp("out") / "broken-checks"
    build = build_campaign(BROKEN)
    write_outputs(out, build.files)
    return build, out / "preview.html"


def _open(browser, page_file: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    return page


def test_on_a_desktop_the_findings_sit_beside_the_email_and_stay_in_view(browser,
                                                                         broken) -> None:
    _, page_file = broken
    page = _open(browser, page_file, 1440)
    email = page.locator("#frame-desktop").bounding_box()
    findings = page.locator("#checks").bounding_box()
    assert findings["x"] >= email["x"] + email["width"]
    assert findings["y"] < email["y"] + email["height"]
    page.evaluate("() => window.scrollTo(0, 4000)")
    moved = page.locator("#checks").bounding_box()
    assert 0 <= moved["y"] < 900
    screenshot(page, "review-desktop")
    page.close()


def test_on_a_phone_the_findings_follow_the_views_in_one_column(browser, broken) -> None:
    _, page_file = broken
    page = _open(browser, page_file, 390)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    links = page.locator("#links").bounding_box()
    findings = page.locator("#checks").bounding_box()
    assert findings["y"] > links["y"] and findings["x"] < 40
    page.close()


def test_each_finding_links_to_the_line_of_recap_yaml_or_the_post_it_is_about(
        browser, broken) -> None:
    build, page_file = broken
    source = (BROKEN / "recap.yaml").read_text(encoding="utf-8").splitlines()
    page = _open(browser, page_file, 1440)
    items = page.locator("#checks li")
    by_line = 0
    for i, finding in enumerate(f for f in build.report if f.severity != "note"):
        item = items.nth(i)
        assert finding.diagnostic.format() in item.inner_text()
        if finding.diagnostic.line and finding.diagnostic.path.endswith("recap.yaml"):
            link = item.locator("a", has_text="line")
            assert link.get_attribute("href") == f"#recap-L{finding.diagnostic.line}"
            link.click()
            target = page.locator(f"#recap-L{finding.diagnostic.line}")
            assert target.text_content() == source[finding.diagnostic.line - 1]
            assert page.evaluate("() => document.querySelector(':target').id") == \
                f"recap-L{finding.diagnostic.line}"
            by_line += 1
    assert by_line >= 5
    page.close()


def test_a_finding_about_a_session_shows_that_session_in_the_email(browser, broken) -> None:
    build, page_file = broken
    page = _open(browser, page_file, 1440)
    link = page.locator("#checks a", has_text="in the email").first
    title = link.get_attribute("data-session")
    assert title in {s.title for s in build.campaign.sessions}
    frame = page.query_selector("#frame-desktop").content_frame()
    frame.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    link.click()
    shown = frame.evaluate("""(title) => {
      const e = [...document.querySelectorAll('*')].find(
        e => e.children.length === 0 && e.textContent.trim() === title);
      const r = e.getBoundingClientRect();
      return [r.top, r.bottom, window.innerHeight];
    }""", title)
    assert shown[0] >= 0 and shown[1] <= shown[2]
    page.close()


def test_gmail_s_clip_is_drawn_where_it_falls(browser, broken) -> None:
    build, page_file = broken
    html = build.email.html
    assert len(html.encode("utf-8")) > GMAIL_CLIP_BYTES
    marked = clip_marked(html)
    at = marked.index('<div id="gmail-clip"')
    # At a block that starts before the clip, outside any comment or style block.
    assert len(marked[:at].encode("utf-8")) <= GMAIL_CLIP_BYTES
    assert marked[at:].split("</div>", 1)[1].startswith(html[at:at + 4])
    assert "Gmail clips here" in Page(marked).text  # read as text: in no comment, no style
    page = _open(browser, page_file, 1440)
    frame = page.query_selector("#frame-desktop").content_frame()
    box = frame.evaluate("() => { const r = document.getElementById('gmail-clip')"
                         ".getBoundingClientRect(); return [r.height, r.width]; }")
    assert box[0] > 10 and box[1] > 200
    assert page.locator("#size-meter").get_attribute("value") == str(build.email.size)
    page.close()


def test_an_email_under_the_clip_has_no_clip_line(browser) -> None:
    build = build_campaign(CASES["soc23-day1"])
    assert clip_marked(build.email.html) == build.email.html
    assert 'id="gmail-clip"' not in build.files["preview.html"].decode("utf-8")


def test_the_clip_line_never_lands_inside_a_comment() -> None:
    # The clip falls just past a <table that only Outlook's conditional comment holds: the
    # line goes at the block before, where a reader sees it.
    inside = "<!--[if mso | IE]><table role=\"presentation\"><tr><td><![endif]-->"
    opening = "<html><body><div>"
    filler = "x" * (GMAIL_CLIP_BYTES - len(opening) - len(inside) // 2)
    html = f"{opening}{filler}</div>{inside}<div>{'y' * 2000}</div></body></html>"
    marked = clip_marked(html)
    assert marked.count('<div id="gmail-clip"') == 1
    assert "Gmail clips here" in Page(marked).text
    assert marked.index('<div id="gmail-clip"') == len("<html><body>")


def test_a_finding_links_to_a_post_only_where_there_is_one() -> None:
    from recap_mailer.checks.findings import Finding
    from recap_mailer.errors import Diagnostic
    from recap_mailer.preview.views import finding_rows

    campaign = build_campaign(CASES["minimal"]).campaign
    findings = (Finding("posts", Diagnostic("x", 0, 0, "error", "post q-x-1: too long")),
                Finding("schedule", Diagnostic("x", 0, 0, "warning",
                                               "Instagram cannot post without an image")))
    rows = finding_rows(findings, None, campaign, frozenset({"q-x-1"}))
    assert [r.href for r in rows] == ["#post-q-x-1", None]


def test_only_web_and_mail_links_are_live_in_the_link_list(tmp_path) -> None:
    build = build_campaign(CASES["minimal"])
    html = build.email.html.replace("</body>", '<a href="javascript:alert(1)">x</a></body>')
    from recap_mailer.checks.reading import read_email
    from recap_mailer.preview.views import link_rows

    rows = link_rows(read_email(html).links, build.campaign, ())
    assert rows[-1].href == "javascript:alert(1)"
    page = build.files["preview.html"].decode("utf-8")
    hrefs = [a.get("href") for a in Page(page).all("a")]
    assert all(not (h or "").lower().startswith("javascript:") for h in hrefs)
