"""Shared fixtures: test campaigns and golden files (regenerated only with --regen-golden)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
SAMPLE = ROOT / "campaigns" / "soc23-day1"
CASES = {
    "soc23-day1": SAMPLE,
    "minimal": TESTS / "campaigns" / "minimal",
    "awkward": TESTS / "campaigns" / "awkward",
    "big-day": TESTS / "campaigns" / "big-day",
    "rtl-mixed": TESTS / "campaigns" / "rtl-mixed",
    "voices": TESTS / "campaigns" / "voices",
}
GOLDEN = TESTS / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output (review the diff)")


class Golden:
    """Compare output with tests/golden/<case>/<name>, or rewrite it under --regen-golden."""

    def __init__(self, regen: bool) -> None:
        self.regen = regen

    def check(self, case: str, name: str, actual: bytes | str) -> None:
        data = actual.encode("utf-8") if isinstance(actual, str) else actual
        path = GOLDEN / case / name
        if self.regen:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        assert path.exists(), f"no golden file {path}; run pytest --regen-golden and review it"
        expected = path.read_bytes()
        if data != expected:
            # Compare as text first so pytest shows a readable diff.
            assert data.decode("utf-8", "replace") == expected.decode("utf-8", "replace")
            assert data == expected


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--regen-golden")))


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
                  ) -> None:
    # A build's clock comes from the source; no test may depend on the real one. The user's
    # cache folder (Jinja's compiled templates) is the run's own, never the machine's.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1694728800")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
