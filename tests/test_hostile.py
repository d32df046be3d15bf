"""The hostile corpus (tests/hostile/cases.py), each case run as the real program.

Whatever the input, the program prints located errors or builds, exits 0, 1 or 2, never
shows a traceback, never hangs, never reads what a link outside the campaign points at, and
a failed build leaves the last outputs as they were. What it printed must equal the case's
sidecar in tests/golden/hostile/, rewritten only by ``pytest --regen-golden``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GOLDEN, ROOT, Golden
from hostile.cases import CASES, MINIMAL, SECRET, Case, Fifo, Link

EXPECTED = GOLDEN / "hostile"


def make(root: Path, files: dict) -> None:
    """Lay out a case's files, links and FIFOs under ``root``."""
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, Fifo):
            os.mkfifo(path)
        elif isinstance(body, Link):
            path.symlink_to(body.target)
        else:
            path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))


def run(root: Path, argv: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """Run the program in ``root``, with no terminal, no network settings and a new HOME."""
    env = {**os.environ, "HOME": str(root / "home"), "XDG_CACHE_HOME": str(root / "cache"),
           "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "recap_mailer", *argv], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def shown(result: subprocess.CompletedProcess[str], root: Path, unordered: bool) -> str:
    """Return what the case printed, its folders written as <case> and <checkout>."""
    out, err = result.stdout, result.stderr
    if unordered:
        out, err = ("".join(sorted(re.sub(r"^\[\d+/(\d+)\]", r"[n/\1]", line)
                                   for line in text.splitlines(keepends=True)))
                    for text in (out, err))
    text = f"exit {result.returncode}\n--- stdout\n{out}--- stderr\n{err}"
    for folder, name in ((root.resolve(), "<case>"), (root, "<case>"), (ROOT, "<checkout>")):
        text = text.replace(str(folder), name)
    return text


def test_the_corpus_covers_every_class_with_sixty_cases_or_more() -> None:
    kinds = {case.kind for case in CASES}
    assert len(CASES) >= 60
    assert kinds >= {"inputs", "yaml", "nesting", "diagnostics", "validation", "templates",
                     "offline", "prose", "headers", "import", "campaigns", "usage"}
    assert len({case.name for case in CASES}) == len(CASES)


def test_every_sidecar_has_its_case() -> None:
    names = {f"{case.name}.txt" for case in CASES}
    assert sorted(p.name for p in EXPECTED.glob("*.txt") if p.name not in names) == []


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_case(case: Case, tmp_path: Path, golden: Golden) -> None:
    root = tmp_path / "case"
    root.mkdir()
    before = None
    if case.prebuilt:
        make(root, {"campaigns/x/recap.yaml": MINIMAL})
        assert run(root, case.argv).returncode == 0
        before = snapshot(root / "out")
        (root / "campaigns/x/recap.yaml").unlink()
    make(root, case.files)
    result = run(root, case.argv)
    printed = result.stdout + result.stderr
    assert "Traceback" not in printed, printed
    assert result.returncode in (0, 1, 2), printed
    outputs = snapshot(root / "out") if (root / "out").exists() else {}
    # What a link outside the campaign points at is never read into anything.
    assert not any(SECRET.encode() in data for data in outputs.values())
    assert SECRET not in printed
    # Nor does a template run a command (the escape cases run `id`).
    assert not any(b"uid=" in data for data in outputs.values()) and "uid=" not in printed
    if before is not None:
        assert outputs == before
    golden.check("hostile", f"{case.name}.txt", shown(result, root, case.unordered))
