"""The review page's changes section in a real browser, on a phone's width."""

from __future__ import annotations

from pathlib import Path

from browser import ARTIFACTS, launched
from test_changes import built_twice

PHONE = {"width": 390, "height": 844}


def test_the_changes_show_at_390_px_without_sideways_scroll(tmp_path: Path) -> None:
    out = built_twice(tmp_path)
    with launched() as browser:
        page = browser.new_page(viewport=PHONE)
        page.goto((out / "preview.html").as_uri())
        page.wait_for_load_state("load")
        page.locator("#changes").scroll_into_view_if_needed()
        assert page.locator("#changes ins").count() > 0 and page.locator("#changes").is_visible()
        # Nothing in the section reaches past the screen's right edge, or scrolls inside.
        overflow = page.evaluate("""() => {
            const section = document.getElementById("changes");
            const wide = [section, ...section.querySelectorAll("*")].filter(e => {
              const box = e.getBoundingClientRect();
              return box.right > window.innerWidth + 0.5 || e.scrollWidth > e.clientWidth + 1
                && getComputedStyle(e).overflowX !== "visible";
            });
            return wide.map(e => e.tagName + "." + e.className + ": " + e.textContent.slice(0, 40));
        }""")
        assert overflow == []
        assert page.evaluate("document.getElementById('changes').scrollWidth") <= PHONE["width"]
        # The diffs' text keeps its size: it wraps rather than shrinking to fit.
        assert page.evaluate(
            "getComputedStyle(document.querySelector('#changes .diff')).fontSize") == "13px"
        ARTIFACTS.mkdir(exist_ok=True)  # for a person to look at
        page.locator("#changes").screenshot(path=str(ARTIFACTS / "preview-changes-390.png"))
        page.close()
