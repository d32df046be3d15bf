"""Quote cards in every script: the glyphs drawn are real, lines break where they may, bidi."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import unicodedata
from dataclasses import replace
from functools import cache
from io import BytesIO

import fontpkg
import pytest
from bidi import get_display
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageColor, ImageDraw

from conftest import CASES, ROOT
from recap_mailer.build import load_campaign
from recap_mailer.cards import (
    clear_caches,
    draw_card,
    fonts,
    layout_card,
    missing_glyphs,
    render_card,
    render_cards,
    runs,
    stamp,
    system,
)
from recap_mailer.cards.bidi import bidi_class, levels, visual_order
from recap_mailer.cards.text import advance, families_for, wrap
from recap_mailer.model import Campaign

pytestmark = pytest.mark.skipif(
    not {(f, False) for f in ("Noto Sans CJK JP", "Noto Color Emoji")} <= set(system.faces()),
    reason="Debian's fonts-noto-cjk and fonts-noto-color-emoji are not installed")

#: A quote in each script, and the family each of its letters must be drawn in.
QUOTES = {
    "japanese": ("山田太郎は言った：「未来は今だ」", "Noto Sans CJK JP"),
    "chinese": ("我们的未来就是现在，让我们一起努力。", "Noto Sans CJK SC"),
    "korean": ("우리의 미래는 바로 지금입니다", "Noto Sans CJK KR"),
    "emoji": ("🎉👩🏽‍💻🇨🇦❤️", "Noto Color Emoji"),
    "arabic": ("مرحبا بالعالم، المستقبل الآن", "Noto Sans Arabic"),
    "devanagari": ("भविष्य अभी है", "Noto Sans"),  # Noto Sans has Devanagari itself
    "thai": ("อนาคตคือตอนนี้", "Noto Sans Thai"),
    "hebrew": ("העתיד הוא עכשיו", "DejaVu Sans"),
}


@pytest.fixture(scope="module")
def sample() -> Campaign:
    return load_campaign(CASES["soc23-day1"]).campaign


@cache
def cmap_of(family: str) -> frozenset[int]:
    """Read a family's Unicode map with fontTools, from the file fontpkg or fontconfig names."""
    if family in fonts.PACKAGES:
        path, index = str(fontpkg.path(family)), 0
    else:
        face = system.faces()[(family, False)]
        path, index = str(face.path), face.index
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font["cmap"].getBestCmap())


@pytest.mark.parametrize("script", list(QUOTES))
def test_every_letter_is_drawn_from_a_font_that_has_it(script: str) -> None:
    text, family = QUOTES[script]
    assert missing_glyphs(text) == ""
    placed = runs.split(text, families_for(text))
    assert "".join(cluster for cluster, _ in placed) == text
    for cluster, its in placed:
        points = runs.needed(cluster)
        assert points <= cmap_of(its), (cluster, its)
        if any(unicodedata.category(ch)[0] == "L" or ord(ch) >= 0x1F000 for ch in cluster):
            assert its == family, (cluster, its)


