"""The built email in Debian's chromium as clients show it: without <style>, forced dark, own dark.

Three ways a client changes the email (see docs on dark mode in the README):
- without <style> (Gmail with IMAP/POP accounts): only inline styles count, media queries gone;
- forced inversion the email cannot opt out of (Gmail on iOS, Outlook for Windows): emulated
  with chromium's own auto dark mode (``WebContentsForceDark``), which recolours at paint time,
  so it is measured from the screenshot's pixels, not from computed styles;
- the email's own ``prefers-color-scheme`` styles (Apple Mail, iOS Mail, Outlook for Mac).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from browser import ARGS, CHROMIUM, launched, screenshot
from conftest import CASES
from recap_mailer.build import build_campaign
from recap_mailer.colour import MIN_CONTRAST, contrast_ratio, hex_colour

WIDTHS = (600, 375)
MIN_FONT_PX = 13
# Chromium's auto dark mode: the engine feature behind Android WebView's algorithmic
# darkening. Debian's chromium honours it headless (--force-dark-mode alone does not darken).
FORCE_DARK = ["--enable-features=WebContentsForceDark"]
# WCAG 1.4.11: a control's boundary needs 3:1 against what surrounds it.
MIN_NON_TEXT_CONTRAST = 3.0
ALIGN_PX = 2

# Every visible text run: its element, computed colours and size, and its line boxes in page
# coordinates. The background is the nearest ancestor's that is not transparent.
TEXT_RUNS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/[\\s\\u034f\\u200c]+/g, ' ').trim();
    if (!text) continue;
    const el = node.parentElement;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width >= 2 && r.height >= 4)
      .map(r => [r.x + scrollX, r.y + scrollY, r.width, r.height]);
    if (!rects.length) continue;
    let background = 'rgb(255, 255, 255)';
    for (let e = el; e; e = e.parentElement) {
      const b = getComputedStyle(e).backgroundColor;
      if (b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') { background = b; break; }
    }
    out.push({text: text.slice(0, 50), tag: el.tagName, color: style.color, background,
              size: parseFloat(style.fontSize), rects});
  }
  return out;
}"""

# Each session card: the left edges of its speaker text and of its title and summary, and the
# card's own box.
SESSION_EDGES = """() => [...document.querySelectorAll('.rm-card')]
  .filter(card => card.querySelector('.rm-session-meta') && card.querySelector('h3'))
  .map(card => {
    const left = sel => {
      const xs = [];
      for (const el of card.querySelectorAll(sel)) {
        const range = document.createRange();
        range.selectNodeContents(el);
        for (const r of range.getClientRects()) if (r.width > 0) xs.push(r.x, r.x + r.width);
      }
      return xs.length ? [Math.min(...xs), Math.max(...xs)] : null;
    };
    const box = card.getBoundingClientRect();
    return {title: card.querySelector('h3').textContent.trim().slice(0, 40),
            meta: left('.rm-session-meta .rm-people'),
            body: left('.rm-session-body h3, .rm-session-body .rm-summary > div > p'),
            card: [box.x, box.x + box.width]};
  })"""

# The buttons: MJML's mj-button cells and the session "Watch the recording" cells.
BUTTONS = """() => [...document.querySelectorAll('td.rm-watch, .rm-button td[bgcolor]')].map(td => {
  const r = td.getBoundingClientRect();
  return [r.x + scrollX, r.y + scrollY, r.width, r.height];
})"""


def parse_rgb(css: str) -> tuple[int, int, int]:
    """Return the channels of a computed ``rgb(...)``/``rgba(...)`` colour."""
    inside = css[css.index("(") + 1:css.index(")")].replace("/", " ").replace(",", " ").split()
    red, green, blue = (round(float(v)) for v in inside[:3])
    return red, green, blue


