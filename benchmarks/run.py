"""Benchmark recap-mailer: cold build, warm stages, synthetic growth, peak memory, MJML CLI.

    .venv/bin/python benchmarks/run.py [--quick] [--repeat N] [--no-node]

Prints one report to stdout (progress goes to stderr). Every figure is a median of repeats.
Speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from recap_mailer.build import Build, load_campaign, render_campaign
from recap_mailer.format.source import SOURCE_NAME, read_source
from recap_mailer.format.validate import validate
from recap_mailer.outputs import write_outputs
from recap_mailer.render import email as render_email_module
from recap_mailer.render.email import (
    EMAIL_TEMPLATE,
    RenderedEmail,
    compile_mjml,
    inline_css,
    render_mjml,
)
from recap_mailer.render.message import build_message
from recap_mailer.render.templating import make_environment, shown_path
from recap_mailer.render.text import TEXT_TEMPLATE, render_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "campaigns" / "soc23-day1"
MINIMAL = ROOT / "tests" / "campaigns" / "minimal" / SOURCE_NAME
CLI = Path(sys.executable).with_name("recap-mailer")
SIZES = (10, 50, 200, 1000)
QUICK_SIZES = (10, 50, 200)
MJML_PACKAGE = "mjml@4"

#: Goals from issue 8.
WARM_GOAL_MS = 30.0
MEMORY_GOAL_MB = 120.0
#: Time may grow this much faster than sessions and still count as linear (timer noise).
LINEAR_SLACK = 1.25


def log(message: str) -> None:
    """Report progress on stderr, keeping stdout for the report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    """Return the median wall time of ``action`` in milliseconds, after one warm-up call."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def child_env() -> dict[str, str]:
    """Return the environment for timed processes: Python's defaults, bytecode cache on.

    Some machines set PYTHONDONTWRITEBYTECODE=1, which makes every run compile every module of
    an editable install from source (about 100 ms here); users' installs keep .pyc files.
    SOURCE_DATE_EPOCH is set (if it is not) as the tests set it: the sample's clock.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("SOURCE_DATE_EPOCH", "1694736000")
    return env


def median_process_ms(command: list[str], repeat: int, cwd: Path = ROOT,
                      before: Callable[[], None] | None = None) -> float:
    """Return the median wall time of a whole process, start-up included, in milliseconds.

    ``before`` runs ahead of each timed run, untimed (to empty an output folder, say).
    """
    times = []
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=child_env())  # warm the .pyc and disk caches
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=child_env())
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# --- Warm stages -------------------------------------------------------------------------------
#
# Each stage reads what earlier stages left in ``ctx`` and returns what it adds. A stage whose
# module or function does not exist yet is shown as "n/a (not built yet)". Adding a stage is
# one line in STAGES.


@dataclass(frozen=True)
class Stage:
    """One timed step of a rebuild."""

    name: str
    run: Callable[[dict[str, Any]], dict[str, Any]]
    #: For a stage of a module still to come: "module.function" it calls when present.
    needs: str | None = None


def _load(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"source": read_source(ctx["dir"] / SOURCE_NAME)}


def _validate(ctx: dict[str, Any]) -> dict[str, Any]:
    campaign, _warnings = validate(ctx["source"], ctx["dir"].name)
    return {"campaign": campaign}


def _templates(ctx: dict[str, Any]) -> dict[str, Any]:
    # The environment is kept per campaign folder, so on a warm rebuild this is near zero.
    env = make_environment(ctx["dir"])
    env.get_template(EMAIL_TEMPLATE)
    env.get_template(TEXT_TEMPLATE)
    return {"env": env}


def _render_mjml(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"mjml": render_mjml(ctx["campaign"], ctx["env"])}


def _mjml2html(ctx: dict[str, Any]) -> dict[str, Any]:
    template = shown_path(ctx["env"].get_template(EMAIL_TEMPLATE).filename or EMAIL_TEMPLATE)
    return {"compiled": compile_mjml(ctx["mjml"], template)}


def _inline(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"html": inline_css(ctx["compiled"])}


def _text(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"text": render_text(ctx["campaign"], ctx["env"])}


def _eml(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"eml": build_message(ctx["campaign"], ctx["text"], ctx["html"])}


