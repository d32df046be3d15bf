"""Drawing a laid-out card, and the PNG a card is saved as, stamped with what it shows."""

from __future__ import annotations

import math
from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING

from recap_mailer.cards import fonts, runs, system
from recap_mailer.cards.layout import CardLayout, TextBlock, TextLine, layout_card
from recap_mailer.cards.stamp import add_stamp, card_inputs
from recap_mailer.cards.text import Box
from recap_mailer.colour import rgb
from recap_mailer.model import Campaign, Quote

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where a card is drawn: a rebuild that keeps every card from the last
# build (see files.render_cards) loads only its version numbers.

#: Fixed, so the same source always gives the same bytes; higher levels are slower for
#: files hardly smaller.
PNG_COMPRESS_LEVEL = 4
#: Palette entries a card with colour emoji gives them, all its emoji together.
EMOJI_COLOURS = 96


def render_card(quote: Quote, campaign: Campaign, size: tuple[int, int]) -> bytes:
    """Return one card as PNG bytes; the same input always gives the same bytes."""
    layout = layout_card(quote, campaign, size)
    buffer = BytesIO()
    # No time stamp and a fixed compression level: reproducible bytes.
    draw_card(layout).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    shows = {role: "\n".join(line.text for line in block.lines)
             for role in ("quote", "speaker") if (block := layout.block(role))}
    return add_stamp(buffer.getvalue(), card_inputs(quote, campaign, size), shows)


def draw_card(layout: CardLayout) -> Image.Image:
    """Draw a laid-out card as a palette image: each colour in shades over the background."""
    # Text is drawn as coverage masks, one block at a time, and each level of coverage is a
    # palette entry between the background and the block's colour. A card has at most five
    # colours, so each gets 51 or more shades, which the eye cannot tell from 256; the PNG
    # encodes much faster than RGB and is smaller. Colour emoji take the last
    # ``EMOJI_COLOURS`` entries, so a card with emoji has fewer shades of each colour (31 or
    # more, still smooth).
    colours = list(dict.fromkeys([rule.colour for rule in layout.rules]
                                 + [block.colour for block in layout.blocks]))
    emoji = [(block, line, run) for block in layout.blocks for line in block.lines if line.text
             for run in _placed(block, line.text).runs if run.family == system.EMOJI]
    reserved = EMOJI_COLOURS if emoji else 0
    levels = (255 - reserved) // max(1, len(colours))
    from PIL import Image, ImageChops, ImageDraw

    image = Image.new("L", layout.size, 0)

    def solid(colour: str) -> int:
        return colours.index(colour) * levels + levels

    for rule in layout.rules:
        image.paste(solid(rule.colour), rule.box)
    for block in layout.blocks:
        box = _ink_box(block)
        if box is None:
            continue
        left, top, right, bottom = box
        mask = Image.new("L", (right - left, bottom - top), 0)
        draw = ImageDraw.Draw(mask)
        for line in block.lines:
            if not line.text:
                continue
            x, y = line.origin
            for run in _placed(block, line.text).runs:
                if run.family != system.EMOJI:
                    draw.text((x + run.x - left, y - top), run.text, fill=255, anchor=run.anchor,
                              font=fonts.font(run.family, block.size, block.weight),
                              direction=run.direction)
        shades = mask.point(_shade_table(solid(block.colour) - levels, levels))
        # Blocks do not overlap, but their boxes may touch: keep what is already inked.
        image.paste(ImageChops.lighter(image.crop(box), shades), box)
    palette = _palette(layout.background, colours, levels)
    if emoji:
        palette += _paste_emoji(image, layout.background, emoji, len(palette) // 3)
    image.putpalette(palette)
    return image


def _placed(block: TextBlock, text: str) -> runs.Placed:
    return runs.place(text, block.families, block.weight, block.size, block.anchor == "rs")


def _paste_emoji(image: Image.Image, background: str,
                 emoji: list[tuple[TextBlock, TextLine, runs.Run]], first: int) -> list[int]:
    """Paste each colour emoji run, in palette entries from ``first`` on; return those entries."""
    from PIL import Image

    drawn = [(*_emoji_picture(run.text, run.direction, block.size, background),
              (line.origin[0] + run.x, line.origin[1])) for block, line, run in emoji]
    # All the card's emoji share one set of colours, chosen over all of them at once.
    strip = Image.new("RGB", (sum(p.width for p, *_ in drawn),
                              max(p.height for p, *_ in drawn)), rgb(background))
    x = 0
    for picture, *_ in drawn:
        strip.paste(picture, (x, 0))
        x += picture.width
    quantized = strip.quantize(EMOJI_COLOURS, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
    indices = Image.frombytes("L", strip.size, quantized.tobytes()).point(
        [min(255, first + v) for v in range(256)])
    x = 0
    for picture, opaque, (x0, y0), (origin, baseline) in drawn:
        width, height = picture.size
        image.paste(indices.crop((x, 0, x + width, height)), (origin + x0, baseline + y0), opaque)
        x += width
    return (quantized.getpalette() or [])[:3 * EMOJI_COLOURS]


def _emoji_picture(text: str, direction: str | None, size: int, background: str,
                   ) -> tuple[Image.Image, Image.Image, tuple[int, int]]:
    """Draw an emoji run scaled to ``size``: over the background, where it inks, and its box."""
    from PIL import Image, ImageDraw

    font = fonts.font(system.EMOJI, size, 400)
    x0, y0, x1, y1 = font.getbbox(text, anchor="ls", direction=direction)
    picture = Image.new("RGBA", (max(1, x1 - x0), max(1, y1 - y0)), (0, 0, 0, 0))
    ImageDraw.Draw(picture).text((-x0, -y0), text, font=font, anchor="ls",
                                 direction=direction, embedded_color=True)
    # The box runs.place measured: the scaled glyph box, out to whole pixels.
    factor = runs.scale(system.EMOJI, size)
    left, top = math.floor(x0 * factor), math.floor(y0 * factor)
    width = max(1, math.ceil(x1 * factor) - left)
    height = max(1, math.ceil(y1 * factor) - top)
    scaled = picture.resize((width, height), Image.Resampling.LANCZOS)
    flat = Image.new("RGBA", scaled.size, (*rgb(background), 255))
    inked = scaled.getchannel("A").point([0] + [255] * 255)
    return Image.alpha_composite(flat, scaled).convert("RGB"), inked, (left, top)


def _ink_box(block: TextBlock) -> Box | None:
    """Return the box around the ink of a block's lines, or None if it inks nothing."""
    drawn = [line for line in block.lines if line.text]
    if not drawn:
        return None
    left = min(line.box[0] for line in drawn)
    top = min(line.box[1] for line in drawn)
    right = max(line.box[2] for line in drawn)
    bottom = max(line.box[3] for line in drawn)
    if right <= left or bottom <= top:
        return None
    return left, top, right, bottom


def _palette(background_colour: str, colours: list[str], levels: int) -> list[int]:
    """Return the background, then ``levels`` shades from it towards each colour in turn."""
    background = rgb(background_colour)
    palette = list(background)
    for colour in colours:
        ink = rgb(colour)
        for level in range(1, levels + 1):
            palette += [round(b + (i - b) * level / levels) for b, i in
                        zip(background, ink, strict=True)]
    return palette


@cache
def _shade_table(first: int, levels: int) -> list[int]:
    """Map coverage 0-255 to palette entries: 0 is background, then ``levels`` shades."""
    return [0] + [first + max(1, round(v * levels / 255)) for v in range(1, 256)]
