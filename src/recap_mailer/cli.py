"""The command line: a thin layer that maps arguments to library calls and errors to exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import click

from recap_mailer import __version__
from recap_mailer.errors import Diagnostic, RecapError, SourceError
from recap_mailer.model import PLATFORMS

EXIT_FAILED = 1


def _report(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


def _fail(exc: RecapError) -> None:
    if isinstance(exc, SourceError):
        _report(exc.diagnostics)
        errors = sum(d.severity == "error" for d in exc.diagnostics)
        click.echo(f"{errors} error{'s' * (errors != 1)}", err=True)
    else:
        click.echo(f"error: {exc}", err=True)


EXIT_INTERRUPTED = 130


def run(on_stop: Callable[[], None] = lambda: None) -> None:
    """Run the command line as a program: exit 0, 1 (failed), 2 (usage) or 130 (interrupted).

    ``on_stop`` is called first thing once interrupted, before the last line is written.
    """
    try:
        status = main.main(prog_name="recap-mailer", standalone_mode=False)
        sys.stdout.flush()
    except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        on_stop()
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # The reader went away (`| head`): say nothing more, and keep Python's last flush
        # at exit from failing on the same pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILED)
    sys.exit(status if isinstance(status, int) else 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="recap-mailer")
def main() -> None:
    """Turn an event-day recap source into a newsletter, its text twin and social posts."""


@main.command()
@click.argument("campaign_dirs", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", "out_root", type=click.Path(path_type=Path, file_okay=False),
              default=Path("out"), show_default=True, help="Folder for out/<slug>/.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--all", "build_all", is_flag=True,
              help="Build every campaign under ./campaigns, on every core, with progress.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Campaigns built at once (default: 1, or every core with --all).")
def build(campaign_dirs: tuple[Path, ...], out_root: Path, strict: bool, build_all: bool,
          jobs: int | None) -> None:
    """Build campaigns (default: every campaign under ./campaigns) into OUT/<slug>/."""
    import os

    from recap_mailer.build import build_many, find_campaigns
    from recap_mailer.outputs import write_outputs

    if build_all and campaign_dirs:
        raise click.UsageError("--all builds every campaign under ./campaigns; name none")
    dirs = list(campaign_dirs) or find_campaigns(Path("campaigns"))
    if not dirs:
        raise click.UsageError("no campaigns: pass a campaign folder or run where ./campaigns is")
    _refuse_shared_outputs(dirs, out_root)
    workers = jobs or ((os.cpu_count() or 1) if build_all else 1)
    failed = 0
    for done, (campaign_dir, result) in enumerate(
            build_many(dirs, strict=strict, jobs=workers, out_root=out_root), start=1):
        progress = f"[{done}/{len(dirs)}] " if len(dirs) > 1 else ""
        if isinstance(result, RecapError):
            _fail(result)
            if progress:
                click.echo(f"{progress}failed {campaign_dir}", err=True)
            failed += 1
            continue
        target = out_root / result.campaign.slug
        try:
            write_outputs(target, result.files)
        except RecapError as exc:
            _fail(exc)
            failed += 1
            continue
        report = result.report
        # Notes are the reviewer's, in `check`, report.json and the preview: not a build's.
        _report([f.diagnostic for f in report if f.severity != "note"])
        size = result.email.size / 1024
        click.echo(f"{progress}built {target}/: email.html {size:.1f} KB, "
                   f"{len(result.files)} files")
        errors = sum(f.severity == "error" for f in report)
        if errors:
            # Written, so the preview and report.json show them, but not fit to send.
            click.echo(f"{target}: {errors} check error{'s' * (errors != 1)}", err=True)
            failed += 1
    if failed:
        sys.exit(EXIT_FAILED)


def _refuse_shared_outputs(dirs: list[Path], out_root: Path) -> None:
    """Refuse two folders of one name: both would write out/<slug>/, the second over the first."""
    seen: dict[str, Path] = {}
    for campaign_dir in dirs:
        slug = campaign_dir.resolve().name
        if slug in seen and seen[slug].resolve() != campaign_dir.resolve():
            raise click.UsageError(f"{seen[slug]} and {campaign_dir} would both build into "
                                   f"{out_root / slug}; rename one of the folders")
        seen[slug] = campaign_dir


@main.command()
@click.argument("campaign_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Grouped text for people, or the JSON of report.json.")
@click.option("--online", is_flag=True,
              help="Also ask every link whether it answers (HEAD, then GET; 5 s each).")
@click.option("--out", "out_root", type=click.Path(path_type=Path, file_okay=False),
              default=Path("out"), show_default=True,
              help="Where the last build is: its cards are reused, not drawn again.")
def check(campaign_dir: Path, strict: bool, output_format: str, online: bool,
          out_root: Path) -> None:
    """Run the reviewer's checks on a campaign, rendered in memory; write nothing."""
    from recap_mailer.build import load_campaign, render_campaign
    from recap_mailer.cards import card_paths
    from recap_mailer.checks import (
        check_links_online,
        counts,
        in_order,
        report_json,
        report_text,
        strictly,
    )
    from recap_mailer.outputs import read_previous

    try:
        loaded = load_campaign(campaign_dir)
        previous = out_root / loaded.campaign.slug
        result = render_campaign(loaded, read_previous(previous, card_paths(loaded.campaign)))
    except RecapError as exc:
        _fail(exc)
        sys.exit(EXIT_FAILED)
    findings = list(result.report)
    if online:
        findings += check_links_online(result.checked, loaded.source)
        findings = list(in_order(findings))
    if strict:
        findings = list(strictly(findings))
    total = counts(findings)
    if output_format == "json":
        click.echo(report_json(result.campaign.slug, findings), nl=False)
    else:
        click.echo(report_text(findings), err=True, nl=False)
        errors, warnings, notes = total["errors"], total["warnings"], total["notes"]
        verdict = "failed" if errors else "ok"
        noted = f", {notes} note{'s' * (notes != 1)}" if notes else ""
        click.echo(f"{campaign_dir}: {verdict}, {errors} error{'s' * (errors != 1)}, "
                   f"{warnings} warning{'s' * (warnings != 1)}{noted}")
    if total["errors"]:
        sys.exit(EXIT_FAILED)


