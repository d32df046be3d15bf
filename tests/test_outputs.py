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
    real_write = os.write

    def failing_write(fd: int, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:  # half way: the first new file is written, the second is not
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", failing_write)
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


# --- Reading back the previous build's cards ---------------------------------------------


def test_read_previous_returns_the_named_files_that_exist(tmp_path: Path) -> None:
    out = tmp_path / "out" / "camp"
    outputs.write_outputs(out, {"cards/a.png": b"A", "cards/b.png": b"B", "email.html": b"h"})
    found = outputs.read_previous(out, ["cards/a.png", "cards/missing.png", "email.html"])
    assert found == {"cards/a.png": b"A", "email.html": b"h"}
    assert outputs.read_previous(tmp_path / "nowhere", ["cards/a.png"]) == {}


def test_read_previous_never_follows_a_link_or_opens_a_fifo(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"outside the outputs")
    out = tmp_path / "out" / "camp"
    (out / "cards").mkdir(parents=True)
    (out / "cards" / "link.png").symlink_to(secret)
    os.mkfifo(out / "cards" / "fifo.png")  # opening it to read would block a plain open()
    (out / "cards" / "folder.png").mkdir()
    (out / "other").mkdir()
    (out / "other" / "c.png").write_bytes(b"C")
    (out / "linked").symlink_to(out / "other", target_is_directory=True)
    names = ["cards/link.png", "cards/fifo.png", "cards/folder.png", "linked/c.png",
             "other/c.png"]
    assert outputs.read_previous(out, names) == {"other/c.png": b"C"}
    # A whole output folder that is a link is not read either.
    (tmp_path / "out" / "alias").symlink_to(out, target_is_directory=True)
    assert outputs.read_previous(tmp_path / "out" / "alias", ["other/c.png"]) == {}


def test_read_previous_skips_a_file_over_the_limit(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "camp"
    outputs.write_outputs(out, {"big.png": b"x" * 11, "small.png": b"x" * 10})
    monkeypatch.setattr(outputs, "READ_BACK_LIMIT", 10)
    assert outputs.read_previous(out, ["big.png", "small.png"]) == {"small.png": b"x" * 10}


def test_leftover_staging_folders_of_a_killed_build_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out" / "camp"
    outputs.write_outputs(out, {"a.txt": b"one"})
    for leftover in (".camp.new-k1ll3d", ".camp.old-k1ll3d"):
        (tmp_path / "out" / leftover / "cards").mkdir(parents=True)
    (tmp_path / "out" / ".other.new-keep").mkdir()  # another campaign's: not ours to remove
    outputs.write_outputs(out, {"a.txt": b"two"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".other.new-keep", "camp"]
    assert snapshot(out) == {"a.txt": b"two"}


def _write_many(out: str, label: str) -> None:
    for round_ in range(60):
        outputs.write_outputs(Path(out), {"who.txt": label.encode(), "n.txt": b"%d" % round_,
                                          f"cards/{label}.png": label.encode()})


def test_concurrent_builds_of_one_campaign_never_fail_on_the_swap(tmp_path: Path) -> None:
    import multiprocessing

    out = tmp_path / "out" / "camp"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(out), label))
               for label in ("first", "second", "third")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    label = (out / "who.txt").read_text()
    assert snapshot(out) == {"who.txt": label.encode(), "n.txt": b"59",
                             f"cards/{label}.png": label.encode()}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["camp"]


def test_a_linked_folder_in_the_last_outputs_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "a.png").write_bytes(b"A")
    out = tmp_path / "out" / "camp"
    outputs.write_outputs(out, {"email.html": b"h"})
    (out / "cards").symlink_to(outside, target_is_directory=True)
    outputs.write_outputs(out, {"email.html": b"h", "cards/a.png": b"A"})
    assert not (out / "cards").is_symlink()
    assert (out / "cards" / "a.png").stat().st_ino != (outside / "a.png").stat().st_ino
    assert (outside / "a.png").stat().st_nlink == 1


def test_short_writes_are_carried_on_and_files_follow_the_umask(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    # A write may take less than it is given (a signal, a pipe-like file system): go on.
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data)[:7]))
    data = bytes(range(256)) * 40
    old = os.umask(0o027)
    try:
        outputs.write_outputs(tmp_path / "camp", {"cards/a.png": data, "b.txt": b"short"})
    finally:
        os.umask(old)
    assert snapshot(tmp_path / "camp") == {"b.txt": b"short", "cards/a.png": data}
    assert (tmp_path / "camp" / "b.txt").stat().st_mode & 0o777 == 0o640
