"""The reference: the official MJML CLI, installed by `npm ci` from benchmarks/package.json."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class MjmlCli:
    """The official MJML CLI, ready to time, or why there is none."""

    command: list[str] | None
    note: str
    install_s: float | None = None


def wanted_version() -> str:
    """Return the mjml version package.json pins."""
    return json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]["mjml"]


def prepare(mjml_file: Path) -> MjmlCli:
    """Run `npm ci` in benchmarks/ (unless done) and check the CLI compiles ``mjml_file``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return MjmlCli(None, "skipped: Node.js (node and npm) is not on this machine")
    cli = HERE / "node_modules" / "mjml" / "bin" / "mjml"
    installed = HERE / "node_modules" / "mjml" / "package.json"
    install_s = None
    if not installed.exists() or \
            json.loads(installed.read_text(encoding="utf-8"))["version"] != wanted_version():
        start = time.perf_counter()
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=HERE, capture_output=True, text=True)
        install_s = time.perf_counter() - start
        if done.returncode or not cli.exists():
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:100]
            return MjmlCli(None, f"skipped: npm ci failed ({reason})")
    version = subprocess.run([node, str(cli), "--version"], capture_output=True, text=True)
    command = [node, str(cli), str(mjml_file), "-s"]
    check = subprocess.run(command, capture_output=True, text=True)
    if check.returncode or "<html" not in check.stdout:
        return MjmlCli(None, f"skipped: the MJML CLI failed: {check.stderr.strip()[:100]}")
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    engine = " ".join(version.stdout.split())
    return MjmlCli(command, f"{engine}, node {node_version.strip()}; "
                            f"{len(check.stdout.encode()) / 1024:.1f} KB of HTML", install_s)
