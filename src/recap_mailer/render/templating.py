"""The one Jinja environment: campaign templates over the default theme, autoescape for markup."""

from __future__ import annotations

import contextlib
import os
import stat
import traceback
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from recap_mailer.errors import Diagnostic, SourceError
from recap_mailer.inputs import decode_utf8, read_input
from recap_mailer.render import direction
from recap_mailer.social.voice import PARAGRAPH

#: The most one template file may hold; the default theme's largest is a few kilobytes.
MAX_TEMPLATE_BYTES = 1024 * 1024

_PACKAGE = Path(__file__).resolve().parents[1]
#: Where the default theme lives: inside the wheel, or at the top of a source checkout.
DEFAULT_TEMPLATES = next(
    (p for p in (_PACKAGE / "templates", _PACKAGE.parents[1] / "templates") if p.is_dir()),
    _PACKAGE / "templates",
)

_ESCAPED = ("mjml", "html", "htm", "xml")


def _autoescape(name: str | None) -> bool:
    # Markup templates escape everything; .txt templates are plain text and must not.
    return name is None or name.rsplit(".", 1)[-1] in _ESCAPED


def make_environment(campaign_dir: Path | None) -> jinja2.Environment:
    """Return the environment; ``campaign_dir/templates`` overrides the default theme."""
    search = [DEFAULT_TEMPLATES]
    if campaign_dir is not None and (campaign_dir / "templates").is_dir():
        search.insert(0, campaign_dir / "templates")
    return _environment(tuple(str(p) for p in search), _signature(search))


def _signature(folders: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Return every template file with its modification time and size.

    Which files exist decides which one a name finds, and a file rewritten within one clock
    tick keeps its modification time (so Jinja's own reload check misses it) but not, as a
    rule, its size: a template change of any kind makes a new environment.
    """
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(found))


@lru_cache(maxsize=8)
def _environment(search: tuple[str, ...],
                 signature: tuple[tuple[str, int, int], ...]) -> jinja2.Environment:
    # Compiling the templates is costly: keep them while they are unchanged. Templates are
    # code a campaign brings along, so they run sandboxed: no attribute walks into Python's
    # internals, no changing the values they are given.
    env = ImmutableSandboxedEnvironment(
        loader=TemplateLoader(list(search)),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=_bytecode_cache(os.environ.get("XDG_CACHE_HOME")),
    )
    env.filters.update(direction.FILTERS)
    return env


#: Where post templates live, under the templates folder.
POSTS_FOLDER = "posts/"


class _PostLines(jinja2.ext.Extension):
    """Mark a post template's blank lines, so that they alone survive as blank lines."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if not (name or "").startswith(POSTS_FOLDER):
            return source
        return "\n".join(line if line.strip() else PARAGRAPH for line in source.split("\n"))


@lru_cache(maxsize=8)
def post_environment(env: jinja2.Environment) -> jinja2.Environment:
    """Return ``env`` for post templates: a tag's line end stays, and blank lines are marked.

    A post is written line by line: ``...{% endif %}`` ends its line as it would read, and a
    line that renders empty is dropped by the post's tidying (social.voice) unless the
    template wrote it blank. The preprocessing is not part of the compiled cache's key, so
    these few small templates are compiled afresh.
    """
    return env.overlay(trim_blocks=False, extensions=[_PostLines], bytecode_cache=None)


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates; a cache that cannot be written is no error."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache(xdg_cache_home: str | None) -> jinja2.BytecodeCache | None:
    """Return the cache in the user's cache folder, or None where it is not safely ours.

    Jinja checks each entry against its template's source and its own and Python's version,
    so an edited template is compiled again. Entries are code that will run, so a folder
    anyone else may write to is never used.
    """
    base = Path(xdg_cache_home or Path("~/.cache").expanduser())
    folder = base / "recap-mailer" / "jinja"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None
    return _QuietBytecodeCache(str(folder), "%s.cache")


class TemplateLoader(jinja2.FileSystemLoader):
    """Find templates like Jinja's loader, but read only regular files inside their folder."""

    def get_source(self, environment: jinja2.Environment, template: str,
                   ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if os.path.lexists(path):  # a link counts, even one to nowhere: it is refused
                data = read_input(path, "the template", MAX_TEMPLATE_BYTES, inside=Path(folder))
                return decode_utf8(data, shown_path(str(path)), "the template"), str(path), \
                    lambda: True
        raise jinja2.TemplateNotFound(template)


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; errors become diagnostics pointing into the template file."""
    with rendering(name):
        return env.get_template(name).render(**context)


@contextlib.contextmanager
def rendering(name: str) -> Iterator[None]:
    """Turn what loading or rendering template ``name`` raises into an error located in it."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise SourceError([Diagnostic(shown_path(where), exc.lineno or 1, 1, "error",
                                      f"template: {exc.message}")]) from None
    except jinja2.TemplateNotFound as exc:
        raise SourceError([Diagnostic(name, 0, 0, "error",
                                      f"template not found: {exc.name}")]) from None
    except jinja2.TemplateError as exc:  # the sandbox's SecurityError among them
        raise _located(exc, name, f"template: {exc}") from None
    except SourceError:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # What a template's own expressions can raise ({{ 1 / 0 }}, a macro calling itself).
        raise _located(exc, name, f"template: {type(exc).__name__}: {exc}") from None


def _located(exc: BaseException, name: str, message: str) -> SourceError:
    """Return an error at the innermost template line of ``exc``'s traceback."""
    filename, line = _template_frame(exc)
    return SourceError([Diagnostic(shown_path(filename or name), line, 1 if line else 0,
                                   "error", message)])


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """Find the innermost template file and line in a render error's traceback."""
    found: tuple[str | None, int] = (None, 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".mjml", ".txt", ".html", ".j2")):
            found = (frame.filename, frame.lineno or 0)
    return found


def shown_path(filename: str) -> str:
    """Show a template path relative to the working folder when it lies inside it."""
    try:
        return str(Path(filename).resolve().relative_to(Path.cwd()))
    except ValueError:
        return filename


def markup(html: str) -> Markup:
    """Mark HTML we made (and sanitised) as safe for an autoescaped template."""
    return Markup(html)
