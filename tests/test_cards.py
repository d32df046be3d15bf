"""Quote cards, opened and checked: sizes, text inside the margins, contrast, whole quotes."""

from __future__ import annotations

import json
from dataclasses import replace
from io import BytesIO
from itertools import pairwise

import pytest
from PIL import Image, ImageChops, ImageColor, ImageDraw

from conftest import CASES
from recap_mailer.build import load_campaign
from recap_mailer.cards import (
    CARD_SIZES,
    STAMP_KEYWORD,
    CardLayout,
    card_inputs,
    card_stamp,
    clear_caches,
    draw_card,
    family_for,
    fonts,
    layout_card,
    missing_glyphs,
    render_card,
    render_cards,
)
from recap_mailer.colour import MIN_CONTRAST, contrast_ratio, readable
from recap_mailer.model import Campaign, Quote, Theme
from recap_mailer.social.counting import alt_length
from recap_mailer.social.fitting import alt_text
from recap_mailer.social.platforms import RULES

SIZE_IDS = [f"{w}x{h}" for w, h in CARD_SIZES]

#: Themes whose own colours do not read on their background.
HOSTILE_THEMES = {
    "grey-primary": Theme(primary="#777777", accent="#ff9999", text="#888888", muted="#aaaaaa"),
    "mid-grey-background": Theme(background="#777777", primary="#6a6a6a", accent="#7a7a7a",
                                 text="#808080", muted="#707070"),
    "dark-background": Theme(background="#101820", text="#202830", primary="#002147",
                             accent="#300000", muted="#333333"),
}


@pytest.fixture(scope="module")
def campaigns() -> dict[str, Campaign]:
    return {case: load_campaign(path).campaign for case, path in CASES.items()}


@pytest.fixture(scope="module")
def sample(campaigns: dict[str, Campaign]) -> Campaign:
    return campaigns["soc23-day1"]


def words_1000() -> str:
    """Return a quote of exactly 1000 characters: numbered words, so order can be checked."""
    words, n = [], 0
    while len(" ".join(words)) < 1000:
        n += 1
        words.append(f"word{n}" if n % 7 else f"extraordinarily-long{n}")
    return " ".join(words)[:1000].rstrip()


def quote_words(layout: CardLayout) -> list[str]:
    quote = layout.block("quote")
    assert quote is not None
    return " ".join(line.text for line in quote.lines).split()


def assert_inside_margins(layout: CardLayout) -> None:
    left, top, right, bottom = layout.content
    for block in layout.blocks:
        for line in block.lines:
            x0, y0, x1, y1 = line.box
            assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (
                f"{block.role} line {line.text!r} box {line.box} leaves {layout.content}")
    for rule in layout.rules:
        x0, y0, x1, y1 = rule.box
        assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom


def assert_pixels_match_layout(image: Image.Image, layout: CardLayout) -> None:
    """No ink in the margins, and every pixel that is not background lies in a layout box."""
    background = ImageColor.getrgb(layout.background)
    left, top, right, bottom = layout.content
    width, height = layout.size
    for band in [(0, 0, width, top), (0, bottom, width, height),
                 (0, 0, left, height), (right, 0, width, height)]:
        colours = image.crop(band).getcolors(maxcolors=4)
        assert colours is not None and [c for _, c in colours] == [background], band
    # Paint over every box the layout claims; what is left must be plain background.
    covered = image.copy()
    draw = ImageDraw.Draw(covered)
    boxes = [line.box for block in layout.blocks for line in block.lines]
    for x0, y0, x1, y1 in boxes + [rule.box for rule in layout.rules]:
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=background)
    plain = Image.new("RGB", layout.size, background)
    assert ImageChops.difference(covered, plain).getbbox() is None


# --- Files, sizes, determinism -----------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_every_quote_gets_a_png_of_each_size(case: str, campaigns: dict[str, Campaign]) -> None:
    campaign = campaigns[case]
    files = render_cards(campaign)
    expected = {f"cards/{q.id}-{w}x{h}.png" for q in campaign.quotes for w, h in CARD_SIZES}
    assert set(files) == expected
    for name, data in files.items():
        with Image.open(BytesIO(data)) as image:
            assert image.format == "PNG"
            assert image.size == tuple(int(n) for n in name[:-4].rsplit("-", 1)[1].split("x"))
            assert image.mode == "P"  # a palette of shades: see draw_card
            image.load()  # the stamp follows the pixels
            # One text chunk, the stamp; no time stamp, nothing else.
            assert set(image.info) - {"transparency"} == {STAMP_KEYWORD}
            assert json.loads(image.info[STAMP_KEYWORD]) == card_stamp(data)
        # Bluesky takes images up to 2,000,000 bytes.
        assert len(data) < 2_000_000


