"""Right-to-left text in the email and its text part: one rule, blocks, isolates, a browser."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from markupsafe import Markup

from browser import launched, screenshot
from conftest import CASES
from recap_mailer.build import build_campaign, load_campaign
from recap_mailer.render.direction import RTL_BLOCK, bidi, dir_attrs, mark_prose
from recap_mailer.render.text import wrap
from recap_mailer.text_direction import LRM, PDI, RLI, direction, is_rtl, isolate, open_isolates

ARABIC_QUOTE = "الأرشيف ذاكرة الناس، ومن حقّهم أن يصلوا إليه."
HEBREW_QUOTE = "כל תמונה ישנה מספרת סיפור של שכונה שלמה."


@pytest.fixture(scope="module")
def build():
    return build_campaign(CASES["rtl-mixed"])


@pytest.mark.parametrize(("text", "expected"), [
    ("العلم نور", "rtl"), ("שלום", "rtl"), ("سلام دنیا", "rtl"), ("اردو زبان", "rtl"),
    ("“ 2025: الأرشيف and more", "rtl"), ("Keynote: الأرشيف", "ltr"), ("2025 — ", None),
    (f"{RLI}العلم{PDI} is light", "ltr"), (f"{RLI}العلم{PDI}", None), ("", None),
])
def test_the_first_strong_character_outside_isolates_decides(text: str, expected) -> None:
    assert direction(text) == expected
    assert is_rtl(text) == (expected == "rtl")


def test_the_cards_and_the_email_share_one_rule() -> None:
    from recap_mailer.cards import layout

    assert layout.is_rtl is is_rtl
    import recap_mailer.cards.text as card_text
    assert not hasattr(card_text, "is_rtl")


def test_isolate_wraps_right_to_left_text_only_and_never_twice() -> None:
    assert isolate("مريم") == f"{RLI}مريم{PDI}"
    assert isolate(isolate("مريم")) == isolate("مريم")
    assert isolate("Ada Lovelace") == "Ada Lovelace"
    assert isolate("2025") == "2025"
    assert open_isolates(f"a {RLI}b") == (RLI,)
    assert open_isolates(f"c{PDI} d", (RLI,)) == ()


def test_a_wrapped_isolate_is_closed_and_opened_again_on_each_line() -> None:
    name = "داریوش کاظمی " * 8
    lines = wrap(f"Speakers: {isolate(name.strip())}, Ada", 40)
    assert len(lines) > 2
    for line in lines:
        assert open_isolates(line) == ()  # each line closes what it opens
    assert all(line.startswith(RLI) for line in lines[1:-1]) and lines[-1] == "Ada"
    joined = " ".join(lines).replace(f"{PDI} {RLI}", " ")
    assert joined == f"Speakers: {isolate(name.strip())}, Ada"


def test_block_attributes_and_spans_follow_the_text() -> None:
    assert dir_attrs("العلم نور") == Markup(RTL_BLOCK)
    assert dir_attrs("Science") == dir_attrs(None) == dir_attrs("") == ""
    assert dir_attrs(Markup("<b>Light</b> العلم")) == ""
    assert bidi("מרים") == Markup('<span dir="rtl">מרים</span>')
    assert bidi("Ada") == "Ada"
    assert bidi("Ada", within="العلم نور") == Markup('<span dir="ltr">Ada</span>')
    # The span's content is escaped like any other value.
    assert bidi("مريم <script>") == Markup('<span dir="rtl">مريم &lt;script&gt;</span>')


def test_prose_paragraphs_and_items_take_their_own_direction() -> None:
    html = "<p>English first</p>\n<p>العربية <a href=\"https://x.example/\">رابط</a></p>" \
           "<ul><li>עברית</li><li>Latin</li></ul>"
    marked = mark_prose(html)
    assert marked == ("<p>English first</p>\n<p dir=\"rtl\" align=\"right\">العربية <a href="
                      "\"https://x.example/\">رابط</a></p><ul><li dir=\"rtl\" align=\"right\">"
                      "עברית</li><li>Latin</li></ul>")


def _isolated_runs(line: str) -> tuple[list[str], str]:
    """Return the top-level RLI…PDI runs of a line and what is left outside them."""
    runs, outside, depth, current = [], [], 0, []
    for ch in line:
        if ch == RLI:
            depth += 1
            if depth == 1:
                current = []
                continue
        elif ch == PDI:
            depth -= 1
            if depth == 0:
                runs.append("".join(current))
                continue
        (current if depth else outside).append(ch)
    assert depth == 0, f"an isolate is left open: {line!r}"
    return runs, "".join(outside)


def test_the_text_part_isolates_right_to_left_runs(build) -> None:
    text = build.files["email.txt"].decode("utf-8")
    assert unicodedata.bidirectional(RLI) == "RLI" and unicodedata.bidirectional(PDI) == "PDI"
    runs: list[str] = []
    for line in text.splitlines():
        inside, outside = _isolated_runs(line)
        runs += inside
        # Outside its isolates every line reads left to right (or has no strong character).
        assert direction(outside) in ("ltr", None), line
        for run in inside:
            first = next(unicodedata.bidirectional(c) for c in run
                         if unicodedata.bidirectional(c) in ("L", "R", "AL"))
            assert first in ("R", "AL"), run
    # The quotes are verbatim between their isolates, their marks inside with them.
    assert f"“{ARABIC_QUOTE}”" in runs and f"“{HEBREW_QUOTE}”" in runs
    assert "ليلى حداد" in runs and "مركز الأرشيف المفتوح" in runs and "יעל רוזנטל" in runs
    # An English title with an Arabic word inside reads left to right: nothing to isolate.
    assert "\nDigitising the مخطوطات collection together\n" in text
    # A wrapped English line that starts with an Arabic word starts with a mark to say so.
    assert f"\n{LRM}(مخطوطات) across borders" in text


def test_a_continued_line_that_starts_right_to_left_gets_a_left_to_right_mark() -> None:
    assert wrap("Words words words شيء آخر and more", 20) == [
        "Words words words", f"{LRM}شيء آخر and more"]
    assert wrap("> Words words words شيء آخر", 20) == ["> Words words words", f"> {LRM}شيء آخر"]
    # Not in a right-to-left paragraph, nor where the line starts left to right anyway.
    assert wrap("شيء آخر words words words شيء", 20) == ["شيء آخر words words", "words شيء"]
    assert wrap("Words words words and شيء", 20) == ["Words words words", "and شيء"]


def test_the_quote_check_still_finds_every_quote(build) -> None:
    # Nothing but what email clients lack (dir and direction among them, in Gmail).
    assert [f.format() for f in build.report if f.check != "clients"] == []
    campaign = load_campaign(CASES["rtl-mixed"]).campaign
    text = build.files["email.txt"].decode("utf-8")
    for quote in campaign.quotes:
        assert quote.text in text


@pytest.fixture(scope="module")
def email_page(build) -> Iterator[object]:
    with launched() as browser:
        page = browser.new_page(viewport={"width": 700, "height": 1000})  # type: ignore[attr-defined]
        page.set_content(build.email.html)
        yield page
        screenshot(page, "email-rtl-mixed")
        page.close()


# For each element matching the selector whose text contains `needle`: its computed
# direction, its box, and the boxes of its first and last characters.
_LAYOUT = """([selector, needle]) => [...document.querySelectorAll(selector)]
  .filter(e => e.textContent.includes(needle)).map(e => {
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) if (walker.currentNode.data.trim()) nodes.push(walker.currentNode);
    const box = (node, i) => { const r = document.createRange(); r.setStart(node, i);
      r.setEnd(node, i + 1); const b = r.getBoundingClientRect(); return {l: b.left, r: b.right}; };
    const first = nodes[0], last = nodes[nodes.length - 1];
    const b = e.getBoundingClientRect();
    return {dir: getComputedStyle(e).direction, l: b.left, r: b.right,
            first: box(first, first.data.indexOf(first.data.trim()[0])),
            last: box(last, last.data.trimEnd().length - 1)};
  })"""


def _layout(page, selector: str, needle: str) -> dict:
    found = page.evaluate(_LAYOUT, [selector, needle])
    assert len(found) == 1, f"{selector} with {needle!r}: {len(found)} found"
    return found[0]


@pytest.mark.parametrize(("selector", "needle"), [
    (".rm-quote-text", ARABIC_QUOTE),         # the featured keynote quote
    (".rm-session-quote", HEBREW_QUOTE),      # a session card's quote
    ("h3", "الأرشيف المفتوح: who keeps"),     # an Arabic title with English in it
    ("h3", "זיכרון קהילתי"),                  # a Hebrew title
    ("h2", "جلسات بعد الظهر"),                # a block heading
    (".rm-summary p", "تحدثت ليلى حداد"),     # an Arabic paragraph of a summary
], ids=["featured-quote", "session-quote", "arabic-title", "hebrew-title", "block-heading",
        "summary-paragraph"])
def test_a_right_to_left_block_reads_from_the_right(email_page, selector: str,
                                                    needle: str) -> None:
    block = _layout(email_page, selector, needle)
    assert block["dir"] == "rtl"
    # The first character (a quote's opening mark) sits at the block's right edge, the
    # last one to the left of it.
    assert block["first"]["r"] == pytest.approx(block["r"], abs=2)
    assert block["last"]["l"] < block["first"]["l"]


@pytest.mark.parametrize(("selector", "needle"), [
    (".rm-quote-text", "An archive nobody can search"),
    (".rm-session-quote", "Metadata is a promise"),
    ("h3", "Digitising the"),
    (".rm-summary p", "She asked every archive"),
    (".rm-intro p", "Day 2 of the forum"),
], ids=["featured-quote", "session-quote", "title", "summary-paragraph", "intro"])
def test_the_english_blocks_stay_left_to_right(email_page, selector: str, needle: str) -> None:
    block = _layout(email_page, selector, needle)
    assert block["dir"] == "ltr"
    assert block["first"]["l"] == pytest.approx(block["l"], abs=2)


def test_an_isolated_name_keeps_the_sentence_in_order(email_page) -> None:
    # "— name, affiliation": unisolated, the comma between two Arabic runs would join them
    # and show the affiliation to the left of the name.
    spans = email_page.evaluate(
        """(needle) => { const p = [...document.querySelectorAll('.rm-quote')]
             .find(q => q.textContent.includes(needle)).querySelector('.rm-quote-by');
           return {dir: getComputedStyle(p).direction,
             spans: [...p.querySelectorAll('span[dir=rtl]')].map(s => ({text: s.textContent,
                         l: s.getBoundingClientRect().left, dir: getComputedStyle(s).direction,
                         bidi: getComputedStyle(s).unicodeBidi}))}; }""", ARABIC_QUOTE)
    assert spans["dir"] == "ltr"
    name, affiliation, title = spans["spans"]
    assert (name["text"], affiliation["text"]) == ("ليلى حداد", "مركز الأرشيف المفتوح")
    assert name["l"] < affiliation["l"]
    assert {s["dir"] for s in spans["spans"]} == {"rtl"}
    assert {s["bidi"] for s in spans["spans"]} == {"isolate"}
    assert title["text"] == "الأرشيف المفتوح: who keeps the record?"
