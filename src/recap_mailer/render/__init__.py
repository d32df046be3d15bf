"""Rendering the email: the Jinja environment, Markdown prose, the HTML email, text twin, .eml."""
