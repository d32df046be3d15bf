"""Writing outputs: all at once or not at all, and never outside the output folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recap_mailer import outputs
from recap_mailer.errors import SourceError


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_write_replaces_the_folder_exactly(tmp_path: Path) -> None:
    out = tmp_path / "out" / "camp"
    outputs.write_outputs(out, {"a.txt": b"one", "sub/b.txt": b"two", "stale.txt": b"x"})
    outputs.write_outputs(out, {"a.txt": b"three", "sub/b.txt": b"four"})
    assert snapshot(out) == {"a.txt": b"three", "sub/b.txt": b"four"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["camp"]


def test_failure_while_writing_leaves_previous_outputs_and_no_temporary_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out" / "camp"
    outputs.write_outputs(out, {"a.txt": b"old a", "b.txt": b"old b"})
    before = snapshot(out)
    calls = 0
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # half way: the first new file is written, the second is not
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(SourceError, match="No space left on device"):
        outputs.write_outputs(out, {"a.txt": b"new a", "b.txt": b"new b"})
    assert snapshot(out) == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["camp"]


def test_failure_during_the_swap_restores_the_previous_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out" / "camp"
    outputs.write_outputs(out, {"a.txt": b"old"})
    real_replace = os.replace

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        if Path(src).name.startswith(".camp.new-"):
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SourceError):
        outputs.write_outputs(out, {"a.txt": b"new"})
    assert snapshot(out) == {"a.txt": b"old"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["camp"]


@pytest.mark.parametrize("name", ["../escape.txt", "/abs.txt", "a/../../b", "nul\x00.txt",
                                  "back\\slash.txt", ""])
def test_unsafe_output_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="unsafe output name"):
        outputs.write_outputs(tmp_path / "camp", {name: b"x"})
    assert not (tmp_path / "escape.txt").exists()
    assert list(tmp_path.iterdir()) == []


def test_create_file_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "c" / "recap.yaml"
    outputs.create_file(target, b"first")
    with pytest.raises(SourceError, match="already exists"):
        outputs.create_file(target, b"second")
    assert target.read_bytes() == b"first"