def test_the_same_source_gives_the_same_bytes(sample: Campaign) -> None:

    first = render_cards(sample)
    # Empty the caches so the second render really draws and encodes every card again.
    clear_caches()
    again = render_cards(load_campaign(CASES["soc23-day1"]).campaign)
    assert again == first
    assert all(a is not b for a, b in zip(again.values(), first.values(), strict=True))


@pytest.mark.parametrize("size", CARD_SIZES, ids=SIZE_IDS)
def test_the_palette_card_looks_like_a_full_colour_drawing(size: tuple[int, int],
                                                           sample: Campaign) -> None:
    layout = layout_card(sample.quotes[0], sample, size)
    reference = Image.new("RGB", layout.size, layout.background)
    draw = ImageDraw.Draw(reference)
    for rule in layout.rules:
        x0, y0, x1, y1 = rule.box
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=rule.colour)
    for block in layout.blocks:
        font = fonts.font(block.family, block.size, block.weight)
        for line in block.lines:
            draw.text(line.origin, line.text, font=font, fill=block.colour, anchor=block.anchor)
    card = draw_card(layout)
    assert card.mode == "P"
    difference = ImageChops.difference(card.convert("RGB"), reference)
    # Every channel within 3 of the 256-shade drawing: 51 or more shades per colour.
    assert max(high for _, high in difference.getextrema()) <= 3
    assert len(reference.getcolors(1 << 16) or []) > 50  # real anti-aliased text compared


def test_build_includes_the_cards() -> None:
    from recap_mailer.build import render_campaign

    build = render_campaign(load_campaign(CASES["minimal"]))  # no quotes: no cards
    assert not [name for name in build.files if name.startswith("cards/")]
    build = render_campaign(load_campaign(CASES["soc23-day1"]))
    assert build.files["cards/considine-steering-1600x900.png"].startswith(b"\x89PNG")
    assert build.files["cards/considine-steering-1080x1350.png"].startswith(b"\x89PNG")


# --- Text inside the margins, on the layout and on the pixels ----------------------------


