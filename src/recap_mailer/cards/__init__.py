"""Quote cards: a PNG per quote and card size, in the theme's colours.

The type is Noto Sans, with the Noto Sans script packages (Arabic, Thai, Tamil, Telugu,
Khmer; SIL Open Font License, from fontpkg) and the machine's Noto Sans CJK, Noto Color Emoji
and DejaVu Sans for what it lacks. Text is shaped and ordered by libraqm, which Pillow's
wheels bring (with the system's FriBiDi); without it Pillow falls back to basic layout and
Arabic comes out unshaped.

The parts, in the order a card is made: ``system`` finds the machine's fallback fonts,
``fonts`` opens the fonts, ``runs`` picks the font of each character and cuts lines into
runs (ordered by ``bidi``), ``text`` measures and breaks text, ``layout`` fits it on the
card, ``draw`` draws the PNG, ``stamp`` records in it what it was drawn from and shows, and
``files`` renders a campaign's cards, keeping those an earlier build drew from the same
inputs. This module names what the rest of the
program uses.
"""

from recap_mailer.cards import fonts
from recap_mailer.cards.draw import draw_card, render_card
from recap_mailer.cards.files import CARD_SIZES, card_path, card_paths, clear_caches, render_cards
from recap_mailer.cards.layout import CardLayout, TextBlock, TextLine, layout_card
from recap_mailer.cards.stamp import STAMP_KEYWORD, add_stamp, card_inputs, card_stamp
from recap_mailer.cards.text import FAMILIES, family_for, missing_glyphs

__all__ = [
    "CARD_SIZES", "FAMILIES", "STAMP_KEYWORD", "CardLayout", "TextBlock",
    "TextLine", "add_stamp", "card_inputs", "card_path", "card_paths", "card_stamp",
    "clear_caches", "draw_card", "family_for", "fonts", "layout_card", "missing_glyphs",
    "render_card", "render_cards",
]
