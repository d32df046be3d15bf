"""Whole processes for the benchmark: their environment, and timing them in shuffled rounds.

Every timed process runs under `/usr/bin/time` (or, where it is missing, a fresh Python wrapper
of its own), so each run yields its wall time and the peak resident memory of that run alone.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GNU_TIME = Path("/usr/bin/time")

#: Where there is no GNU time: a fresh wrapper per run, so RUSAGE_CHILDREN holds one child only.
_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL)\n"
    "took = time.perf_counter() - start\n"
    "print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def child_env(scratch: Path, **extra: str) -> dict[str, str]:
    """Return the environment for timed processes.

    Bytecode goes to a folder in ``scratch`` (PYTHONPYCACHEPREFIX), never into the checkout,
    and is written (some machines set PYTHONDONTWRITEBYTECODE; users' installs keep .pyc
    files). XDG_CACHE_HOME is a folder in ``scratch`` unless ``extra`` names another, so
    Jinja's bytecode cache is the benchmark's own. SOURCE_DATE_EPOCH is the sample's clock.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    env["XDG_CACHE_HOME"] = str(scratch / "xdg-warm")
    env.setdefault("SOURCE_DATE_EPOCH", "1694736000")
    env.update(extra)
    return env


def fresh_cache(scratch: Path) -> dict[str, str]:
    """Return env overrides naming a new, empty XDG_CACHE_HOME (no Jinja bytecode cache)."""
    scratch.joinpath("xdg").mkdir(exist_ok=True)
    return {"XDG_CACHE_HOME": tempfile.mkdtemp(dir=scratch / "xdg")}


@dataclass(frozen=True)
class Run:
    """One timed process: wall milliseconds and peak resident memory in MB (10^6 bytes)."""

    ms: float
    peak_mb: float


@dataclass(frozen=True)
class Variant:
    """A command timed once per round; ``before`` runs untimed ahead of each run.

    ``before`` prepares the run (empties an output folder, say) and returns env overrides.
    """

    name: str
    command: list[str]
    before: Callable[[], dict[str, str]] | None = None
    runs: list[Run] = field(default_factory=list, compare=False)

    def times(self) -> list[float]:
        return [r.ms for r in self.runs]

    def median_ms(self) -> float:
        return statistics.median(self.times())

    def median_peak_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)


def run_once(command: list[str], env: dict[str, str], scratch: Path) -> Run:
    """Run ``command`` once, timed, and return its wall time and peak memory."""
    if GNU_TIME.exists():
        report = scratch / "time.txt"
        start = time.perf_counter()
        subprocess.run([str(GNU_TIME), "-f", "%M", "-o", str(report), *command], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        took = time.perf_counter() - start
        return Run(took * 1000, int(report.read_text().split()[-1]) * 1024 / 1e6)
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *command], cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True, env=env)
    took, kib = done.stdout.split()
    return Run(float(took) * 1000, int(kib) * (1 if sys.platform == "darwin" else 1024) / 1e6)


def rounds(variants: list[Variant], count: int, seed: int, scratch: Path,
           progress: Callable[[str], None]) -> None:
    """Run every variant once per round, in an order shuffled each round; fill their runs.

    Shuffling spreads a shared machine's slow spells, and any effect of what ran just before
    (a warm disk cache, a CPU still busy), over every variant alike. One untimed run of each
    comes first, to warm the bytecode and disk caches.
    """
    rng = random.Random(seed)
    for variant in variants:
        extra = variant.before() if variant.before else {}
        run_once(variant.command, child_env(scratch, **extra), scratch)
    for number in range(count):
        order = rng.sample(variants, len(variants))
        progress(f"round {number + 1}/{count}: " + ", ".join(v.name for v in order))
        for variant in order:
            extra = variant.before() if variant.before else {}
            variant.runs.append(run_once(variant.command, child_env(scratch, **extra), scratch))


def median_ratio(ours: Variant, theirs: Variant) -> float:
    """Return the median of the rounds' ratios (steadier than a ratio of medians)."""
    return statistics.median(a / b for a, b in zip(ours.times(), theirs.times(), strict=True))


def emptied(folder: Path) -> Callable[[], dict[str, str]]:
    """Return a ``before`` that removes ``folder`` (so the build finds no earlier outputs)."""

    def before() -> dict[str, str]:
        shutil.rmtree(folder, ignore_errors=True)
        return {}

    return before