def _files(ctx: dict[str, Any]) -> dict[str, bytes]:
    """Return every output the stages so far have made, keyed as the build writes them."""
    files = {"email.mjml": ctx["mjml"].encode(), "email.html": ctx["html"].encode(),
             "email.txt": ctx["text"].encode(), "email.eml": ctx["eml"]}
    if isinstance(ctx.get("cards"), dict):
        files.update(ctx["cards"])
    if isinstance(ctx.get("exports"), dict):
        files.update(ctx["exports"])
    if isinstance(ctx.get("preview"), bytes):
        files["preview.html"] = ctx["preview"]
    return files


def _cards_afresh(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.cards import clear_caches, render_cards

    clear_caches()  # no card, layout, measurement or sized font kept (the font files are)
    return {"cards": render_cards(ctx["campaign"])}


def _schedule(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.build import build_clock
    from recap_mailer.social.exports import schedule_files
    from recap_mailer.social.schedule import plan_schedule

    slots = plan_schedule(ctx["campaign"], ctx["posts"])
    return {"slots": slots,
            "exports": schedule_files(ctx["campaign"], slots, build_clock(ctx["campaign"]))}


def _checks(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.checks import run_checks

    email = RenderedEmail(ctx["mjml"], ctx["html"])
    build = Build(ctx["campaign"], email, _files(ctx), (), ctx["posts"], schedule=ctx["slots"])
    return {"findings": run_checks(build.checked, ctx["source"])}


def _preview(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.preview.page import render_preview

    email = RenderedEmail(ctx["mjml"], ctx["html"])
    build = Build(ctx["campaign"], email, _files(ctx), ())
    return {"preview": render_preview(build, ctx["env"], ())}


def _write(ctx: dict[str, Any]) -> dict[str, Any]:
    write_outputs(ctx["out"] / ctx["dir"].name, _files(ctx))
    return {}


def _optional(key: str, target: str, *args: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Call ``recap_mailer.<module>.<function>`` with ``ctx`` values ``args``; store as ``key``."""
    module_name, function_name = target.split(".")

    def run(ctx: dict[str, Any]) -> dict[str, Any]:
        module = importlib.import_module(f"recap_mailer.{module_name}")
        return {key: getattr(module, function_name)(*(ctx[a] for a in args))}

    return run


STAGES = (
    Stage("load (read + parse YAML)", _load),
    Stage("validate", _validate),
    Stage("Jinja env + templates", _templates),
    Stage("render MJML", _render_mjml),
    Stage("mjml2html (MRML)", _mjml2html),
    Stage("inline CSS (premailer)", _inline),
    Stage("text", _text),
    Stage("message (.eml)", _eml),
    Stage("posts", _optional("posts", "social.compose_posts", "campaign"),
          "social.compose_posts"),
    Stage("cards, every one drawn afresh", _cards_afresh, "cards.clear_caches"),
    Stage("cards (unchanged: kept)", _optional("cards", "cards.render_cards", "campaign"),
          "cards.render_cards"),
    Stage("schedule + exports", _schedule, "schedule.plan_schedule"),
    Stage("checks", _checks, "checks.run_checks"),
    Stage("preview", _preview, "preview.render_preview"),
    Stage("write (atomic swap)", _write),
)


def available(stage: Stage) -> str | None:
    """Return why a stage cannot run yet, or None when it can."""
    if stage.needs is None:
        return None
    module_name, function_name = stage.needs.split(".")
    try:
        module = importlib.import_module(f"recap_mailer.{module_name}")
    except ModuleNotFoundError:
        return "n/a (not built yet)"
    if not hasattr(module, function_name):
        return f"n/a (no {stage.needs})"
    return None


def time_stages(campaign_dir: Path, out: Path, repeat: int) -> list[tuple[str, float | None, str]]:
    """Time every stage on a warm process: (name, median ms or None, note)."""
    ctx: dict[str, Any] = {"dir": campaign_dir, "out": out}
    rows: list[tuple[str, float | None, str]] = []
    for stage in STAGES:
        why = available(stage)
        if why:
            rows.append((stage.name, None, why))
            continue
        try:
            ctx.update(stage.run(ctx))
            rows.append((stage.name, median_ms(lambda s=stage: s.run(ctx), repeat), ""))
        except Exception as exc:  # a stage still in progress elsewhere: report, go on
            rows.append((stage.name, None, f"failed: {type(exc).__name__}: {exc}"[:70]))
    return rows


def warm_rebuild(campaign_dir: Path, out: Path) -> dict[str, bytes]:
    """Do what `recap-mailer build` does for one campaign, in this process."""
    result = render_campaign(load_campaign(campaign_dir))
    write_outputs(out / campaign_dir.name, result.files)
    return result.files


#: The edit a writer makes between rebuilds: a word added to the first session's summary.
EDITED_LINE = "      Professor Mark Considine opened SOC23"


def edited_copy(scratch: Path) -> tuple[Path, Callable[[], None]]:
    """Copy the sample to ``scratch`` and return it with a function that edits its summary.

    Each call changes the text again (alternating two versions), so every rebuild renders a
    changed email, as after a real edit; only what the edit does not touch can be kept.
    """
    folder = scratch / "edited" / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    source = folder / SOURCE_NAME
    original = source.read_text(encoding="utf-8")
    if EDITED_LINE not in original:
        raise SystemExit(f"benchmark: {EDITED_LINE.strip()!r} is no longer in the sample")
    versions = [original.replace(EDITED_LINE, EDITED_LINE.replace("opened", f"{verb} opened"))
                for verb in ("first", "then")]
    turn = [0]

    def edit() -> None:
        turn[0] ^= 1
        source.write_text(versions[turn[0]], encoding="utf-8")

    return folder, edit


# --- Synthetic campaigns -----------------------------------------------------------------------

_WORD_TEXT = (
    "outcomes contracts public services commissioning evidence partnership government "
    "providers learning data evaluation procurement communities trust accountability "
    "collaboration funding impact systems research policy delivery frontline stewardship "
    "investment transparency innovation fragile resilience participation co-production"
)
_WORDS = _WORD_TEXT.split()
_FIRST_TEXT = ("Ada Grace Alan Mary Tim Joan Ravi Amara Lin Sofia Kwame Ingrid Omar Chen Lucia "
          "Tomás Aiko Nadia Pieter Zanele")
_FIRST = _FIRST_TEXT.split()
_LAST_TEXT = ("Lovelace Hopper Turing Somerville Berners-Lee Clarke Shankar Okafor Wei Rossi "
         "Mensah Larsen Haddad Zhang Fernández Núñez Tanaka Petrova Jansen Dlamini")
_LAST = _LAST_TEXT.split()
_KINDS = ("keynote", "panel", "deep-dive", "big-picture", "book-launch")
_BLOCKS = ("Morning", "Late morning", "Afternoon", "Late afternoon", "Evening")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def synthetic_source(sessions: int, seed: int = 8) -> dict[str, Any]:
    """Return the minimal campaign grown to ``sessions`` sessions with people and quotes."""
    rng = random.Random(seed + sessions)
    data = yaml.load(MINIMAL.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    people = [{"id": f"p{i}", "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
               "affiliation": f"{rng.choice(_LAST)} {rng.choice(('Institute', 'Council', 'Lab'))}",
               "role": "Speaker"} for i in range(max(3, sessions))]
    data["version"] = 1  # BaseLoader reads every scalar as text
    data["people"] = people
    data["sessions"] = []
    for i in range(sessions):
        summary = " ".join(_sentence(rng, rng.randint(10, 18)) for _ in range(rng.randint(3, 5)))
        data["sessions"].append({
            "id": f"s{i}",
            "kind": rng.choice(_KINDS),
            "block": _BLOCKS[i * len(_BLOCKS) // sessions],
            "title": f"Session {i + 1}: {_sentence(rng, rng.randint(4, 9))[:-1]}",
            "speakers": [p["id"] for p in rng.sample(people, rng.randint(1, 3))],
            "summary": summary + f" [Slides](https://example.org/slides/{i}).",
            "recording": f"https://example.org/recordings/{i}",
            "featured": i in (0, sessions // 2),
        })
    data["quotes"] = [{
        "id": f"q{i}",
        "speaker": data["sessions"][i]["speakers"][0],
        "session": f"s{i}",
        "featured": i < 9,
        "priority": i // 3 + 1,
        "text": _sentence(rng, rng.randint(12, 30))[:-1],
    } for i in range(0, sessions, 3)]
    return data


def write_synthetic(root: Path, sessions: int) -> Path:
    """Write a synthetic campaign folder and return it."""
    folder = root / f"synthetic-{sessions:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(synthetic_source(sessions), sort_keys=False, allow_unicode=True,
                          width=100)
    (folder / SOURCE_NAME).write_text(text, encoding="utf-8")
    return folder


# --- Peak memory and the MJML CLI --------------------------------------------------------------

_TIME_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_CHILD_RSS = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_memory_mb(command: list[str]) -> tuple[float, str]:
    """Return the peak resident memory of a whole process in MB (10^6 bytes), and how measured."""
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        done = subprocess.run([str(gnu_time), "-v", *command], cwd=ROOT, check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env=child_env())
        match = _TIME_RSS.search(done.stderr)
        if match:
            return int(match[1]) * 1024 / 1e6, "/usr/bin/time -v"
    # A fresh child, so that no earlier child (node, say) counts towards the maximum.
    done = subprocess.run([sys.executable, "-c", _CHILD_RSS, *command], cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True, env=child_env())
    kib = int(done.stdout.split()[-1])
    return (kib if sys.platform != "darwin" else kib / 1024) * 1024 / 1e6, "getrusage"


@dataclass(frozen=True)
class MjmlCli:
    """The official MJML CLI, ready to time, or why there is none."""

    command: list[str] | None
    note: str
    install_s: float | None = None


def prepare_mjml_cli(mjml_file: Path, scratch: Path) -> MjmlCli:
    """Install npm `mjml` into ``scratch`` and check it compiles ``mjml_file`` to HTML."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return MjmlCli(None, "skipped: Node.js (node and npm) is not on this machine")
    prefix = scratch / "mjml-cli"
    log(f"npm install {MJML_PACKAGE} into a temporary folder")
    start = time.perf_counter()
    done = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                           "--no-save", "--loglevel=error", MJML_PACKAGE],
                          capture_output=True, text=True)
    install_s = time.perf_counter() - start
    cli = prefix / "node_modules" / "mjml" / "bin" / "mjml"
    if done.returncode or not cli.exists():
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:100]
        return MjmlCli(None, f"skipped: npm install {MJML_PACKAGE} failed ({reason})")
    version = subprocess.run([node, str(cli), "--version"], capture_output=True, text=True)
    command = [node, str(cli), str(mjml_file), "-s"]
    check = subprocess.run(command, capture_output=True, text=True)
    if check.returncode or "<html" not in check.stdout:
        return MjmlCli(None, f"skipped: the MJML CLI failed: {check.stderr.strip()[:100]}")
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    engine = " ".join(version.stdout.split())
    return MjmlCli(command, f"{engine}, node {node_version.strip()}; "
                            f"{len(check.stdout.encode()) / 1024:.1f} KB of HTML", install_s)


def paired_process_ms(commands: list[list[str]], repeat: int,
                      before: dict[int, Callable[[], None]] | None = None) -> list[list[float]]:
    """Time whole processes taking turns, one run of each per round; return every run's time.

    Taking turns puts any slow spell of a shared machine on both sides of a comparison.
    ``before`` maps a command's index to what runs, untimed, ahead of each of its runs.
    """
    before = before or {}
    times: list[list[float]] = [[] for _ in commands]
    for command in commands:  # warm the .pyc and disk caches
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=child_env())
    for _ in range(repeat):
        for i, (command, runs) in enumerate(zip(commands, times, strict=True)):
            if i in before:
                before[i]()
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=child_env())
            runs.append((time.perf_counter() - start) * 1000)
    return times


