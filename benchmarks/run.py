"""Benchmark recap-mailer: cold builds beside the MJML CLI, warm rebuilds, growth, the preview.

    .venv/bin/python benchmarks/run.py [--quick] [--rounds N] [--seed N] [--json FILE]

Prints one report to stdout (progress goes to stderr), each figure beside its goal.
Speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Before anything is imported: no __pycache__ in the checkout, and a cache of our own.
SCRATCH = Path(tempfile.mkdtemp(prefix="recap-bench-"))
sys.pycache_prefix = str(SCRATCH / "pycache")
os.environ["XDG_CACHE_HOME"] = str(SCRATCH / "xdg-parent")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import mjml_cli  # noqa: E402
import preview_figures  # noqa: E402
import procs  # noqa: E402
import stages  # noqa: E402
from procs import Variant, child_env, emptied, fresh_cache, median_ratio  # noqa: E402
from synthetic import write_synthetic  # noqa: E402

from recap_mailer.build import load_campaign, render_campaign  # noqa: E402

ROOT = procs.ROOT
SAMPLE = stages.SAMPLE
CLI = Path(sys.executable).with_name("recap-mailer")
#: Cold first builds of synthetic campaigns: 1000 for the goal, 250 and 500 to show the line.
COLD_SIZES = (250, 500, 1000)
WARM_SIZES = (10, 50, 200, 1000)
QUICK_WARM_SIZES = (10, 50, 200)
#: `recap-mailer import` on the seed page repeated this many times, to show it grows linearly.
IMPORT_COPIES = (1, 4, 16)

#: Goals from issue 15.
AGAIN_GOAL = 0.5  # cold build over the last outputs, times the MJML CLI's
FIRST_GOAL = 0.7  # first build, every card drawn, times the MJML CLI's
WARM_GOAL_MS = 30.0
PREVIEW_GOAL_MS = 80.0
MEMORY_GOAL_MB = 120.0
#: Time may grow this much faster than sessions and still count as linear (timer noise).
LINEAR_SLACK = 1.25


def log(message: str) -> None:
    """Report progress on stderr, keeping stdout for the report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def first_build(out: Path) -> Callable[[], dict[str, str]]:
    """Return a ``before`` for a first build: no earlier outputs, no Jinja bytecode cache."""

    def before() -> dict[str, str]:
        shutil.rmtree(out, ignore_errors=True)
        return fresh_cache(SCRATCH)

    return before


def build(folder: Path, out: Path) -> list[str]:
    return [str(CLI), "build", str(folder.relative_to(ROOT) if folder.is_relative_to(ROOT)
                                     else folder), "--out", str(out)]


def cold_variants(out: Path, cli: list[str] | None) -> dict[str, Variant]:
    """Return every whole process timed in the rounds, by key."""
    variants = {
        "python": Variant("python -c pass", [sys.executable, "-c", "pass"]),
        "help": Variant("recap-mailer --help", [str(CLI), "--help"]),
        "first": Variant("first, no bytecode cache", build(SAMPLE, out / "first"),
                         first_build(out / "first")),
        "first_cached": Variant("first, bytecode cache warm", build(SAMPLE, out / "first-c"),
                                emptied(out / "first-c")),
        "again": Variant("again, no bytecode cache", build(SAMPLE, out / "again"),
                         lambda: fresh_cache(SCRATCH)),
        "again_cached": Variant("again, bytecode cache warm", build(SAMPLE, out / "again-c")),
    }
    if cli:
        variants["cli"] = Variant("MJML CLI", cli)
    for n in COLD_SIZES:
        folder = write_synthetic(SCRATCH / "campaigns", n)
        variants[f"big{n}"] = Variant(f"{n} sessions, first", build(folder, out / f"big{n}"),
                                      first_build(out / f"big{n}"))
    return variants