@pytest.mark.parametrize("size", CARD_SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("case", ["soc23-day1", "awkward"])
def test_text_stays_inside_the_margins(case: str, size: tuple[int, int],
                                       campaigns: dict[str, Campaign]) -> None:
    campaign = campaigns[case]
    for quote in campaign.quotes:
        layout = layout_card(quote, campaign, size)
        assert_inside_margins(layout)
        with Image.open(BytesIO(render_card(quote, campaign, size))) as image:
            assert image.size == size
            assert_pixels_match_layout(image.convert("RGB"), layout)


def longest_everything(campaign: Campaign) -> tuple[Campaign, Quote]:
    """Return the sample with every field on a card at the longest the source allows."""
    quote = campaign.quotes[0]
    speaker = replace(quote.speaker, honorific="H" * 30, name=("Name " * 24)[:120],
                      affiliation=("Affiliation " * 17)[:200])
    session = replace(quote.session, title=("Session title " * 22)[:300])
    event = replace(campaign.event, name=("Event name " * 19)[:200])
    quote = replace(quote, text=words_1000(), speaker=speaker, session=session)
    return replace(campaign, event=event, quotes=(quote,)), quote


@pytest.mark.parametrize("size", CARD_SIZES, ids=SIZE_IDS)
def test_a_1000_character_quote_is_set_whole(size: tuple[int, int], sample: Campaign) -> None:
    text = words_1000()
    assert len(text) == 1000
    quote = replace(sample.quotes[0], text=text)
    layout = layout_card(quote, sample, size)
    assert quote_words(layout) == text.split()
    assert_inside_margins(layout)
    block = layout.block("quote")
    assert block is not None and block.size >= 20  # still readable
    image = draw_card(layout).convert("RGB")
    assert_pixels_match_layout(image, layout)


@pytest.mark.parametrize("size", CARD_SIZES, ids=SIZE_IDS)
def test_everything_at_its_longest_still_fits(size: tuple[int, int], sample: Campaign) -> None:
    campaign, quote = longest_everything(sample)
    layout = layout_card(quote, campaign, size)
    assert quote_words(layout) == quote.text.split()
    assert_inside_margins(layout)
    block = layout.block("quote")
    assert block is not None and block.size >= 14
    assert_pixels_match_layout(draw_card(layout).convert("RGB"), layout)


@pytest.mark.parametrize("text", [
    "x" * 1000,
    "supercalifragilisticexpialidocious-hyphenated-compound-words-that-never-end " * 12,
    "line\n" * 200,
    "\n\n".join(["A paragraph of a few words."] * 30),
], ids=["one-word", "long-compounds", "many-lines", "paragraphs"])
def test_awkward_quotes_are_set_whole(text: str, sample: Campaign) -> None:
    quote = replace(sample.quotes[0], text=text[:1000])
    for size in CARD_SIZES:
        layout = layout_card(quote, sample, size)
        block = layout.block("quote")
        assert block is not None
        assert "".join("".join(line.text.split()) for line in block.lines) == \
            "".join(text[:1000].split())
        assert_inside_margins(layout)


def test_lines_follow_the_quote_in_order(sample: Campaign) -> None:
    for quote in sample.quotes:
        for size in CARD_SIZES:
            layout = layout_card(quote, sample, size)
            assert quote_words(layout) == quote.text.split()
            block = layout.block("quote")
            assert block is not None
            baselines = [line.origin[1] for line in block.lines]
            assert all(a < b for a, b in pairwise(baselines))


def test_shorter_quotes_get_larger_type(sample: Campaign) -> None:
    short = layout_card(sample.quotes[3], sample, (1600, 900)).block("quote")
    long = layout_card(replace(sample.quotes[3], text=words_1000()), sample,
                       (1600, 900)).block("quote")
    assert short is not None and long is not None
    assert short.size > 2 * long.size


# --- Contrast ----------------------------------------------------------------------------


def assert_readable(layout: CardLayout, image: Image.Image) -> None:
    for block in layout.blocks:
        assert contrast_ratio(block.colour, layout.background) >= MIN_CONTRAST, block.role
        # The colour the layout chose is the colour on the card (solid inside the strokes).
        x0, y0, x1, y1 = block.lines[0].box
        colours = image.crop((x0, y0, x1, y1)).getcolors(maxcolors=1 << 16) or []
        assert ImageColor.getrgb(block.colour) in {c for _, c in colours}, block.role
    for rule in layout.rules:
        assert contrast_ratio(rule.colour, layout.background) >= MIN_CONTRAST


@pytest.mark.parametrize("size", CARD_SIZES, ids=SIZE_IDS)
def test_sample_text_contrast(size: tuple[int, int], sample: Campaign) -> None:
    layout = layout_card(sample.quotes[0], sample, size)
    assert_readable(layout, draw_card(layout).convert("RGB"))
    quote = layout.block("quote")
    assert quote is not None and quote.colour == sample.theme.text  # the brand's own colours
    mark = layout.block("mark")
    assert mark is not None and mark.colour == sample.theme.accent


@pytest.mark.parametrize("theme", list(HOSTILE_THEMES))
def test_hostile_theme_colours_are_made_readable(theme: str, sample: Campaign) -> None:
    campaign = replace(sample, theme=HOSTILE_THEMES[theme])
    for size in CARD_SIZES:
        layout = layout_card(campaign.quotes[0], campaign, size)
        assert layout.background == HOSTILE_THEMES[theme].background
        assert_readable(layout, draw_card(layout).convert("RGB"))


def test_readable_keeps_the_hue_when_it_can() -> None:
    assert readable("#1f2328", "#f4f5f7") == "#1f2328"
    darker = readable("#e63946", "#f4f5f7")  # the default accent is 3.7:1 on its background
    assert contrast_ratio(darker, "#f4f5f7") >= MIN_CONTRAST
    red, green, blue = ImageColor.getrgb(darker)
    assert red > 2 * green and red > 2 * blue
    for background in ("#777777", "#767676", "#7f7f7f", "#000000", "#ffffff", "#ff0000"):
        for colour in ("#777777", "#808080", background):
            assert contrast_ratio(readable(colour, background), background) >= MIN_CONTRAST


def test_contrast_ratio_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


# --- Scripts the fonts lack --------------------------------------------------------------


def test_arabic_is_set_in_the_arabic_font_right_to_left(campaigns: dict[str, Campaign]) -> None:
    awkward = campaigns["awkward"]
    quote = next(q for q in awkward.quotes if q.id == "q2")
    assert family_for(quote.text) == "Noto Sans Arabic"
    layout = layout_card(quote, awkward, (1080, 1350))
    block = layout.block("quote")
    assert block is not None and block.anchor == "rs"
    assert block.lines[0].box[2] == layout.content[2]  # flush right


@pytest.mark.parametrize("text", ["山田 太郎は言った：「未来は今だ」", "🎉👩🏽‍💻🇨🇦 " * 40,
                                  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǒ " * 30, "مرحبا بالعالم and hello 日本語 🎉"],
                         ids=["cjk", "emoji", "combining", "mixed"])
def test_text_the_fonts_lack_does_not_break_a_card(text: str, sample: Campaign) -> None:
    quote = replace(sample.quotes[0], text=text)
    for size in CARD_SIZES:
        layout = layout_card(quote, sample, size)
        assert_inside_margins(layout)
        image = Image.open(BytesIO(render_card(quote, sample, size)))
        assert image.size == size
        assert_pixels_match_layout(image.convert("RGB"), layout)
    assert text.strip() in alt_text(sample, quote, 2000)


def test_missing_glyphs_are_named() -> None:
    assert missing_glyphs("Zoë — “café” «ok»") == ""
    # Private use and unassigned code points are in no font; the joiner needs no glyph.
    assert missing_glyphs("party \ue000 in \U000F0001\u200d\u0378 \ue000") == \
        "\ue000\U000F0001\u0378"


# --- Alt text (social.alt_text owns it: cards and posts share one description) --------


def test_alt_text_of_the_sample() -> None:
    campaign = load_campaign(CASES["soc23-day1"]).campaign
    assert alt_text(campaign, campaign.quotes[0], RULES["x"].alt_limit) == (
        "Quote card: “(The) steering not rowing metaphor has gone too far; the time for "
        "government to just pull levers and expect that the rest of the machine will just work "
        "is not valid anymore” — Professor Mark Considine, University of Melbourne, at "
        "Social Outcomes Conference 2023")


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon", "instagram"])
@pytest.mark.parametrize("case", list(CASES))
def test_alt_text_carries_the_whole_quote_and_who_said_it(
        case: str, platform: str, campaigns: dict[str, Campaign]) -> None:
    campaign, limit = campaigns[case], RULES[platform].alt_limit
    for quote in campaign.quotes:
        alt = alt_text(campaign, quote, limit)
        name = quote.speaker.display_name
        assert alt_length(alt) <= limit
        assert name in alt
        bare = f"“{quote.text.strip()}” — {name}"
        if alt_length(bare) <= limit:  # the quote is trimmed only when it alone is too long
            assert f"“{quote.text.strip()}”" in alt
        else:
            assert alt.startswith("“") and alt.endswith(f"…” — {name}")
        described = f"Quote card: {bare}, {quote.speaker.affiliation}, at {campaign.event.name}"
        if quote.speaker.affiliation and alt_length(described) <= limit:
            assert alt == described


def test_long_alt_text_is_cut_at_a_word_with_an_ellipsis(sample: Campaign) -> None:
    quote = replace(sample.quotes[0], text=words_1000())
    assert words_1000() in alt_text(sample, quote, RULES["bluesky"].alt_limit)
    alt = alt_text(sample, quote, 1000)
    assert alt_length(alt) <= 1000
    assert alt.endswith("…” — Professor Mark Considine")
    kept = alt.removeprefix("“").split("…”")[0].rstrip()
    assert words_1000().startswith(kept)
    assert words_1000()[len(kept)] == " "  # cut between words
    assert len(kept) > 700


def test_long_alt_text_prefers_a_sentence_end(sample: Campaign) -> None:
    text = ("This is a sentence that makes a point. " * 30).strip()
    quote = replace(sample.quotes[0], text=text)
    alt = alt_text(sample, quote, 1000)
    assert alt_length(alt) <= 1000
    assert "makes a point. …”" in alt


def test_tiny_limits_still_hold(sample: Campaign) -> None:
    for limit in (10, 50, 150, 200):
        assert alt_length(alt_text(sample, sample.quotes[1], limit)) <= limit


def test_unchanged_cards_are_not_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from recap_mailer import cards as cards_module

    campaign = load_campaign(CASES["soc23-day1"]).campaign
    first = cards_module.render_cards(campaign)
    drawn: list[str] = []
    real = cards_module.render_card
    monkeypatch.setattr(cards_module.draw, "render_card",
                        lambda q, c, s: drawn.append(q.id) or real(q, c, s))
    assert cards_module.render_cards(campaign) == first
    assert drawn == []
    # Editing one quote redraws only that quote's two cards.
    edited = dataclasses.replace(campaign, quotes=(
        dataclasses.replace(campaign.quotes[0], text=campaign.quotes[0].text + " Indeed."),
        *campaign.quotes[1:]))
    again = cards_module.render_cards(edited)
    assert drawn == [campaign.quotes[0].id] * 2
    first_id = campaign.quotes[0].id
    assert {k for k in again if again[k] != first[k]} == {
        f"cards/{first_id}-1600x900.png", f"cards/{first_id}-1080x1350.png"}


# --- The stamp, and cards reused from the previous build --------------------------------


def test_a_card_is_stamped_with_its_inputs_and_what_it_shows(sample: Campaign) -> None:
    quote = sample.quotes[1]
    png = render_card(quote, sample, (1600, 900))
    stamp = card_stamp(png)
    assert stamp is not None
    assert stamp["inputs"] == card_inputs(quote, sample, (1600, 900))
    shows = stamp["shows"]
    assert isinstance(shows, dict)
    assert shows["quote"].split() == quote.text.split()
    assert shows["speaker"] == quote.speaker.display_name
    assert card_inputs(quote, sample, (1080, 1350)) != stamp["inputs"]


@pytest.mark.parametrize("damage", ["pixels", "stamp", "truncated", "not-png", "empty"])
def test_a_damaged_card_has_no_stamp(damage: str, sample: Campaign) -> None:
    png = render_card(sample.quotes[0], sample, (1600, 900))
    assert card_stamp(png) is not None
    middle = len(png) // 2
    damaged = {
        "pixels": png[:middle] + bytes([png[middle] ^ 1]) + png[middle + 1:],
        "stamp": png.replace(b'"sha256": "', b'"sha256": "0', 1),
        "truncated": png[:-40],
        "not-png": b"GIF89a" + png[6:],
        "empty": b"",
    }[damage]
    assert card_stamp(damaged) is None


def test_cards_of_the_previous_build_are_reused_not_drawn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer import cards as cards_module

    campaign = load_campaign(CASES["soc23-day1"]).campaign
    previous = render_cards(campaign)
    clear_caches()  # as in a fresh process
    drawn: list[str] = []
    real = cards_module.render_card
    monkeypatch.setattr(cards_module.draw, "render_card",
                        lambda q, c, s: drawn.append(q.id) or real(q, c, s))
    assert render_cards(campaign, previous) == previous
    assert drawn == []


def test_a_stale_or_damaged_previous_card_is_drawn_afresh(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer import cards as cards_module

    campaign = load_campaign(CASES["soc23-day1"]).campaign
    previous = render_cards(campaign)
    first, second = campaign.quotes[0], campaign.quotes[1]
    # The second quote's wide card was opened and saved again: a byte of it changed.
    damaged_path = f"cards/{second.id}-1600x900.png"
    png = previous[damaged_path]
    middle = len(png) // 2
    damaged = png[:middle] + bytes([png[middle] ^ 1]) + png[middle + 1:]
    # The first quote was edited, so its old cards no longer match their inputs.
    edited = replace(campaign, quotes=(replace(first, text=first.text + " Indeed."),
                                       *campaign.quotes[1:]))
    clear_caches()
    drawn: list[str] = []
    real = cards_module.render_card
    monkeypatch.setattr(cards_module.draw, "render_card",
                        lambda q, c, s: drawn.append(f"{q.id}-{s[0]}") or real(q, c, s))
    again = render_cards(edited, {**previous, damaged_path: damaged})
    assert sorted(drawn) == sorted([f"{first.id}-1600", f"{first.id}-1080", f"{second.id}-1600"])
    assert again[damaged_path] == png  # drawn afresh, byte for byte the original
    assert again[f"cards/{first.id}-1600x900.png"] != previous[f"cards/{first.id}-1600x900.png"]
