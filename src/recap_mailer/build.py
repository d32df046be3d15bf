"""The pipeline: load -> validate -> render everything in memory. Writing is outputs.py's job."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from recap_mailer.cards import card_paths, render_cards
from recap_mailer.checks import Checked, Finding, all_findings
from recap_mailer.errors import Diagnostic, RecapError, SourceError, single_error
from recap_mailer.format.source import SOURCE_NAME, Source, format_path, read_source
from recap_mailer.format.validate import validate
from recap_mailer.model import Campaign
from recap_mailer.outputs import read_previous
from recap_mailer.social.exports import schedule_files
from recap_mailer.social.framing import PostFitError
from recap_mailer.social.posts import Post, compose_posts, post_files
from recap_mailer.social.schedule import ScheduleError, Slot, build_clock, plan_schedule
from recap_mailer.social.voice import PostTemplates, load_post_templates

# The email's machinery (Jinja, MRML, premailer and cssutils, lxml, the checks) is imported
# where it is used, so `recap-mailer check` reports source errors without loading it.
if TYPE_CHECKING:
    from jinja2 import Environment

    from recap_mailer.render.email import RenderedEmail

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Loaded:
    """A validated campaign with the source it came from and its advisories."""

    source: Source
    campaign: Campaign
    warnings: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Build:
    """Everything one campaign produces, in memory, keyed by path inside its output folder."""

    campaign: Campaign
    email: RenderedEmail
    files: dict[str, bytes]
    warnings: tuple[Diagnostic, ...]
    posts: tuple[Post, ...] = ()
    schedule: tuple[Slot, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def report(self) -> tuple[Finding, ...]:
        """Return the source's advisories and the checks' findings, group by group."""
        return all_findings(self.warnings, self.findings)

    @property
    def checked(self) -> Checked:
        """Return what the reviewer's checks read of this build."""
        layout = self.email.layout
        cards = {p: self.files[p] for p in card_paths(self.campaign) if p in self.files}
        return Checked(self.campaign, self.email.html,
                       self.files.get("email.txt", b"").decode("utf-8"), self.posts,
                       self.schedule, cards, layout.compact,
                       frozenset(s.id for s in layout.omitted))


def campaign_slug(campaign_dir: Path) -> str:
    """Return the campaign's slug: its folder name, which must be safe as a file name."""
    slug = campaign_dir.resolve().name
    if not SLUG_PATTERN.fullmatch(slug):
        raise single_error(str(campaign_dir), f"campaign folder name {slug[:80]!r} is not a usable "
                           "slug: use lower-case letters, digits, '.', '_' and '-' (64 at most)")
    return slug


def load_campaign(campaign_dir: Path) -> Loaded:
    """Read and validate ``campaign_dir/recap.yaml``."""
    slug = campaign_slug(campaign_dir)
    source = read_source(campaign_dir / SOURCE_NAME)
    campaign, warnings = validate(source, slug)
    return Loaded(source, campaign, warnings)


def plan_posts(loaded: Loaded) -> tuple[tuple[Post, ...], tuple[Slot, ...]]:
    """Compose the posts and give each its time; a problem points into recap.yaml."""
    templates = post_templates(loaded)
    with _located(loaded):
        posts = compose_posts(loaded.campaign, templates)
        return posts, plan_schedule(loaded.campaign, posts)


def post_templates(loaded: Loaded, env: Environment | None = None) -> PostTemplates:
    """Return the post templates of the campaign's platforms, its own over the default's."""
    from recap_mailer.render.templating import make_environment

    env = env or make_environment(loaded.source.directory)
    return load_post_templates(env, (s.platform for s in loaded.campaign.social.enabled))


@contextmanager
def _located(loaded: Loaded) -> Iterator[None]:
    """Turn a post or schedule problem into an error at its place in recap.yaml."""
    try:
        yield
    except PostFitError as exc:
        at = ("social", "platforms", exc.platform)
        raise SourceError([loaded.source.diagnostic(at, "error", str(exc), key=True)]) from None
    except ScheduleError as exc:
        raise SourceError([loaded.source.diagnostic(exc.at, "error", str(exc))]) from None


