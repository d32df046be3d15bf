"""The preview page in a real browser: frames render, columns stack, dark mode applies."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import launched, screenshot
from conftest import CASES
from recap_mailer.build import build_campaign
from recap_mailer.outputs import write_outputs
from recap_mailer.preview.page import data_uri
from recap_mailer.preview.server import PreviewServer


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched() as running:
        yield running


@pytest.fixture(scope="module")
def sample_preview(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "soc23-day1"
    write_outputs(out, build_campaign(CASES["soc23-day1"]).files)
    return out / "preview.html"


@pytest.fixture
def page(browser, sample_preview: Path):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(sample_preview.as_uri())
    page.wait_for_load_state("load")
    yield page
    page.close()


def frame(page, frame_id: str):
    return page.frame_locator(f"#{frame_id}").locator("body")


def box(page, frame_id: str, selector: str) -> list[dict]:
    """Return the boxes of the elements matching ``selector`` inside an email frame."""
    handle = page.query_selector(f"#{frame_id}").content_frame()
    return handle.evaluate(
        "(sel) => [...document.querySelectorAll(sel)].map(e => {"
        " const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height};"
        "})", selector)


def test_email_renders_in_both_frames(page) -> None:
    for frame_id in ("frame-desktop", "frame-mobile", "frame-dark", "frame-dark-mobile"):
        text = frame(page, frame_id).inner_text()
        assert "Highlights from Day 1 of SOC23" in text
        assert "steering not rowing metaphor" in text
    screenshot(page, "preview-sample")


def test_session_columns_sit_side_by_side_on_desktop_and_stack_at_375px(page) -> None:
    desktop_meta = box(page, "frame-desktop", ".rm-session-meta")
    desktop_body = box(page, "frame-desktop", ".rm-session-body")
    assert len(desktop_meta) == len(desktop_body) == 11
    for meta, body in zip(desktop_meta, desktop_body, strict=True):
        assert meta["w"] == pytest.approx(192, abs=2) and body["w"] == pytest.approx(408, abs=2)
        assert meta["y"] == body["y"] and body["x"] >= meta["x"] + meta["w"] - 1

    width = page.query_selector("#frame-mobile").content_frame().evaluate("innerWidth")
    assert width == 375
    mobile_meta = box(page, "frame-mobile", ".rm-session-meta")
    mobile_body = box(page, "frame-mobile", ".rm-session-body")
    for meta, body in zip(mobile_meta, mobile_body, strict=True):
        assert meta["w"] == pytest.approx(375, abs=2) and body["w"] == pytest.approx(375, abs=2)
        assert body["y"] >= meta["y"] + meta["h"] - 1  # stacked: the body comes below


def test_dark_mode_changes_the_colours(page) -> None:
    script = ("() => { const c = document.querySelector('.rm-card');"
              " const t = document.querySelector('.rm-summary div');"
              " return [getComputedStyle(c).backgroundColor, getComputedStyle(t).color]; }")
    light = page.query_selector("#frame-desktop").content_frame().evaluate(script)
    dark = page.query_selector("#frame-dark").content_frame().evaluate(script)
    assert light == ["rgb(255, 255, 255)", "rgb(31, 35, 40)"]
    assert dark == ["rgb(22, 27, 34)", "rgb(230, 237, 243)"]


def test_inbox_line_and_plain_text_are_shown(page) -> None:
    inbox = page.locator("#inbox .inbox").inner_text()
    assert "Government Outcomes Lab" in inbox and "Highlights from Day 1 of SOC23" in inbox
    assert "A keynote on the ‘eleven secret herbs" in inbox
    text = page.locator("#plain-text").inner_text()
    assert text.startswith("SOC23 · DAY 1 RECAP")


def test_preview_fetches_nothing_from_the_network(browser, sample_preview: Path) -> None:
    requests: list[str] = []
    page = browser.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(sample_preview.as_uri())
    page.wait_for_load_state("load")
    page.close()
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[PreviewServer, Path]]:
    folder = tmp_path / "live"
    shutil.copytree(CASES["minimal"], folder)
    server = PreviewServer(folder, lambda d, seen: build_campaign(d, previous=seen).files, port=0)
    server.start()
    yield server, folder
    server.stop()


def test_live_page_shows_a_change_and_errors_in_the_page(browser, live) -> None:
    server, folder = live
    page = browser.new_page()
    page.goto(server.url)
    assert "Minimal test recap" in frame(page, "frame-desktop").inner_text()
    source = folder / "recap.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Minimal test recap", "Changed live"), encoding="utf-8")
    page.frame_locator("#frame-desktop").get_by_text("Changed live").first.wait_for(timeout=5000)

    source.write_text(text.replace("Minimal test recap", "Changed live")
                      .replace("date: 2024-03-01", "date: 2024-02-30"), encoding="utf-8")
    page.locator("#build-error").wait_for(timeout=5000)
    banner = page.locator("#build-error").inner_text()
    assert f"{source}:15:9: error: event.date: '2024-02-30' is not a real date" in banner
    assert "Changed live" in frame(page, "frame-desktop").inner_text()  # last good build stays
    screenshot(page, "preview-live-error")
    page.close()


def test_every_post_and_card_is_on_the_page(page) -> None:
    build = build_campaign(CASES["soc23-day1"])
    shown = page.locator("#posts article.post")
    assert shown.count() == len(build.posts) == 32  # 30, and two threads of two
    for post in build.posts:
        article = page.locator(f"#post-{post.id}")
        assert article.locator(".length").inner_text() == str(post.length)
        assert "".join(article.locator(".body").all_inner_texts()) == post.text
    cards = [name for name in build.files if name.startswith("cards/")]
    shown_cards = page.locator("#cards figure .card-img")
    assert shown_cards.count() == len(cards) == 10
    sizes = page.eval_on_selector_all(
        "#cards figure .card-img",
        "els => els.map(e => [e.dataset.width, getComputedStyle(e).backgroundImage.slice(0, 26),"
        " Math.round(e.getBoundingClientRect().width / e.getBoundingClientRect().height * 100)])")
    assert sorted({s[0] for s in sizes}) == ["1080", "1600"]
    assert {s[1] for s in sizes} == {'url("data:image/png;base64'}
    assert sorted({s[2] for s in sizes}) == [80, 178]  # 4:5 and 16:9 as drawn
    # Every post with an image shows its card, and the page carries each card once.
    with_image = [p for p in build.posts if p.image]
    assert page.locator("#posts .card-img").count() == len(with_image)
    html = page.content()
    for name in cards:
        uri = data_uri(build.files[name])
        assert html.count(uri) == 1
    # LinkedIn's fold is marked where a post runs past 140 characters.
    linkedin = [p for p in build.posts if p.platform == "linkedin"]
    assert page.locator(".post-linkedin .fold").count() == sum(
        (len(p.text) > 140) + (len(p.text) > 210) for p in linkedin)
    screenshot(page, "preview-posts")


def test_cards_linked_past_the_budget_show_from_the_output_folder(
        browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer.preview import page as preview

    monkeypatch.setattr(preview, "EMBED_BYTES", 0)  # every card linked
    out = tmp_path / "soc23-day1"
    write_outputs(out, build_campaign(CASES["soc23-day1"]).files)
    page = browser.new_page()
    page.goto((out / "preview.html").as_uri())
    page.wait_for_load_state("load")
    # Load each card the page points at, as the browser does for the CSS backgrounds.
    sizes = page.evaluate(
        "() => Promise.all([...document.querySelectorAll('#cards .card-img')].map(e => {"
        " const url = getComputedStyle(e).backgroundImage.slice(5, -2);"
        " const image = new Image(); image.src = url;"
        " return image.decode().then(() => [url.split('/').pop(), image.naturalWidth,"
        " image.naturalHeight]); }))")
    page.close()
    assert len(sizes) == 10
    for name, width, height in sizes:
        assert name.endswith(f"-{width}x{height}.png")


# --- a page a reviewer can work in --------------------------------------------------------

@pytest.mark.parametrize("width", [360, 390, 768, 1280])
def test_the_page_never_scrolls_sideways_and_the_inbox_line_shows(browser, sample_preview: Path,
                                                                   width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(sample_preview.as_uri())
    page.wait_for_load_state("load")
    sizes = page.evaluate("() => [document.documentElement.scrollWidth,"
                          " document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], sizes
    for part in (".inbox .subject", ".inbox .pre"):
        assert page.locator(part).bounding_box()["width"] > 50, part
    if width == 390:
        screenshot(page, "preview-390")
    page.close()


def test_a_link_in_an_email_frame_opens_a_new_tab_and_the_email_stays(
        browser, sample_preview: Path) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    asked: list[str] = []
    # Nothing leaves the machine: the new tab's request is seen, then refused.
    page.context.route("http*://**/*", lambda route: asked.append(route.request.url)
                       or route.abort())
    page.goto(sample_preview.as_uri())
    page.wait_for_load_state("load")
    for frame_id in ("frame-desktop", "frame-mobile", "frame-dark"):
        link = page.frame_locator(f"#{frame_id}").locator("a[href^='https:']").first
        with page.expect_popup() as opened:
            link.click()
        opened.value.wait_for_load_state()
        assert asked[-1] == link.get_attribute("href")
        opened.value.close()
        assert "steering not rowing metaphor" in frame(page, frame_id).inner_text()
    page.close()


def test_plain_text_keeps_each_address_on_one_line(browser, sample_preview: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(sample_preview.as_uri())
    page.wait_for_load_state("load")
    lines = page.evaluate("""() => {
      const pre = document.getElementById("plain-text"), text = pre.firstChild.data, out = [];
      for (const m of text.matchAll(/https:\\/\\/\\S+/g)) {
        const range = document.createRange();
        range.setStart(pre.firstChild, m.index);
        range.setEnd(pre.firstChild, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        out.push([m[0], tops.size]);
      }
      return out;
    }""")
    assert len(lines) >= 10
    assert [url for url, rows in lines if rows != 1] == []
    page.close()


def test_a_live_rebuild_keeps_every_scroll_and_a_failure_stays_in_view(browser, live) -> None:
    server, folder = live
    page = browser.new_page(viewport={"width": 1280, "height": 600})
    page.goto(server.url)
    page.wait_for_load_state("load")
    source = folder / "recap.yaml"
    text = source.read_text(encoding="utf-8").replace(
        "Ada spoke.", "Ada spoke at length about engines. " * 40)
    source.write_text(text, encoding="utf-8")
    page.frame_locator("#frame-desktop").get_by_text("about engines").first.wait_for(
        timeout=5000)
    page.evaluate("() => { window.scrollTo(0, 900);"
                  " document.getElementById('frame-desktop').contentWindow.scrollTo(0, 150); }")
    place = "() => [document.getElementById('frame-desktop').getBoundingClientRect().top," \
        " document.getElementById('frame-desktop').contentWindow.scrollY]"
    before = page.evaluate(place)
    # The edit also grows "What changed", above the email: the email stays where it was.
    source.write_text(text.replace("A talk", "A longer talk"), encoding="utf-8")
    page.frame_locator("#frame-desktop").get_by_text("A longer talk").first.wait_for(
        timeout=5000)
    page.wait_for_function("() => document.getElementById('frame-desktop')"
                           ".contentWindow.scrollY > 0", timeout=5000)
    after = page.evaluate(place)
    assert abs(after[0] - before[0]) <= 1 and after[1] == before[1] == 150
    source.write_text(text.replace("date: 2024-03-01", "date: 2024-02-30"), encoding="utf-8")
    page.locator("#build-error").wait_for(timeout=5000)
    banner = page.locator("#build-error").bounding_box()
    assert 0 <= banner["y"] < 600 and banner["height"] > 20  # in view, scrolled down as it is
    # Where the reader was: the email as it stood, whatever grew above it.
    assert abs(page.evaluate(place)[0] - before[0]) <= 1
    assert page.title().startswith("Build failed · Review: ")
    source.write_text(text, encoding="utf-8")
    page.wait_for_function("() => !document.getElementById('build-error')", timeout=5000)
    assert page.title().startswith("Review: ")
    page.close()


def test_other_clients_views_are_real_renderings_of_the_email(browser, tmp_path) -> None:
    # The awkward case has an image (the sample has none).
    out = tmp_path / "awkward"
    build = build_campaign(CASES["awkward"])
    write_outputs(out, build.files)
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto((out / "preview.html").as_uri())
    page.wait_for_load_state("load")
    images = build.email.html.count("<img")
    assert images > 0
    quote = build.campaign.quotes[0].text[:12]
    for frame_id in ("frame-any", "frame-inverted", "frame-no-images", "frame-no-styles"):
        assert quote in frame(page, frame_id).inner_text()
    inverted = page.query_selector("#frame-inverted").content_frame()
    assert "invert(1)" in inverted.evaluate("() => getComputedStyle(document.documentElement)"
                                            ".filter")
    blocked = page.query_selector("#frame-no-images").content_frame()
    shown = blocked.evaluate("() => [...document.images].map(i => [i.getAttribute('src'),"
                             " i.naturalWidth])")
    assert len(shown) == images
    assert all(src == "data:," and width == 0 for src, width in shown)
    assert page.query_selector("#frame-desktop").content_frame().evaluate(
        "() => [...document.images].every(i => i.getAttribute('src').startsWith('https:'))")
    bare = page.query_selector("#frame-no-styles").content_frame()
    assert bare.evaluate("() => document.querySelectorAll('style').length") == 0
    assert page.query_selector("#frame-desktop").content_frame().evaluate(
        "() => document.querySelectorAll('style').length") > 0
    page.close()


def test_the_width_slider_sets_the_frame_and_the_email_reflows(page) -> None:
    any_width = page.query_selector("#frame-any").content_frame()
    for width in (340, 1000):
        page.locator("#width-slider").fill(str(width))
        assert page.locator("#frame-any").bounding_box()["width"] == width
        assert page.locator("#any-width").inner_text() == str(width)
        inner = any_width.evaluate("() => document.documentElement.clientWidth")
        assert width - 20 <= inner <= width


def test_the_sources_are_shown_whole_with_line_numbers_and_copy(browser, live) -> None:
    server, _ = live
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(server.url)
    files = server.state.files
    for source_id, name in (("source-mjml", "email.mjml"), ("source-html", "email.html")):
        text = files[name].decode("utf-8")
        shown = page.evaluate(f"() => document.getElementById('{source_id}').textContent")
        assert shown.rstrip("\n") == text.rstrip("\n")
        prefix = source_id.removeprefix("source-")
        ids = page.evaluate(f"() => [...document.querySelectorAll('#{source_id} .ln')]"
                            ".map(e => e.id)")
        assert ids == [f"{prefix}-L{n}" for n in range(1, len(text.splitlines()) + 1)]
        # Each line is numbered by the page's counter, and the number is no part of the text.
        assert page.evaluate(f"() => getComputedStyle(document.getElementById('{prefix}-L1'),"
                             " '::before').content") == "counter(line)"
        details = page.locator(f"details:has(#{source_id})")
        details.locator("summary").click()
        details.get_by_role("button", name="Copy").click()
        page.wait_for_function("() => document.querySelector"
                               f"('details:has(#{source_id}) button').textContent === 'Copied'")
        assert page.evaluate("() => navigator.clipboard.readText()").rstrip("\n") == \
            text.rstrip("\n")
    context.close()


def test_the_link_list_holds_every_link_of_the_email_with_its_tracking(page) -> None:
    from urllib.parse import parse_qsl, urlsplit

    from helpers import Page

    build = build_campaign(CASES["soc23-day1"])
    hrefs = [a["href"] for a in Page(build.email.html).all("a") if a.get("href")]
    rows = page.locator("#links tbody tr")
    assert rows.count() == len(hrefs) > 10
    sessions = {s.id: s.title for s in build.campaign.sessions}
    for i, href in enumerate(hrefs):
        cells = rows.nth(i).locator("td")
        if href.startswith(("https:", "http:", "mailto:")):
            assert cells.nth(1).locator("a").get_attribute("href") == href
        else:  # a merge tag the email service fills in: shown, not a live link
            assert cells.nth(1).locator("a").count() == 0
            assert cells.nth(1).inner_text() == href
        utm = [f"{k}={v}" for k, v in parse_qsl(urlsplit(href).query) if k.startswith("utm_")]
        assert cells.nth(2).inner_text().split() == utm
        content = dict(parse_qsl(urlsplit(href).query)).get("utm_content")
        if content in sessions:
            assert cells.nth(3).inner_text() == sessions[content]