def warm_figures(out: Path, repeat: int, sizes: tuple[int, ...]) -> dict[str, Any]:
    """Time the in-process figures: stages, rebuilds unchanged and edited, growth."""
    rows = stages.time_stages(SAMPLE, out / "stages", repeat)
    same_ms = stages.median_ms(lambda: stages.warm_rebuild(SAMPLE, out / "warm"), repeat)
    files = stages.warm_rebuild(SAMPLE, out / "warm")
    edited, edit = stages.edited_copy(SCRATCH)
    edited_ms = stages.median_ms(lambda: (edit(), stages.warm_rebuild(edited, out / "edited")),
                                 repeat)
    growth = []
    for n in sizes:
        folder = write_synthetic(SCRATCH / "campaigns", n)
        runs = max(3, repeat // max(1, n // 50))
        ms = stages.median_ms(lambda f=folder: stages.warm_rebuild(f, out / "synthetic"), runs)
        result = render_campaign(load_campaign(folder))
        growth.append({"sessions": n, "ms": ms, "email_html_bytes": result.email.size,
                       "all_outputs_bytes": sum(map(len, result.files.values()))})
    return {"stages": rows, "same_ms": same_ms, "edited_ms": edited_ms, "files": len(files),
            "growth": growth, "import": stages.import_growth(IMPORT_COPIES, repeat)}


# --- Report ------------------------------------------------------------------------------------


def fmt_ms(ms: float | None) -> str:
    return "—" if ms is None else f"{ms:8.1f} ms"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Return a plain-text table, first and last columns left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [str(c).ljust(w) if i in (0, len(row) - 1) else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("MET " if ok else "MISS")


def cold_report(v: dict[str, Variant], cli: mjml_cli.MjmlCli) -> list[str]:
    """Return the COLD section: each whole process's median time and peak memory."""
    rows = []
    for key, variant in v.items():
        ratio = f"x{median_ratio(variant, v['cli']):.2f}" if "cli" in v and key != "cli" else ""
        rows.append((variant.name, fmt_ms(variant.median_ms()),
                     f"{variant.median_peak_mb():6.1f} MB", ratio,
                     cli.note if key == "cli" else ""))
    return [table(("whole process", "time", "peak memory", "/ MJML CLI", "note"), rows),
            "(medians of the rounds; '/ MJML CLI' is the median of the rounds' ratios)"]


Goal = tuple[str, str, str, bool | None]


def goals(v: dict[str, Variant], warm: dict[str, Any],
          preview: preview_figures.PreviewFigures | None) -> list[Goal]:
    """Return (goal, figure, goal's bound, met) for each of issue 15's goals."""
    has_cli = "cli" in v
    again = median_ratio(v["again"], v["cli"]) if has_cli else None
    first = median_ratio(v["first"], v["cli"]) if has_cli else None
    small, big = v[f"big{COLD_SIZES[0]}"], v[f"big{COLD_SIZES[-1]}"]
    factor = COLD_SIZES[-1] / COLD_SIZES[0]
    growth = statistics.median(a / b for a, b in zip(big.times(), small.times(), strict=True))
    save = statistics.median(preview.saves_ms) if preview else None
    cached = (f" (cache warm x{median_ratio(v['again_cached'], v['cli']):.2f})"
              if has_cli else "")
    cached_first = (f" (cache warm x{median_ratio(v['first_cached'], v['cli']):.2f})"
                    if has_cli else "")
    return [
        ("cold build over the last outputs / MJML CLI",
         "—" if again is None else f"x{again:.2f}{cached}", f"<= x{AGAIN_GOAL}",
         None if again is None else again <= AGAIN_GOAL),
        ("first build, every card drawn / MJML CLI",
         "—" if first is None else f"x{first:.2f}{cached_first}", f"<= x{FIRST_GOAL}",
         None if first is None else first <= FIRST_GOAL),
        ("warm rebuild after editing a summary", f"{warm['edited_ms']:.1f} ms",
         f"< {WARM_GOAL_MS:.0f} ms", warm["edited_ms"] < WARM_GOAL_MS),
        ("preview, save to new page (median)", "—" if save is None else f"{save:.1f} ms",
         f"< {PREVIEW_GOAL_MS:.0f} ms", None if save is None else save < PREVIEW_GOAL_MS),
        (f"{COLD_SIZES[-1]} sessions, first build, peak memory", f"{big.median_peak_mb():.1f} MB",
         f"< {MEMORY_GOAL_MB:.0f} MB", big.median_peak_mb() < MEMORY_GOAL_MB),
        (f"linear: {COLD_SIZES[0]} -> {COLD_SIZES[-1]} sessions (x{factor:.0f}), first build",
         f"x{growth:.2f} the time", f"<= x{factor * LINEAR_SLACK:.1f}",
         growth <= factor * LINEAR_SLACK),
    ]


def print_report(args: argparse.Namespace, v: dict[str, Variant], cli: mjml_cli.MjmlCli,
                 warm: dict[str, Any], preview: preview_figures.PreviewFigures | None) -> None:
    print(f"recap-mailer benchmark: {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs; seed {args.seed} (--seed {args.seed} repeats the order); "
          f"{args.rounds} rounds of whole processes in shuffled order, in-process figures "
          f"median of {args.repeat}")
    print()
    print(f"COLD: whole processes, Python start-up included (sample: {SAMPLE.relative_to(ROOT)}"
          f"; 'no bytecode cache' = a fresh empty XDG_CACHE_HOME per run)")
    print("\n".join(cold_report(v, cli)))
    if cli.install_s is not None:
        print(f"(npm ci took {cli.install_s:.1f} s, once, in no figure)")
    print()
    print("WARM: in-process rebuild of the sample, stage by stage")
    rows = [(name, fmt_ms(ms), note) for name, ms, note in warm["stages"]]
    rows.append(("whole rebuild, source unchanged", fmt_ms(warm["same_ms"]),
                 f"load_campaign + render_campaign + write: {warm['files']} files"))
    rows.append(("whole rebuild after editing a summary", fmt_ms(warm["edited_ms"]),
                 "what a writer waits for between saves"))
    print(table(("stage", "time", "note"), rows))
    print()
    print("GROWTH: synthetic sources, warm in-process load + render + write")
    print(table(("sessions", "time", "per session", "email.html", "all outputs"), [
        (str(g["sessions"]), fmt_ms(g["ms"]), f"{g['ms'] / g['sessions']:6.2f} ms",
         f"{g['email_html_bytes'] / 1024:6.1f} KB", f"{g['all_outputs_bytes'] / 1024:7.1f} KB")
        for g in warm["growth"]]))
    print()
    print("IMPORT: the seed page repeated, read + drafted + written as YAML, in-process")
    one = warm["import"][0]
    print(table(("copies", "page", "time", "per copy"), [
        (str(g["copies"]), f"{g['kb']:6.1f} KB", fmt_ms(g["ms"]),
         f"x{g['ms'] / g['copies'] / one['ms']:.2f} of one") for g in warm["import"]]))
    print()
    if preview:
        print(f"PREVIEW SERVER (its own process, on 127.0.0.1; {len(preview.saves_ms)} saves)")
        print("\n".join("  " + line for line in preview_figures.report(preview)))
        print()
    print("GOALS (issue 15)")
    print(table(("", "goal", "measured", "bound"), [
        (verdict(ok), goal, figure, bound) for goal, figure, bound, ok in goals(v, warm, preview)
    ]))


def as_json(args: argparse.Namespace, v: dict[str, Variant], warm: dict[str, Any],
            preview: preview_figures.PreviewFigures | None) -> dict[str, Any]:
    return {
        "seed": args.seed, "rounds": args.rounds, "repeat": args.repeat,
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "cold": {key: {"name": x.name, "median_ms": x.median_ms(), "ms": x.times(),
                       "median_peak_mb": x.median_peak_mb(),
                       "peak_mb": [r.peak_mb for r in x.runs]} for key, x in v.items()},
        "warm": {**warm, "stages": [{"stage": n, "ms": ms, "note": note}
                                    for n, ms, note in warm["stages"]]},
        "preview": preview.as_json() if preview else None,
        "goals": [{"goal": g, "measured": f, "bound": b, "met": ok}
                  for g, f, b, ok in goals(v, warm, preview)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="5 rounds, fewer in-process repeats, no warm 1000-session figure")
    parser.add_argument("--rounds", type=int, default=None, metavar="N",
                        help="rounds of whole processes (default 9, quick 5)")
    parser.add_argument("--repeat", type=int, default=None, metavar="N",
                        help="runs per in-process figure (default 20, quick 5)")
    parser.add_argument("--saves", type=int, default=None, metavar="N",
                        help="preview saves timed (default 20, quick 10)")
    parser.add_argument("--seed", type=int, default=None, help="the rounds' order (printed)")
    parser.add_argument("--no-node", action="store_true", help="skip the MJML CLI")
    parser.add_argument("--no-preview", action="store_true", help="skip the preview server")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every figure here")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (5 if args.quick else 9)
    args.repeat = args.repeat or (5 if args.quick else 20)
    args.saves = args.saves or (10 if args.quick else 20)
    args.seed = secrets.randbelow(1_000_000) if args.seed is None else args.seed
    os.chdir(ROOT)  # relative paths in diagnostics, as a user running the CLI would see them
    try:
        return _run(args)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


def _run(args: argparse.Namespace) -> int:
    out = SCRATCH / "out"
    log(f"seed {args.seed}")
    # The reference compiles the very email.mjml the build writes.
    subprocess.run(build(SAMPLE, out / "reference"), cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env(SCRATCH))
    cli = mjml_cli.MjmlCli(None, "skipped: --no-node") if args.no_node else \
        mjml_cli.prepare(out / "reference" / SAMPLE.name / "email.mjml")
    variants = cold_variants(out, cli.command)
    log(f"whole processes: {args.rounds} rounds of {len(variants)}, shuffled")
    procs.rounds(list(variants.values()), args.rounds, args.seed, SCRATCH, log)
    log("warm in-process figures")
    warm = warm_figures(out, args.repeat, QUICK_WARM_SIZES if args.quick else WARM_SIZES)
    preview = None
    if not args.no_preview:
        log("preview server")
        preview = preview_figures.measure(args.saves, child_env(SCRATCH))
    print_report(args, variants, cli, warm, preview)
    if args.json:
        args.json.write_text(json.dumps(as_json(args, variants, warm, preview), indent=1) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