def median_ratio(ours: list[float], theirs: list[float]) -> float:
    """Return the median of the rounds' ratios (steadier than a ratio of medians)."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


# --- Report ------------------------------------------------------------------------------------


def fmt_ms(ms: float | None) -> str:
    return "—" if ms is None else f"{ms:8.1f} ms"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Return a plain-text table, first column left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [str(c).ljust(w) if i in (0, len(row) - 1) else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("MET " if ok else "MISS")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats, no 1000-session source (a rough figure in seconds)")
    parser.add_argument("--repeat", type=int, default=None, metavar="N",
                        help="runs per in-process figure (default 20, quick 5); whole processes "
                             "run 9 times (quick 3)")
    parser.add_argument("--no-node", action="store_true", help="skip the MJML CLI column")
    args = parser.parse_args(argv)
    repeat = args.repeat or (5 if args.quick else 20)
    process_repeat = 3 if args.quick else 9
    sizes = QUICK_SIZES if args.quick else SIZES

    os.chdir(ROOT)  # relative paths in diagnostics, as a user running the CLI would see them
    scratch = Path(tempfile.mkdtemp(prefix="recap-bench-"))
    try:
        return _run(args, repeat, process_repeat, sizes, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args: argparse.Namespace, repeat: int, process_repeat: int, sizes: tuple[int, ...],
         scratch: Path) -> int:
    out = scratch / "out"
    sample = SAMPLE.relative_to(ROOT)
    cold_command = [str(CLI), "build", str(sample), "--out", str(out / "cold")]

    log("cold builds (whole process)")
    python_ms = median_process_ms([sys.executable, "-c", "pass"], process_repeat)
    help_ms = median_process_ms([str(CLI), "--help"], process_repeat)
    first_command = [str(CLI), "build", str(sample), "--out", str(out / "first")]
    empty_first = lambda: shutil.rmtree(out / "first", ignore_errors=True)  # noqa: E731
    subprocess.run(cold_command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=child_env())
    built = out / "cold" / SAMPLE.name
    mjml_cli = MjmlCli(None, "skipped: --no-node") if args.no_node else \
        prepare_mjml_cli(built / "email.mjml", scratch)
    first_ratio = ratio = cli_ms = None
    if mjml_cli.command:
        log("the first build, the build again and the MJML CLI, taking turns")
        first, ours, theirs = paired_process_ms([first_command, cold_command, mjml_cli.command],
                                                process_repeat, before={0: empty_first})
        first_ms, cold_ms, cli_ms = map(statistics.median, (first, ours, theirs))
        # Each round's runs shared the machine's mood: their ratios are the steadier figures.
        first_ratio, ratio = median_ratio(first, theirs), median_ratio(ours, theirs)
    else:
        first_ms = median_process_ms(first_command, process_repeat, before=empty_first)
        cold_ms = median_process_ms(cold_command, process_repeat)
    cold_files = sorted(p for p in built.rglob("*") if p.is_file())
    cold_bytes = sum(p.stat().st_size for p in cold_files)

    log("peak memory")
    peak_mb, peak_how = peak_memory_mb(cold_command)
    shutil.rmtree(out / "first", ignore_errors=True)
    first_peak_mb, _ = peak_memory_mb(first_command)

    log("warm stages")
    stages = time_stages(SAMPLE, out / "stages", repeat)
    same_ms = median_ms(lambda: warm_rebuild(SAMPLE, out / "warm"), repeat)
    warm_files = warm_rebuild(SAMPLE, out / "warm")
    cards_in_build = any(name.startswith("cards/") for name in warm_files)
    edited, edit = edited_copy(scratch)
    warm_ms = median_ms(lambda: (edit(), warm_rebuild(edited, out / "edited")), repeat)

    log("synthetic sources")
    synthetic = []
    for n in sizes:
        folder = write_synthetic(scratch / "campaigns", n)
        runs = max(3, repeat // max(1, n // 50))
        ms = median_ms(lambda f=folder: warm_rebuild(f, out / "synthetic"), runs)
        result = render_campaign(load_campaign(folder))
        layout = result.email.layout
        if not layout.compact:
            shown = "all in full"
        else:
            full = n - len(layout.compact)
            shown = f"{full} full, {len(layout.compact) - len(layout.omitted)} one-line"
            if layout.omitted:
                shown += f", {len(layout.omitted)} to web"
        source_kb = (folder / SOURCE_NAME).stat().st_size / 1024
        synthetic.append((n, ms, result.email.size, sum(map(len, result.files.values())),
                          source_kb, shown, folder))
    big = synthetic[-1]
    big_peak_mb, _ = peak_memory_mb([str(CLI), "build", str(big[6]), "--out",
                                     str(out / "cold-big")])


    # --- print ----------------------------------------------------------------------------------
    print(f"recap-mailer benchmark: {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs; in-process figures median of {repeat}, "
          f"whole processes median of {process_repeat}")
    print()
    print(f"COLD: whole process, sample campaign ({sample}), Python start-up included")
    rows = [
        ("python -c pass (interpreter start-up only)", fmt_ms(python_ms), ""),
        ("recap-mailer --help", fmt_ms(help_ms), ""),
        ("recap-mailer build, first (no earlier outputs)", fmt_ms(first_ms),
         f"{len(cold_files)} files, {cold_bytes / 1024:.1f} KB, every card drawn"),
        ("recap-mailer build, again (a new process)", fmt_ms(cold_ms),
         "cards kept from the last build in out/"),
        ("official MJML CLI: email.mjml -> HTML only", fmt_ms(cli_ms), mjml_cli.note),
    ]
    print(table(("", "time", "note"), rows))
    if ratio is not None and first_ratio is not None:
        print(f"(the three take turns; the median of {process_repeat} rounds' ratios to the "
              f"MJML CLI: first x{first_ratio:.2f}, again x{ratio:.2f})")
    if mjml_cli.install_s is not None:
        print(f"(npm install {MJML_PACKAGE} took {mjml_cli.install_s:.1f} s, "
              "once, not in any figure)")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("(PYTHONDONTWRITEBYTECODE is set here; the timed processes run without it, "
              "as Python's default keeps compiled modules)")
    print()
    print("WARM: in-process rebuild of the sample, stage by stage")
    stage_rows = [(name, fmt_ms(ms), note) for name, ms, note in stages]
    timed = [ms for name, ms, _ in stages if ms is not None and "afresh" not in name]
    stage_rows.append(("sum of stages, cards kept", fmt_ms(sum(timed)), ""))
    stage_rows.append(("whole rebuild, source unchanged", fmt_ms(same_ms),
                       f"load_campaign + render_campaign + write: {len(warm_files)} files"))
    stage_rows.append(("whole rebuild after editing a summary", fmt_ms(warm_ms),
                       "what a writer waits for between saves"))
    print(table(("stage", "time", "note"), stage_rows))
    print()
    print("GROWTH: synthetic sources (warm in-process load + render + write)")
    budget_kb = render_email_module.EMAIL_BUDGET_BYTES / 1024
    growth_rows = [(str(n), fmt_ms(ms), f"{ms / n:6.2f} ms", f"{src:7.1f} KB",
                    f"{html / 1024:6.1f} KB", f"{total / 1024:7.1f} KB", shown)
                   for n, ms, html, total, src, shown, _ in synthetic]
    print(table(("sessions", "time", "per session", "recap.yaml", "email.html", "all outputs",
                 "email shows"), growth_rows))
    print(f"(past {budget_kb:.0f} KB, EMAIL_BUDGET_BYTES, the email summarises sessions, so "
          "email.html plateaus while email.txt keeps growing)")
    print()
    print("PEAK MEMORY (whole process, maximum resident set)")
    print(table(("", "peak", "how"), [
        (f"recap-mailer build {sample}, first", f"{first_peak_mb:6.1f} MB", peak_how),
        (f"recap-mailer build {sample}, again", f"{peak_mb:6.1f} MB", peak_how),
        (f"recap-mailer build synthetic {big[0]} sessions", f"{big_peak_mb:6.1f} MB", peak_how),
    ]))
    print("(the largest single process: where cards are drawn, a helper process draws them")
    print(" beside the build, and the two together hold more than either)")
    print()

    # --- goals ----------------------------------------------------------------------------------
    lo, hi = synthetic[-2], synthetic[-1]
    growth = hi[1] / lo[1]
    factor = hi[0] / lo[0]
    cli = "(not measured)" if cli_ms is None else f"{cli_ms:.0f} ms"
    goals = [
        (verdict(None if ratio is None else ratio <= 1),
         f"cold build, new process, cards kept: x{ratio:.2f} the MJML CLI's time, round by "
         f"round, <= x1 (medians {cold_ms:.0f} and {cli_ms:.0f} ms)" if ratio is not None
         else f"cold build, new process, cards kept {cold_ms:.0f} ms <= MJML CLI alone {cli}"),
        (verdict(None if first_ratio is None else first_ratio <= 1),
         f"cold build, first ever, every card drawn: x{first_ratio:.2f} the MJML CLI's time, "
         f"round by round, <= x1 (medians {first_ms:.0f} and {cli_ms:.0f} ms)"
         if first_ratio is not None else
         f"cold build, first ever, every card drawn {first_ms:.0f} ms <= MJML CLI alone {cli}"),
        (verdict(warm_ms < WARM_GOAL_MS),
         f"warm rebuild after an edit {warm_ms:.1f} ms < {WARM_GOAL_MS:.0f} ms "
         f"({'cards cached' if cards_in_build else 'cards not part of the build yet'})"),
        (verdict(growth <= factor * LINEAR_SLACK),
         f"linear growth: {lo[0]} -> {hi[0]} sessions (x{factor:.0f}) takes x{growth:.1f} time"),
        (verdict(max(peak_mb, first_peak_mb) < MEMORY_GOAL_MB),
         f"peak memory, sample {max(peak_mb, first_peak_mb):.1f} MB < {MEMORY_GOAL_MB:.0f} MB"),
        (verdict(big_peak_mb < MEMORY_GOAL_MB),
         f"peak memory, {big[0]} sessions {big_peak_mb:.1f} MB < {MEMORY_GOAL_MB:.0f} MB"),
    ]
    print("GOALS (issue 8)")
    for mark, text in goals:
        print(f"  {mark}  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