@main.command()
@click.option("--markdown", is_flag=True, help="Print the key reference tables instead.")
def schema(markdown: bool) -> None:
    """Print the JSON Schema of recap.yaml, for editors."""
    from recap_mailer.format.declaration import json_schema_text, reference_tables

    click.echo(reference_tables() if markdown else json_schema_text(), nl=False)


@main.command()
@click.argument("slug")
@click.option("--campaigns", "root", type=click.Path(path_type=Path, file_okay=False),
              default=Path("campaigns"), show_default=True, help="Where campaigns live.")
def new(slug: str, root: Path) -> None:
    """Start a new campaign from a commented template that builds as it is."""
    from recap_mailer.format.starter import starter_source
    from recap_mailer.outputs import create_file

    path = root / slug / "recap.yaml"
    try:
        create_file(path, starter_source(slug).encode("utf-8"))
    except RecapError as exc:
        _fail(exc)
        sys.exit(EXIT_FAILED)
    click.echo(f"created {path}: edit it, then run: recap-mailer build {path.parent}")


@main.command("send-test")
@click.argument("campaign_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--to", "recipients", multiple=True, metavar="ADDRESS",
              help="Send to this address (repeatable); default: email.test_recipients.")
def send_test(campaign_dir: Path, recipients: tuple[str, ...]) -> None:
    """Send a [TEST] copy of a campaign's email over SMTP (settings: RECAP_SMTP_* or smtp.toml)."""
    from recap_mailer.send.test_copy import NoRecipientsError, send_test_copy

    try:
        sent = send_test_copy(campaign_dir, recipients)
    except NoRecipientsError as exc:
        raise click.UsageError(str(exc)) from None
    except RecapError as exc:
        _fail(exc)
        sys.exit(EXIT_FAILED)
    _report(sent.warnings)
    click.echo(sent.summary)


@main.command()
@click.argument("campaign_dir", required=False,
                type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 exposes the preview.")
@click.option("--out", "out_root", type=click.Path(path_type=Path, file_okay=False),
              default=Path("out"), show_default=True,
              help="Where the last build is: its cards are reused, not drawn again.")
def preview(campaign_dir: Path | None, port: int, host: str, out_root: Path) -> None:
    """Serve the review page, rebuilding and reloading it whenever the campaign changes."""
    import time

    from recap_mailer.build import Build, build_campaign, campaign_slug, find_campaigns
    from recap_mailer.preview.server import PreviewServer
    from recap_mailer.send.test_copy import SentTest, send_built

    if campaign_dir is None:
        found = find_campaigns(Path("campaigns"))
        if len(found) != 1:
            names = ", ".join(str(p) for p in found) or "none"
            raise click.UsageError(f"name the campaign to preview (campaigns found: {names})")
        campaign_dir = found[0]

    # The last good build: a test sent from the page is its message, as the page shows it.
    last: list[Build] = []

    def build_files(folder: Path, seen: Mapping[str, bytes] | None) -> dict[str, bytes]:
        # Compared with the last good build the page showed; the first, with the last build.
        started = time.perf_counter()
        result = build_campaign(folder, previous=seen or out_root / campaign_slug(folder))
        _report(result.warnings)
        click.echo(f"built {folder} in {(time.perf_counter() - started) * 1000:.0f} ms")
        last[:] = [result]
        return result.files

    def send(recipients: tuple[str, ...]) -> SentTest:
        sent = send_built(last[0], recipients)
        click.echo(sent.summary)
        return sent

    try:
        server = PreviewServer(campaign_dir, build_files, host=host, port=port,
                               on_failure=_fail, send=send,
                               test_recipients=lambda: last[0].campaign.email.test_recipients)
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"previewing {campaign_dir} at {server.url} (Ctrl-C to stop)")
    server.serve_until_interrupted()


