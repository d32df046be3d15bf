"""Whole output trees: each test campaign built by the real command, against tests/golden/<case>/.

As Pelican's ``tests/output/basic/``: the build's every file must be there, and nothing else;
text files byte for byte; cards by what their stamp says they show (their pixels have tests of
their own in test_cards.py). ``pytest --regen-golden`` rewrites each tree from scratch.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GOLDEN, ROOT, SAMPLE, TESTS

#: Every campaign the trees are built from: the sample and each folder of tests/campaigns/.
TREE_CASES = {"soc23-day1": SAMPLE} | {
    path.name: path for path in sorted((TESTS / "campaigns").iterdir())
    if (path / "recap.yaml").is_file()}

#: Golden folders that are not output trees: the hostile sidecars and the importer's drafts.
OTHER_GOLDEN = {"hostile", "import-html", "import-md", "import-seed", "import-seed-like"}

STAMP_SUFFIX = ".stamp.json"
CARD_IMAGES = re.compile(rb"data:image/png;base64,[A-Za-z0-9+/=]+")
DIFF_LINES = 40


def _card_record(png: bytes) -> bytes:
    """Return what a card's stamp says it shows, with its size, as the golden JSON."""
    from recap_mailer.cards import card_stamp

    stamp = card_stamp(png)
    assert stamp is not None, "a card without an intact stamp"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk, always first
    # The stamp's input hash and pixel hash change with the drawing code and Pillow's
    # version, not with what the card says; those are test_cards.py's to pin.
    record = {"size": [width, height], "shows": stamp["shows"]}
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _expected_files(out: Path) -> dict[str, bytes]:
    """Return a built folder as the golden tree holds it: relative name to bytes."""
    files: dict[str, bytes] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(out).as_posix()
        data = path.read_bytes()
        if name.endswith(".png"):
            files[name + STAMP_SUFFIX] = _card_record(data)
        elif name == "preview.html":
            # The page embeds the cards' pixels; the cards are compared by their stamps.
            files[name] = CARD_IMAGES.sub(b"data:image/png;base64,(card)", data)
        else:
            files[name] = data
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Build every case in one run of the real command, in a zone far from the event's."""
    out = tmp_path_factory.mktemp("golden-out")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["TZ"] = "Pacific/Kiritimati"  # a build that read the machine's zone would show it
    paths = [str(path.relative_to(ROOT)) for path in TREE_CASES.values()]
    result = subprocess.run([sys.executable, "-m", "recap_mailer", "build", *paths,
                             "--out", str(out)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    # 1 is a campaign whose checks found errors (broken-checks): its outputs are still written.
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return {case: _expected_files(out / case) for case in TREE_CASES if (out / case).is_dir()}


def _diff(name: str, expected: bytes, actual: bytes) -> str:
    lines = list(difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        f"golden/{name}", f"built/{name}"))
    if not lines:  # the same text once decoded: the difference is in the bytes themselves
        return f"{name}: the bytes differ where the text does not (encoding or line endings)"
    excerpt = "".join(lines[:DIFF_LINES])
    more = f"... {len(lines) - DIFF_LINES} more diff lines\n" if len(lines) > DIFF_LINES else ""
    return f"{name} differs:\n{excerpt}{more}"


def _regenerate(folder: Path, files: dict[str, bytes]) -> None:
    assert folder.parent == GOLDEN and folder.name not in OTHER_GOLDEN, folder
    shutil.rmtree(folder, ignore_errors=True)  # from scratch: no stale file survives
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.mark.parametrize("case", list(TREE_CASES))
def test_build_matches_its_golden_tree(case: str, built: dict, request) -> None:
    assert case in built, f"{case}: the build wrote no output folder"
    actual = built[case]
    folder = GOLDEN / case
    if request.config.getoption("--regen-golden"):
        _regenerate(folder, actual)
        return
    assert folder.is_dir(), f"no golden tree {folder}; run pytest --regen-golden and review it"
    expected = {path.relative_to(folder).as_posix(): path.read_bytes()
                for path in sorted(folder.rglob("*")) if path.is_file()}
    problems = [f"in the golden tree but not built: {name}"
                for name in sorted(expected.keys() - actual)]
    problems += [f"built but not in the golden tree: {name}"
                 for name in sorted(actual.keys() - expected)]
    problems += [_diff(name, expected[name], actual[name])
                 for name in sorted(expected.keys() & actual.keys())
                 if expected[name] != actual[name]]
    if problems:
        pytest.fail(f"{case}: the build differs from tests/golden/{case}/ "
                    f"(pytest --regen-golden rewrites it; review the diff)\n"
                    + "\n".join(problems), pytrace=False)


def test_every_golden_folder_is_a_case() -> None:
    # A tree whose campaign is gone is stale; so is a folder nothing reads.
    folders = {path.name for path in GOLDEN.iterdir() if path.is_dir()}
    assert folders - OTHER_GOLDEN == set(TREE_CASES)
    for name in OTHER_GOLDEN - {"hostile"}:
        assert [p.name for p in (GOLDEN / name).iterdir()] == ["recap.yaml"], name
