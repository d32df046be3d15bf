"""The accessibility check: alt text, headings in order, lang, link text, theme contrast."""

from __future__ import annotations

from recap_mailer.checks.context import Context, bare, needle
from recap_mailer.checks.findings import HTML_FILE, Finding, in_output
from recap_mailer.colour import MIN_CONTRAST, contrast_ratio

#: Link text that does not say where the link goes.
VAGUE_LINK_TEXT = frozenset({
    "click here", "click", "here", "this", "this link", "link", "more", "read more",
    "learn more", "more info", "more information", "details", "go", "this page", "click this",
})


def check_accessibility(ctx: Context) -> list[Finding]:
    """Alt text on every image, headings in order, lang, link text and theme contrast."""
    found: list[Finding] = []
    email = ctx.email
    if (email.lang or "").strip().lower() in ("", "und"):
        # MRML writes lang="und" (undetermined) when the template's <mjml> has no lang.
        found.append(in_output("accessibility", HTML_FILE, "warning",
                             f"<html> has no language (lang={email.lang or ''!r}): screen "
                             "readers cannot choose a voice; set <mjml lang> in the template"))
    for image in email.images:
        src = image.get("src") or ""
        if image.get("alt") is None:
            found.append(ctx.where("accessibility", src, "error",
                                   f"image {src} has no alt text; describe what it shows "
                                   "(alt=\"\" only for decoration)", HTML_FILE))
    for link in email.links:
        if not link.text and link.image_alt is not None and not link.image_alt.strip():
            found.append(ctx.where("accessibility", needle(link.href), "error",
                                   f"link to {link.href} is an image with empty alt text: "
                                   "the link has no name", HTML_FILE))
    skips = []
    previous = 0
    for level, text in email.headings:
        if level > previous + 1:
            skips.append((previous, level, text))
        previous = level
    if skips:
        was, level, text = skips[0]
        first = f"h{level} '{text[:60]}' follows h{was}" if was else \
            f"the first heading is h{level} '{text[:60]}'"
        more = f" ({len(skips)} times)" if len(skips) > 1 else ""
        found.append(in_output("accessibility", HTML_FILE, "warning",
                             f"headings skip a level{more}: {first}; screen reader users "
                             "navigate by heading level"))
    seen: set[tuple[str, str]] = set()
    for link in email.links:
        words = link.text.casefold().strip(" .:!…→»›")
        if words in VAGUE_LINK_TEXT and (words, link.href) not in seen:
            seen.add((words, link.href))
            found.append(ctx.where("accessibility", needle(link.href), "warning",
                                   f"link text '{link.text}' does not say where the link goes "
                                   f"({bare(link.href)})", HTML_FILE))
    found += check_contrast(ctx)
    return found


#: Pairs of theme colours that meet as text on a background: (text, background, what).
CONTRAST_PAIRS = (
    ("text", "surface", "body text", "light"),
    ("muted", "surface", "secondary text", "light"),
    ("primary", "surface", "headings and links", "light"),
    ("accent", "surface", "session labels", "light"),
    ("muted", "background", "footer text", "light"),
    ("primary", "background", "footer links", "light"),
    ("#ffffff", "primary", "header text and buttons", "light"),
    ("dark_text", "dark_surface", "body text", "dark"),
    ("dark_primary", "dark_surface", "headings and links", "dark"),
    ("dark_accent", "dark_surface", "session labels", "dark"),
    ("dark_text", "dark_background", "footer text", "dark"),
    ("dark_primary", "dark_background", "footer links", "dark"),
    ("dark_background", "dark_primary", "button text", "dark"),
)


def check_contrast(ctx: Context) -> list[Finding]:
    """Check each theme colour that is read as text against what it is read on."""
    theme = ctx.campaign.theme
    found = []
    for fore, back, what, mode in CONTRAST_PAIRS:
        fg = fore if fore.startswith("#") else getattr(theme, fore)
        bg = getattr(theme, back)
        ratio = contrast_ratio(fg, bg)
        if ratio < MIN_CONTRAST:
            named = fore if fore.startswith("#") else f"theme.{fore} {fg}{_default(ctx, fore)}"
            key = back if fore.startswith("#") else fore
            on = f"theme.{back} {bg}{_default(ctx, back)}"
            found.append(ctx.at("accessibility", ("theme", key), "error",
                                f"{mode} mode {what}: {named} on {on} is {_ratio(ratio)}:1; "
                                f"text needs at least {MIN_CONTRAST}:1"))
    for i, session in enumerate(ctx.campaign.sessions):
        ratio = contrast_ratio(session.kind_colour, theme.surface) if session.kind_colour else 9
        if ratio < MIN_CONTRAST:
            found.append(ctx.at("accessibility", ("sessions", i, "kind_colour"), "error",
                                f"session '{session.id}': its kind's label "
                                f"{session.kind_colour} on theme.surface {theme.surface} is "
                                f"{_ratio(ratio)}:1; text needs at least {MIN_CONTRAST}:1"))
    return found


def _default(ctx: Context, key: str) -> str:
    return "" if ("theme", key) in ctx.source.value_marks else " (the default)"


def _ratio(ratio: float) -> str:
    # Rounded down, so a ratio just under 4.5 never reads as 4.5.
    return f"{int(ratio * 100) / 100:.2f}"

