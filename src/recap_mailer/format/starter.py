"""A commented starter campaign that builds as it is."""

from __future__ import annotations

from importlib.resources import files

from recap_mailer.build import SLUG_PATTERN
from recap_mailer.errors import single_error


def starter_source(slug: str) -> str:
    """Return the starter recap.yaml for a new campaign called ``slug``."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise single_error(slug, "a campaign slug must be lower-case letters, digits, '.', '_' "
                           "and '-', 64 at most, like soc24-day1")
    template = files("recap_mailer").joinpath("starter.yaml").read_text(encoding="utf-8")
    return template.format(slug=slug)
