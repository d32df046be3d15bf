"""The command line: exit codes, messages without tracebacks, and what lands on disk."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLE
from recap_mailer.cli import main


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point, as a user would."""
    return subprocess.run([sys.executable, "-m", "recap_mailer", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "campaigns" / "soc23-day1"
    shutil.copytree(SAMPLE, target)
    return target


def test_build_writes_the_sample_outputs(tmp_path: Path) -> None:
    result = run("build", str(SAMPLE), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out" / "soc23-day1"
    html = (out / "email.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert (out / "email.mjml").read_text(encoding="utf-8").startswith("<mjml lang=\"en-GB\"")
    assert result.stdout.startswith(f"built {out}/: email.html ")


def refuse_to_draw(*_: object) -> bytes:
    """Stand in for drawing a card, in tests where every card must be kept."""
    raise AssertionError("a card was drawn again")


def test_a_rebuild_keeps_the_cards_of_the_last_build(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer import cards

    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(SAMPLE), "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in (out / "soc23-day1" / "cards").iterdir()}
    assert len(before) == 10
    cards.clear_caches()  # nothing in memory: as a new process would start
    monkeypatch.setattr(cards.draw, "render_card", refuse_to_draw)
    result = CliRunner().invoke(main, ["build", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    after = {p.name: p.read_bytes() for p in (out / "soc23-day1" / "cards").iterdir()}
    assert after == before
    # Into a new folder, there is nothing to keep: the cards must be drawn.
    cards.clear_caches()
    result = CliRunner().invoke(main, ["build", str(SAMPLE), "--out", str(tmp_path / "new")])
    assert result.exit_code == 1 and "a card was drawn again" in result.output


def test_check_keeps_the_cards_of_the_last_build_too(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer import cards

    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(SAMPLE), "--out", str(out)]).exit_code == 0
    cards.clear_caches()
    monkeypatch.setattr(cards.draw, "render_card", refuse_to_draw)
    result = CliRunner().invoke(main, ["check", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # Its only findings are the clients check's notes, one per client family.
    noted = re.search(r"\nclients \([^)]*\): (\d+) notes?\n", result.output)
    assert noted and result.output.endswith(f"ok, 0 errors, 0 warnings, {noted[1]} notes\n")


def test_build_without_arguments_builds_every_campaign_under_campaigns(tmp_path: Path) -> None:
    copy_sample(tmp_path)
    shutil.copytree(ROOT / "tests" / "campaigns" / "minimal", tmp_path / "campaigns" / "minimal")
    result = run("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["minimal", "soc23-day1"]


def test_bad_source_exits_1_with_located_errors_and_no_traceback(tmp_path: Path) -> None:
    campaign = copy_sample(tmp_path)
    source = campaign / "recap.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("timezone: Europe/London", "timezone: Europe/Oxford")
                      .replace("speaker: anne-davies", "speaker: anne-davis"), encoding="utf-8")
    result = run("build", str(campaign), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 errors"
    assert lines[0].startswith(f"{source}:")
    assert ": error: event.timezone: unknown time zone 'Europe/Oxford'" in lines[0]
    assert lines[1].endswith(
        ": error: quotes[3].speaker: unknown person 'anne-davis'; did you mean 'anne-davies'?")


def test_failed_build_leaves_previous_outputs_untouched(tmp_path: Path) -> None:
    campaign = copy_sample(tmp_path)
    out = tmp_path / "out"
    assert run("build", str(campaign), "--out", str(out)).returncode == 0
    before = {p: p.read_bytes() for p in (out / "soc23-day1").rglob("*") if p.is_file()}
    (campaign / "recap.yaml").write_text("version: 1\nemail: [\n", encoding="utf-8")
    assert run("build", str(campaign), "--out", str(out)).returncode == 1
    after = {p: p.read_bytes() for p in (out / "soc23-day1").rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.iterdir()] == ["soc23-day1"]


def test_template_error_points_into_the_template(tmp_path: Path) -> None:
    campaign = copy_sample(tmp_path)
    (campaign / "templates").mkdir()
    (campaign / "templates" / "email.mjml").write_text(
        "<mjml>\n  <mj-body>\n    {{ event.no_such_field }}\n  </mj-body>\n</mjml>\n",
        encoding="utf-8")
    result = run("check", str(campaign))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{campaign / 'templates' / 'email.mjml'}:3:1: error: template: "
        "'recap_mailer.model.Event object' has no attribute 'no_such_field'")


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    campaign = copy_sample(tmp_path)
    source = campaign / "recap.yaml"
    text = source.read_text(encoding="utf-8")
    start = text.index("  preheader: ")
    end = text.index("\n", start)
    source.write_text(text[:start] + "  preheader: Short." + text[end:], encoding="utf-8")
    relaxed = run("check", str(campaign))
    assert relaxed.returncode == 0
    assert "warning: email.preheader: is 6 characters; inboxes show 50-140" in relaxed.stderr
    strict = run("check", "--strict", str(campaign))
    assert strict.returncode == 1
    assert "error: email.preheader: is 6 characters; inboxes show 50-140" in strict.stderr


def test_usage_errors_exit_2() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--no-such-flag"]).exit_code == 2
    assert runner.invoke(main, ["no-such-command"]).exit_code == 2
    assert runner.invoke(main, ["check"]).exit_code == 2


def test_build_with_no_campaigns_is_a_usage_error(tmp_path: Path) -> None:
    result = run("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "no campaigns" in result.stderr


def test_schema_prints_json_schema_matching_the_shipped_file() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "sessions" in schema["required"]
    assert result.output == (ROOT / "docs" / "recap.schema.json").read_text(encoding="utf-8"), (
        "docs/recap.schema.json is stale: run `recap-mailer schema > docs/recap.schema.json`")


def test_new_scaffolds_a_campaign_that_builds_strictly(tmp_path: Path) -> None:
    created = run("new", "my-event", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    built = run("build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / "my-event" / "email.html").exists()
    # Strictly too: what email clients lack of the default template is a note, not a warning.
    strict = run("build", "--strict", cwd=tmp_path)
    assert strict.returncode == 0, strict.stderr
    assert strict.stderr == ""
    again = run("new", "my-event", cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.splitlines()[0] == (
        "campaigns/my-event/recap.yaml: error: already exists; not overwriting it")


@pytest.mark.parametrize("slug", ["../evil", "Upper", "a b", "x" * 65])
def test_new_refuses_unsafe_slugs(tmp_path: Path, slug: str) -> None:
    result = run("new", slug, cwd=tmp_path)
    assert result.returncode == 1
    assert "a campaign slug must be" in result.stderr
    assert not any(tmp_path.rglob("recap.yaml"))


def test_build_all_uses_every_core_and_reports_progress(tmp_path: Path) -> None:
    for name in ("alpha", "beta", "gamma"):
        shutil.copytree(ROOT / "tests" / "campaigns" / "minimal", tmp_path / "campaigns" / name)
    broken = tmp_path / "campaigns" / "beta" / "recap.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("timezone: UTC",
                                                                 "timezone: Nowhere/Land"),
                      encoding="utf-8")
    result = run("build", "--all", "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 1
    progress = sorted(line.split("] ")[0] + "]" for line in
                      (result.stdout + result.stderr).splitlines() if line.startswith("["))
    assert progress == ["[1/3]", "[2/3]", "[3/3]"]
    assert "failed campaigns/beta" in result.stderr
    assert "event.timezone: unknown time zone 'Nowhere/Land'" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha", "gamma"]
    # The same bytes as a build one at a time.
    single = run("build", "campaigns/alpha", "--out", "single", cwd=tmp_path)
    assert single.returncode == 0
    for path in (tmp_path / "single" / "alpha").rglob("*"):
        if path.is_file():
            twin = tmp_path / "out" / "alpha" / path.relative_to(tmp_path / "single" / "alpha")
            assert twin.read_bytes() == path.read_bytes(), path


def test_build_all_takes_no_folders(tmp_path: Path) -> None:
    result = run("build", "--all", "campaigns/x", cwd=tmp_path)
    assert result.returncode == 2
    assert "--all builds every campaign under ./campaigns; name none" in result.stderr


def test_the_program_leaves_with_the_commands_status_and_output() -> None:
    assert run("--help").returncode == 0
    usage = run("build", "--no-such-flag")
    assert (usage.returncode, usage.stdout) == (2, "")
    assert "No such option '--no-such-flag'" in usage.stderr
    # Output into a pipe nobody reads any more (`| head` gone) ends quietly.
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "wb") as closed:
        done = subprocess.run([sys.executable, "-m", "recap_mailer", "posts", str(SAMPLE)],
                              cwd=ROOT, stdout=closed, stderr=subprocess.PIPE, text=True,
                              timeout=120, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter and return what it did."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_bug_still_ends_with_its_traceback() -> None:
    code = ("import click\n"
            "from recap_mailer import cli\n"
            "@cli.main.command('boom')\n"
            "def boom():\n"
            "    raise RuntimeError('a bug')\n"
            "import sys; sys.argv = ['recap-mailer', 'boom']\n"
            "cli.run()\n")
    done = _python(code)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "RuntimeError: a bug" in done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_campaign_that_fails_badly_costs_the_others_nothing(tmp_path: Path, jobs: str) -> None:
    for name in ("alpha", "beta", "gamma"):
        shutil.copytree(ROOT / "tests" / "campaigns" / "minimal", tmp_path / "campaigns" / name)
    templates = tmp_path / "campaigns" / "beta" / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "email.txt").write_text("{{ 1 / 0 }}\n", encoding="utf-8")
    result = run("build", *(f"campaigns/{n}" for n in ("alpha", "beta", "gamma")),
                 "--jobs", jobs, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "division by zero" in result.stderr
    assert "failed campaigns/beta" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha", "gamma"]


def test_an_interrupt_at_any_moment_is_one_line_and_exit_130(tmp_path: Path) -> None:
    import signal
    import time

    statuses = []
    for delay in (0.2, 0.5, 1.0, 2.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "recap_mailer", "build", str(SAMPLE),
             "--out", str(tmp_path / f"out-{delay}")],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # A test run started in the background ignores SIGINT, and so would its children.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert "Traceback" not in stderr, (delay, stderr)
        if process.returncode == -signal.SIGINT:
            # Killed by the signal itself, which a shell reports as 130 too: before Python had
            # started (nothing said), or as the interpreter's own exit put SIGINT's default
            # back (after the one line).
            assert stderr.strip() in ("", "interrupted"), (delay, stderr)
            continue
        statuses.append(process.returncode)
        if process.returncode == 130:
            assert stderr.strip().splitlines()[-1] == "interrupted"
            # Stopped before the swap (nothing, or an empty output root) or after it (the
            # whole build): never part of one.
            out = tmp_path / f"out-{delay}"
            built = sorted(p.name for p in out.iterdir()) if out.exists() else []
            assert built in ([], ["soc23-day1"]), built
            if built:
                assert {"email.html", "report.json", "preview.html"} <= {
                    p.name for p in (out / "soc23-day1").iterdir()}
    assert set(statuses) <= {0, 130} and 130 in statuses, statuses


def test_an_interrupt_inside_a_finaliser_still_stops_the_program() -> None:
    # Python only prints what a __del__ raises; an interrupt that lands there must not be lost.
    script = (
        "import time\n"
        "import recap_mailer.__main__ as program\n"
        "class Finalised:\n"
        "    def __del__(self): raise KeyboardInterrupt\n"
        "def command_line(on_stop):\n"
        "    Finalised()\n"
        "    time.sleep(30)\n"
        "import recap_mailer.cli\n"
        "recap_mailer.cli.run = command_line\n"
        "program.run()\n")
    done = _python(script)
    assert (done.returncode, done.stderr) == (130, "interrupted\n")
