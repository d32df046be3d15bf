"""Post templates: the shape of each platform's posts, and the pieces the fitter may drop.

``templates/posts/<platform>.txt`` is a Jinja text template (a campaign's own overrides the
default theme's, sandboxed like the email's). It shows the quote once and the pieces around it,
line by line: a line that renders empty is left out, a blank line of the template (or of a
piece) is a paragraph break, and breaks never double. Its ``optional`` names the pieces the
fitter may drop, in the order it drops them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from recap_mailer.errors import Diagnostic, SourceError
from recap_mailer.format.kinds import did_you_mean
from recap_mailer.model import PLATFORMS

if TYPE_CHECKING:
    import jinja2

#: The pieces a template may let go, in the order the default templates let them go.
OPTIONAL = ("extra_hashtags", "close", "session", "affiliation", "lead")

#: Every value a post template is given (docs/recap-format.md says what each holds).
VARIABLES = ("quote", "lead", "close", "name", "affiliation", "credit", "session", "event",
             "where", "hashtags", "link", "link_label", "platform")


# Neither can come from a value (the source refuses control characters).
_QUOTE = "\x01"  # the quote's place in a rendered template
#: What a blank line of a post template becomes before it is compiled: a paragraph break.
PARAGRAPH = "\x02"


@dataclass(frozen=True)
class Frame:
    """A post's text before and after the quote."""

    before: str
    after: str


@dataclass(frozen=True)
class PostTemplate:
    """One platform's post template and the pieces it lets the fitter drop, in order."""

    platform: str
    template: jinja2.Template
    optional: tuple[str, ...]

    @property
    def path(self) -> str:
        """Return where the template was read from, as errors show it."""
        from recap_mailer.render.templating import shown_path

        return shown_path(self.template.filename or self.template.name or "")

    def frame(self, values: Mapping[str, str]) -> Frame:
        """Return the post around the quote with these pieces (an empty one is left out)."""
        return _frame(self, tuple(sorted(values.items())))


@functools.lru_cache(maxsize=4096)  # each quote tries a few frames; rebuilds repeat them all
def _frame(post_template: PostTemplate, values: tuple[tuple[str, str], ...]) -> Frame:
    from recap_mailer.render.templating import rendering

    # A piece's own blank lines are breaks too (a lead in two paragraphs).
    context = {name: value.replace("\n\n", f"\n{PARAGRAPH}\n") for name, value in values}
    template = post_template.template
    with rendering(template.name or ""):
        text = _tidy(template.render(context, quote=_QUOTE))
    shown = text.count(_QUOTE)
    if shown != 1:
        empty = [name for name, value in values if not value]
        when = f" when {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty" \
            if empty else ""
        raise SourceError([Diagnostic(post_template.path, 0, 0, "error",
                                      f"the post template shows the quote {shown} times{when}; "
                                      "show {{ quote }} exactly once, whatever the pieces")])
    before, after = text.split(_QUOTE)
    return Frame(before, after)


def _tidy(text: str) -> str:
    """Leave out empty lines and spaces at the ends of lines; make each run of breaks one
    blank line."""
    lines: list[str] = []
    for line in text.split("\n"):
        line = line.strip()  # spaces beside an empty piece: "{{ lead }} {{ close }}"
        if not line.replace(PARAGRAPH, "").strip():
            if PARAGRAPH in line and lines and lines[-1]:
                lines.append("")
        else:
            lines.append(line.replace(PARAGRAPH, ""))
    return "\n".join(lines).strip()


@dataclass(frozen=True)
class PostTemplates:
    """The post template of each platform posts are written for."""

    templates: tuple[PostTemplate, ...]

    def on(self, platform: str) -> PostTemplate:
        """Return ``platform``'s template."""
        return next(t for t in self.templates if t.platform == platform)


def load_post_templates(env: jinja2.Environment,
                        platforms: Iterable[str] = PLATFORMS) -> PostTemplates:
    """Compile and check each platform's template; every problem is reported at once."""
    from recap_mailer.render.templating import post_environment, rendering

    env = post_environment(env)
    found, problems = [], []
    sample = {name: name for name in VARIABLES if name != "quote"}
    for platform in platforms:
        name = f"posts/{platform}.txt"
        try:
            with rendering(name):
                template = env.get_template(name)
            # A render's errors are located in the template (its module's are not): first.
            PostTemplate(platform, template, OPTIONAL).frame(sample)
            module = template.make_module({**sample, "quote": _QUOTE})
            post_template = PostTemplate(
                platform, template, _optional(template, getattr(module, "optional", OPTIONAL)))
        except SourceError as exc:
            problems.extend(_undefined_hint(d) for d in exc.diagnostics)
            continue
        found.append(post_template)
    if problems:
        raise SourceError(problems)
    return PostTemplates(tuple(found))


_UNDEFINED = re.compile(r"'(\w+)' is undefined$")


def _undefined_hint(diagnostic: Diagnostic) -> Diagnostic:
    """Add the values a post template is given to an error about one it is not."""
    found = _UNDEFINED.search(diagnostic.message)
    if not found:
        return diagnostic
    return replace(diagnostic, message=f"{diagnostic.message}; a post template is given "
                                       f"{', '.join(VARIABLES)}"
                                       f"{did_you_mean(found[1], VARIABLES)}")


def _optional(template: jinja2.Template, optional: Any) -> tuple[str, ...]:
    """Return the template's optional pieces, or raise an error at the line that sets them."""
    from recap_mailer.render.templating import shown_path

    path = shown_path(template.filename or template.name or "")
    source = template.environment.loader.get_source(  # type: ignore[union-attr]
        template.environment, template.name or "")[0]
    line = next((i for i, text in enumerate(source.splitlines(), 1) if "optional" in text), 0)

    def error(message: str) -> SourceError:
        return SourceError([Diagnostic(path, line, 1 if line else 0, "error", message)])

    if isinstance(optional, str) or not isinstance(optional, list | tuple):
        raise error("optional must be a list of piece names, like "
                    f"{list(OPTIONAL)!r}")
    for piece in optional:
        if piece not in OPTIONAL:
            raise error(f"optional names '{piece}', which is no piece a post may drop (the "
                        f"pieces are {', '.join(OPTIONAL)}){did_you_mean(str(piece), OPTIONAL)}")
        if optional.count(piece) > 1:
            raise error(f"optional names '{piece}' twice")
    return tuple(optional)


def default_post_templates() -> PostTemplates:
    """Return the default theme's post templates."""
    from recap_mailer.render.templating import make_environment

    return load_post_templates(make_environment(None))
