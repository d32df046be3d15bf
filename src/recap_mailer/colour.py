"""Colour rules shared by the cards and the checks: WCAG 2 contrast, and shading until it reads."""

from __future__ import annotations

#: WCAG 2's AA minimum for normal text, for the email's theme and the cards alike.
MIN_CONTRAST = 4.5


def rgb(colour: str) -> tuple[int, int, int]:
    """Return the channels of ``#rrggbb`` (or ``#rgb``)."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    red, green, blue = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


def hex_colour(channels: tuple[int, ...]) -> str:
    """Return ``#rrggbb`` for three channels."""
    return "#{:02x}{:02x}{:02x}".format(*channels)


def relative_luminance(colour: str) -> float:
    """Return the WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [c / 255 for c in rgb(colour)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG 2 contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: str, background: str, minimum: float = MIN_CONTRAST) -> str:
    """Return ``colour``, or if it does not read on ``background`` the nearest shade that does.

    The shade is mixed toward black or white, whichever contrasts more with the background;
    one of them always gives at least 4.58:1, so a shade is always found.
    """
    if contrast_ratio(colour, background) >= minimum:
        return colour
    towards = max(((0, 0, 0), (255, 255, 255)),
                  key=lambda channels: contrast_ratio(hex_colour(channels), background))
    start = rgb(colour)
    for step in range(1, 21):
        shade = hex_colour(tuple(round(a + (b - a) * step / 20)
                                 for a, b in zip(start, towards, strict=True)))
        if contrast_ratio(shade, background) >= minimum:
            return shade
    return hex_colour(towards)