def social_view(campaign: Campaign) -> Campaign:
    """Return the campaign as posts and their schedule see it: without session summaries."""
    sessions = {s.id: replace(s, summary="") for s in campaign.sessions}
    quotes = tuple(replace(q, session=sessions[q.session.id]) for q in campaign.quotes)
    return replace(campaign, sessions=tuple(sessions.values()), quotes=quotes)


SocialPlan = tuple[tuple[Post, ...], tuple[Slot, ...], dict[str, bytes]]


def plan_social(loaded: Loaded, env: Environment | None = None) -> SocialPlan:
    """Plan the posts and their schedule and export both; the same view gives the same plan."""
    # Posts never show a summary, so they are made from a view without any: a rebuild after
    # editing a summary (the usual edit) keeps the posts, their times and their exports.
    view = social_view(loaded.campaign)
    # Aware times in one zone compare equal across a fall-back hour (fold is ignored), so the
    # moments themselves are part of the key.
    start = view.schedule.start
    templates = post_templates(loaded, env)
    with _located(loaded):
        return _plan_social(view, templates, view.email.send_at.astimezone(UTC),
                            start and start.astimezone(UTC))


@lru_cache(maxsize=1)
def _plan_social(view: Campaign, templates: PostTemplates, *moments: object) -> SocialPlan:
    # Unchanged template files give the same compiled templates (templating caches the
    # environment), so the templates are part of the key as they are.
    posts = compose_posts(view, templates)
    slots = plan_schedule(view, posts)
    return posts, slots, {**post_files(posts), **schedule_files(view, slots, build_clock(view))}


def render_mail(loaded: Loaded, env: Environment | None = None) -> tuple[RenderedEmail, str]:
    """Render the email and its text twin, after checking every value bound for a header."""
    from recap_mailer.render.email import render_email
    from recap_mailer.render.message import header_problems
    from recap_mailer.render.templating import make_environment
    from recap_mailer.render.text import render_text

    # Header values are checked before anything is rendered, pointing into recap.yaml.
    problems = header_problems(loaded.campaign)
    if problems:
        raise SourceError([loaded.source.diagnostic(at, "error", f"{format_path(at)}: {problem}")
                           for at, problem in problems])
    env = env or make_environment(loaded.source.directory)
    return render_email(loaded.campaign, env), render_text(loaded.campaign, env)


def render_campaign(loaded: Loaded, previous: Mapping[str, bytes] | None = None) -> Build:
    """Render every output of a loaded campaign in memory, keeping cards ``previous`` has."""
    # ``previous`` holds outputs of an earlier build by path: cards found there stamped with
    # the same inputs are kept rather than drawn again, and the preview says what changed.
    from recap_mailer.checks import prepare_checks, report_json, run_checks
    from recap_mailer.preview.page import prepare_preview, render_preview
    from recap_mailer.render.message import build_message
    from recap_mailer.render.templating import make_environment

    env = make_environment(loaded.source.directory)  # looks at every template: once a build
    email, text = render_mail(loaded, env)
    message = build_message(loaded.campaign, text, email.html)
    posts, slots, social_files = plan_social(loaded, env)
    read = prepare_checks(email.html)
    prepare_preview(env)
    drawn = render_cards(loaded.campaign, previous)
    warnings = list(loaded.warnings)
    if email.layout.compact:
        listed = len(email.layout.compact) - len(email.layout.omitted)
        left = f" and leaves {len(email.layout.omitted)} to the recap page" \
            if email.layout.omitted else ""
        warnings.append(loaded.source.diagnostic(
            ("sessions",), "warning",
            f"the email lists {listed} sessions in one line each{left} to stay under "
            f"Gmail's clip; mark the ones to show in full with featured: true", key=True))
    files = {
        "email.mjml": email.mjml.encode("utf-8"),
        "email.html": email.html.encode("utf-8"),
        "email.txt": text.encode("utf-8"),
        "email.eml": message,
        **social_files,
        **drawn,
    }
    build = Build(loaded.campaign, email, files, tuple(warnings), posts, schedule=slots)
    # The reviewer's checks (checks.py) read every output; the preview shows what they find.
    build = replace(build, findings=run_checks(build.checked, loaded.source, read))
    report = build.report
    files["report.json"] = report_json(loaded.campaign.slug, report).encode("utf-8")
    # The preview shows every other output, so it is rendered last.
    preview = render_preview(build, env, report, read, loaded.source, previous)
    return replace(build, files={**files, "preview.html": preview})