@pytest.mark.parametrize("script", list(QUOTES))
def test_a_card_in_each_script_shows_glyphs_not_boxes(script: str, sample: Campaign) -> None:
    text, family = QUOTES[script]
    quote = replace(sample.quotes[0], text=text)
    layout = layout_card(quote, sample, (1080, 1350))
    block = layout.block("quote")
    assert block is not None
    card = draw_card(layout).convert("RGB")
    # The same lines drawn the old way, all in the block's own font: boxes where it has no
    # glyph. The real card must differ from that drawing wherever the fallback took over.
    tofu = Image.new("RGB", layout.size, layout.background)
    draw = ImageDraw.Draw(tofu)
    font = fonts.font(block.family, block.size, block.weight)
    for line in block.lines:
        draw.text(line.origin, line.text, font=font, fill=block.colour, anchor=block.anchor)
    box = (min(line.box[0] for line in block.lines), min(line.box[1] for line in block.lines),
           max(line.box[2] for line in block.lines), max(line.box[3] for line in block.lines))
    if family != block.family:
        assert card.crop(box).tobytes() != tofu.crop(box).tobytes()
    # Each letter's glyph is not the empty box its font draws for what it lacks.
    size = 64
    for cluster, its in runs.split(text, families_for(text)):
        if not runs.needed(cluster) or its == system.EMOJI:
            continue
        face = fonts.font(its, size, 400)
        assert bytes(face.getmask(cluster)) != bytes(face.getmask("\ue000")), (cluster, its)
    if family == system.EMOJI:
        # Colour: more than the shades of the theme's colours between them and the background.
        text_colours = {ImageColor.getrgb(b.colour) for b in layout.blocks}
        colours = {c for _, c in card.crop(box).getcolors(1 << 20) or []}
        assert len(colours - text_colours - {ImageColor.getrgb(layout.background)}) > 40
        hues = [c for c in colours if max(c) - min(c) > 100]  # saturated: not grey or ink
        assert len(hues) > 10


def test_missing_glyphs_are_named_for_characters_no_font_has() -> None:
    assert missing_glyphs("Zoë — “café” «ok» 日本 🎉 👩🏽‍💻") == ""
    # A private-use character and an unassigned code point: in no font anywhere.
    assert missing_glyphs("a \ue000 b \u0378 c \ue000") == "\ue000\u0378"
    for family in fonts.installed():
        assert 0xE000 not in cmap_of(family) and 0x378 not in cmap_of(family)


def test_the_cjk_face_follows_the_language() -> None:
    assert "Noto Sans CJK KR" in families_for("한국어 漢字")
    assert "Noto Sans CJK JP" in families_for("ひらがな 漢字")
    chinese = families_for("汉字")
    assert "Noto Sans CJK SC" in chinese and "Noto Sans CJK JP" not in chinese


# --- Where lines break ------------------------------------------------------------------

LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
URL = st.builds(
    lambda host, path, query: "https://" + ".".join(host) + "/" + "/".join(path)
    + (f"?{query}" if query else ""),
    st.lists(LABEL, min_size=2, max_size=4), st.lists(LABEL, min_size=1, max_size=5),
    st.one_of(st.none(), st.text("abcdefghij=&0123456789", min_size=1, max_size=12)))
COMPOUND = st.lists(LABEL, min_size=2, max_size=8).map("-".join)
BREAKS_AFTER = "/.-?"


def assert_breaks_only_after(text: str, lines: list[str]) -> None:
    """Each line is the next stretch of ``text``, and ends at a space or after ``/ . - ?``."""
    at = 0
    for line in lines:
        assert text[at:at + len(line)] == line, (text, lines)
        at += len(line)
        if at < len(text):
            if text[at] == " ":
                at += 1
            else:
                assert line[-1] in BREAKS_AFTER, (line, lines)
    assert at == len(text)


@settings(max_examples=150, deadline=None)
@given(word=st.one_of(URL, COMPOUND), size=st.integers(20, 90), slack=st.floats(1.0, 3.0),
       before=st.sampled_from(["", "See", "Read more at"]))
def test_web_addresses_and_long_words_break_only_after_slashes_dots_hyphens_and_questions(
        word: str, size: int, slack: float, before: str) -> None:
    families = families_for(word)
    # Every piece up to a break point (after a run of them: "https://") fits a line, so none
    # needs breaking inside.
    parts = re.findall(r"[^/.?-]*[/.?-]+|[^/.?-]+", word)
    width = max(advance(families, 600, size, p) for p in [*parts, *before.split()]) * slack
    text = f"{before} {word}".strip()
    lines = wrap(text, families, 600, size, width)
    assert_breaks_only_after(text, lines)
    assert all(advance(families, 600, size, line) <= width * 1.005 for line in lines)