def css_contrast(first: str, second: str) -> float:
    """Return the WCAG contrast of two computed CSS colours."""
    return contrast_ratio(hex_colour(parse_rgb(first)), hex_colour(parse_rgb(second)))


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("emails")
    paths = {}
    for case, source in CASES.items():
        paths[case] = folder / f"{case}.html"
        paths[case].write_text(build_campaign(source).email.html, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched() as running:
        yield running


@pytest.fixture(scope="module")
def dark_browser(browser) -> Iterator[object]:
    # The same Playwright as ``browser``: a second one may not run in the same thread.
    running = browser.browser_type.launch(executable_path=str(CHROMIUM), args=[*ARGS, *FORCE_DARK])
    yield running
    running.close()


def open_email(browser, path: Path, width: int, *, strip_styles: bool = False,
               scheme: str = "light", scale: int = 1):
    """Open an email at ``width`` px, optionally as a client that drops every <style>."""
    page = browser.new_page(viewport={"width": width, "height": 800}, device_scale_factor=scale)
    page.emulate_media(color_scheme=scheme)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    if strip_styles:
        page.evaluate("document.querySelectorAll('style').forEach(s => s.remove())")
    return page


def pixels(page) -> tuple[Image.Image, int]:
    """Return the full page as painted, and its device scale."""
    scale = page.evaluate("devicePixelRatio")
    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    return image, round(scale)


def painted(image: Image.Image, scale: int, rect: list[float]) -> tuple[str, str] | None:
    """Return the background (commonest colour) and text colour (farthest from it) in ``rect``."""
    x, y, w, h = (round(v * scale) for v in rect)
    crop = image.crop((x, y, x + w, y + h))
    colours = crop.getcolors(maxcolors=crop.width * crop.height)
    if not colours:
        return None
    background = hex_colour(max(colours)[1])
    text = max((hex_colour(c) for _, c in colours), key=lambda c: contrast_ratio(c, background))
    return background, text


def painted_contrasts(page) -> list[tuple[float, dict]]:
    """Return the contrast of every text run as painted, with the run."""
    runs = page.evaluate(TEXT_RUNS)
    image, scale = pixels(page)
    found = []
    for run in runs:
        for rect in run["rects"]:
            seen = painted(image, scale, rect)
            if seen:
                found.append((contrast_ratio(*seen), run | {"painted": seen}))
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(CASES))
def test_without_styles_the_email_fits_aligns_and_reads(browser, emails, case: str,
                                                          width: int) -> None:
    page = open_email(browser, emails[case], width, strip_styles=True)
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{case} at {width}px scrolls sideways: {scroll}px wide"

    cards = page.evaluate(SESSION_EDGES)
    assert cards, "no session cards found"
    for card in cards:
        assert card["card"][1] - card["card"][0] <= 600
        for part in ("meta", "body"):
            if card[part]:
                left, right = card[part]
                assert card["card"][0] <= left and right <= card["card"][1], (card, part)
        if card["meta"] and card["body"]:
            offset = card["body"][0] - card["meta"][0]
            assert abs(offset) <= ALIGN_PX, f"{card['title']!r}: body text {offset:+.0f}px off"

    for run in page.evaluate(TEXT_RUNS):
        assert run["size"] >= MIN_FONT_PX, f"{run['text']!r} is {run['size']}px"
        ratio = css_contrast(run["color"], run["background"])
        assert ratio >= MIN_CONTRAST, f"{run['text']!r}: {ratio:.2f}:1 ({run})"
    screenshot(page, f"email-nostyle-{case}-{width}")
    page.close()


def test_painted_contrast_agrees_with_computed_colours(browser, emails) -> None:
    # The forced-dark check reads pixels; on a light render the pixels must give the computed
    # colours' contrast, or that check measures nothing.
    page = open_email(browser, emails["soc23-day1"], 600, scale=2)
    found = painted_contrasts(page)
    page.close()
    assert len(found) > 50
    for ratio, run in found:
        expected = css_contrast(run["color"], run["background"])
        assert ratio == pytest.approx(expected, rel=0.1), run


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(CASES))
def test_forced_dark_inversion_keeps_text_and_buttons_readable(dark_browser, emails, case: str,
                                                                 width: int) -> None:
    page = open_email(dark_browser, emails[case], width, scale=2)
    # Forced inversion is not a colour scheme the email can see: its own dark rules stay off.
    assert not page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    image, scale = pixels(page)
    body = image.getpixel((2 * scale, image.height // 2))
    assert contrast_ratio(hex_colour(body), "#ffffff") > 4.5, "chromium did not darken the page"

    for ratio, run in painted_contrasts(page):
        assert ratio >= MIN_CONTRAST, f"{run['text']!r} painted {run['painted']}: {ratio:.2f}:1"

    for rect in page.evaluate(BUTTONS):
        x, y, w, h = rect
        fill = painted(image, scale, rect)
        around = painted(image, scale, [x, y + h + 2, w, 4])
        assert fill and around
        # The bottom edge, its border if it has one: whichever colour there stands out most.
        x0, y0, x1, y1 = (round(v * scale) for v in (x + 4, y + h - 2, x + w - 4, y + h))
        edge = max((hex_colour(image.getpixel((i, j))) for i in range(x0, x1)
                    for j in range(y0, y1)), key=lambda c: contrast_ratio(c, around[0]))
        ratio = contrast_ratio(edge, around[0])
        assert ratio >= MIN_NON_TEXT_CONTRAST, (
            f"button {fill[0]} edged {edge} on {around[0]}: {ratio:.2f}:1")
    screenshot(page, f"email-forced-dark-{case}-{width}")
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(CASES))
def test_own_dark_mode_reads_everywhere(browser, emails, case: str, width: int) -> None:
    page = open_email(browser, emails[case], width, scheme="dark")
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert css_contrast(background, "rgb(255, 255, 255)") > 4.5, "the dark styles did not apply"
    for run in page.evaluate(TEXT_RUNS):
        ratio = css_contrast(run["color"], run["background"])
        assert ratio >= MIN_CONTRAST, f"{run['text']!r}: {ratio:.2f}:1 ({run})"
    screenshot(page, f"email-own-dark-{case}-{width}")
    page.close()