def build_campaign(campaign_dir: Path, *, strict: bool = False,
                   previous: Path | Mapping[str, bytes] | None = None) -> Build:
    """Load, validate and render one campaign; with ``strict``, warnings fail the build."""
    # ``previous`` is the campaign's last build: its folder, or its files (the live preview's
    # last good build); its cards may be reused, and the preview compares with it.
    loaded = load_campaign(campaign_dir)
    earlier = read_previous(previous, previous_paths(loaded.campaign)) \
        if isinstance(previous, Path) else previous
    build = render_campaign(loaded, earlier)
    acted_on = [f for f in build.report if f.severity != "note"]
    if strict and acted_on:
        raise SourceError([replace(f.diagnostic, severity="error") for f in acted_on])
    return build


def previous_paths(campaign: Campaign) -> list[str]:
    """Return the outputs of a last build that a new one reads: its cards, and what the
    preview compares."""
    from recap_mailer.preview.changes import COMPARED

    return [*card_paths(campaign), *COMPARED]


def build_many(campaign_dirs: Sequence[Path], *, strict: bool = False, jobs: int = 1,
               out_root: Path | None = None) -> Iterator[tuple[Path, Build | SourceError]]:
    """Build campaigns, in ``jobs`` processes at once, yielding each result as it is ready."""
    # Nothing is written here: callers write each build (outputs.py) as it arrives. With
    # ``out_root``, each campaign may reuse the cards of its last build in ``out_root/<slug>``.
    if jobs <= 1 or len(campaign_dirs) <= 1:
        for campaign_dir in campaign_dirs:
            yield campaign_dir, _build_or_error(campaign_dir, strict, out_root)
        return
    # Each campaign is independent and mostly CPU (MJML, CSS, cards): one process per core.
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts) as pool:
        futures = {pool.submit(_build_or_error, d, strict, out_root): d for d in campaign_dirs}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # the worker itself died (killed, out of memory)
                result = single_error(str(futures[future]), f"the build stopped: {exc}")
            yield futures[future], result


def _ignore_interrupts() -> None:
    # Ctrl-C reaches every process of the terminal: the parent alone reports it, once.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _build_or_error(campaign_dir: Path, strict: bool,
                    out_root: Path | None) -> Build | SourceError:
    # A SourceError does not survive pickling (its constructor takes diagnostics, not a
    # message), so it is returned rather than raised across the process boundary.
    try:
        previous = out_root / campaign_slug(campaign_dir) if out_root else None
        return build_campaign(campaign_dir, strict=strict, previous=previous)
    except SourceError as exc:
        return exc
    except RecapError as exc:
        return single_error(str(campaign_dir), str(exc))
    except Exception as exc:
        # A bug must not cost the other campaigns their build: this one fails, and says so.
        return single_error(str(campaign_dir), f"internal error: {type(exc).__name__}: {exc} "
                                               "(please report it)")


def find_campaigns(root: Path) -> list[Path]:
    """Return every campaign folder under ``root`` (those holding a recap.yaml), sorted."""
    return sorted(p.parent for p in root.glob(f"*/{SOURCE_NAME}"))