@main.command()
@click.argument("campaign_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform's posts.")
@click.option("--on", "day", metavar="DATE",
              help="Only the posts due on DATE (YYYY-MM-DD or 'today', in the event's zone).")
def posts(campaign_dir: Path, platform: str | None, day: str | None) -> None:
    """Print the posts due, each with its time and platform, ready to copy."""
    import re
    from datetime import date, datetime

    from recap_mailer.build import load_campaign, plan_posts
    from recap_mailer.social.due import format_due, nothing_due, posts_due

    if day not in (None, "today") and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise click.BadParameter(f"{day!r} is not a date written YYYY-MM-DD (or 'today')",
                                 param_hint="--on")
    try:
        loaded = load_campaign(campaign_dir)
        _, slots = plan_posts(loaded)
    except RecapError as exc:
        _fail(exc)
        sys.exit(EXIT_FAILED)
    campaign = loaded.campaign
    enabled = [s.platform for s in campaign.social.enabled]
    if platform and platform not in enabled:
        raise click.BadParameter(f"{platform} is not enabled in this campaign (enabled: "
                                 f"{', '.join(enabled) or 'none'})", param_hint="--platform")
    wanted: date | None = None
    if day == "today":
        # A convenience of the command line, not of the build: "today" is the real date.
        wanted = datetime.now(campaign.event.timezone).date()
    elif day is not None:
        try:
            wanted = date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f"{day!r} is not a date written YYYY-MM-DD (or 'today')",
                                     param_hint="--on") from None
    due = posts_due(slots, wanted, platform)
    click.echo(format_due(due) if due else nothing_due(wanted, platform))


@main.command("import")
@click.argument("page", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--slug", required=True, help="Name of the new campaign, like soc23-day1.")
@click.option("--campaigns", "root", type=click.Path(path_type=Path, file_okay=False),
              default=Path("campaigns"), show_default=True, help="Where campaigns live.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The event day, if the page omits it.")
@click.option("--timezone", metavar="TZ", help="IANA time zone of the event, like Europe/London.")
@click.option("--recap-url", metavar="URL", help="The https address of the recap page.")
@click.option("--force", is_flag=True, help="Replace an existing recap.yaml.")
def import_(page: Path, slug: str, root: Path, day: str | None, timezone: str | None,
            recap_url: str | None, force: bool) -> None:
    """Draft campaigns/SLUG/recap.yaml from a saved recap page (HTML, Markdown or text)."""
    import re
    from datetime import date

    from recap_mailer.build import SLUG_PATTERN
    from recap_mailer.format.kinds import link_problem, parse_zone
    from recap_mailer.importer import MAX_PAGE_CHARS, ImportOptions, import_page, page_kind
    from recap_mailer.inputs import decode_utf8, read_input
    from recap_mailer.outputs import create_file, replace_file

    if not SLUG_PATTERN.fullmatch(slug):
        raise click.BadParameter("use lower-case letters, digits, '.', '_' and '-' "
                                 "(64 at most), like soc23-day1", param_hint="--slug")
    if day is not None:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                raise ValueError(day)
            date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f"{day!r} is not a date written YYYY-MM-DD",
                                     param_hint="--date") from None
    if timezone is not None and parse_zone(timezone) is None:
        raise click.BadParameter(f"unknown time zone {timezone!r}; use an IANA name like "
                                 "Europe/London", param_hint="--timezone")
    if recap_url is not None:
        problem = link_problem(recap_url, ("https",))
        if problem:
            raise click.BadParameter(problem, param_hint="--recap-url")
    path = root / slug / "recap.yaml"
    try:
        data = read_input(page, "the page", MAX_PAGE_CHARS)
        text = decode_utf8(data.removeprefix(b"\xef\xbb\xbf"), page, "the page")
        options = ImportOptions(page_name=page.name, date=day, timezone=timezone,
                                recap_url=recap_url)
        imported = import_page(text, page_kind(page.name), options, slug, str(path))
        (replace_file if force else create_file)(path, imported.text.encode("utf-8"))
    except RecapError as exc:
        _fail(exc)
        sys.exit(EXIT_FAILED)
    click.echo(f"drafted {path} from {page}: {imported.summary()}")
    click.echo(f"review every '# CHECK:' line, then run: recap-mailer check {path.parent}")