def test_a_portrait_card_breaks_a_web_address_after_its_dots_and_slashes(
        sample: Campaign) -> None:
    address = "https://data.example.gov/page/reports/2023-outcomes?year=2023"
    quote = replace(sample.quotes[0], text=f"The figures are all at {address} for anyone")
    for size in ((1080, 1350), (1600, 900)):
        block = layout_card(quote, sample, size).block("quote")
        assert block is not None
        lines = [line.text for line in block.lines]
        assert_breaks_only_after(quote.text, lines)
    assert len(lines) > 1


# --- Bidi order of runs in several fonts --------------------------------------------------

BIDI_ALPHABET = "ab AB אבג مرح 123٣ ,.-%+!"


@settings(max_examples=400, deadline=None)
@given(text=st.text(BIDI_ALPHABET, min_size=1, max_size=20), rtl=st.booleans())
def test_the_order_of_runs_is_the_unicode_bidi_algorithms(text: str, rtl: bool) -> None:
    # python-bidi wraps the unicode-bidi crate; none of these characters mirror.
    order = visual_order(levels([bidi_class(ch) for ch in text], rtl))
    assert "".join(text[i] for i in order) == get_display(text, base_dir="R" if rtl else "L")


def test_a_mixed_line_reads_in_bidi_order(sample: Campaign) -> None:
    text = "مرحبا بالعالم and hello 日本語 🎉"
    placed = runs.place(text, families_for(text), 600, 60, True)
    seen = [run.text.strip() for run in placed.runs if run.text.strip()]
    assert seen == ["🎉", "and hello", "日本語", "مرحبا بالعالم"]
    xs = [run.x for run in placed.runs]
    assert xs == sorted(xs) and placed.box[2] <= 1 and placed.box[0] >= -placed.advance - 8


# --- The same source, the same bytes ------------------------------------------------------

SCRIPT = """
import hashlib, sys
from dataclasses import replace
sys.path.insert(0, {tests!r})
from conftest import CASES
from recap_mailer.build import load_campaign
from recap_mailer.cards import render_cards
campaign = load_campaign(CASES["soc23-day1"]).campaign
texts = {texts!r}
campaign = replace(campaign, quotes=tuple(replace(campaign.quotes[0], id=f"q{{i}}", text=t)
                                          for i, t in enumerate(texts)))
for path, png in sorted(render_cards(campaign).items()):
    print(path, hashlib.sha256(png).hexdigest())
"""


def test_cards_in_every_script_are_the_same_bytes_every_time(sample: Campaign) -> None:
    texts = [text for text, _ in QUOTES.values()] + ["Zoë \ue000 mixed مرحبا 日本 🎉"]
    campaign = replace(sample, quotes=tuple(replace(sample.quotes[0], id=f"q{i}", text=t)
                                            for i, t in enumerate(texts)))
    first = render_cards(campaign)
    clear_caches()
    fonts.font_data.cache_clear()
    runs.coverage.cache_clear()
    system.faces.cache_clear()
    again = render_cards(campaign)
    assert again == first
    # A new interpreter, with its own fontconfig lookup and fonts opened afresh.
    script = SCRIPT.format(tests=str(ROOT / "tests"), texts=texts)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.splitlines() == [f"{path} {hashlib.sha256(png).hexdigest()}"
                                for path, png in sorted(first.items())]
    with Image.open(BytesIO(first["cards/q3-1600x900.png"])) as image:
        assert image.mode == "P"  # emoji and all, still a palette card


def test_a_changed_fallback_font_changes_every_stamp(monkeypatch: pytest.MonkeyPatch,
                                                    sample: Campaign) -> None:
    from recap_mailer.cards import card_inputs

    before = card_inputs(sample.quotes[0], sample, (1600, 900))
    stamp._renderer.cache_clear()
    monkeypatch.setattr(system, "revision", lambda path, index: "9.999")
    try:
        assert card_inputs(sample.quotes[0], sample, (1600, 900)) != before
    finally:
        stamp._renderer.cache_clear()
    png = render_card(sample.quotes[0], sample, (1600, 900))
    assert png.startswith(b"\x89PNG")
