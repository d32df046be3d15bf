"""Drawing a laid-out card, and the PNG a card is saved as, stamped with what it shows."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING

from recap_mailer.cards import fonts
from recap_mailer.cards.layout import CardLayout, TextBlock, layout_card
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
    # encodes much faster than RGB and is smaller.
    colours = list(dict.fromkeys([rule.colour for rule in layout.rules]
                                 + [block.colour for block in layout.blocks]))
    levels = 255 // max(1, len(colours))
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
        font = fonts.font(block.family, block.size, block.weight)
        for line in block.lines:
            if line.text:
                x, y = line.origin
                draw.text((x - left, y - top), line.text, font=font, fill=255,
                          anchor=block.anchor)
        shades = mask.point(_shade_table(solid(block.colour) - levels, levels))
        # Blocks do not overlap, but their boxes may touch: keep what is already inked.
        image.paste(ImageChops.lighter(image.crop(box), shades), box)
    image.putpalette(_palette(layout.background, colours, levels))
    return image


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
