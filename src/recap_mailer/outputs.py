"""The only module that writes files: a campaign's outputs replace the old ones all at once.

It also reads back what an earlier build left, for the cards that need no redrawing.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from recap_mailer.errors import single_error


def _safe_relative(name: str) -> PurePosixPath:
    """Refuse an output name that could land outside its folder."""
    path = PurePosixPath(name)
    if (not name or "\x00" in name or "\\" in name or path.is_absolute()
            or any(part in ("", ".", "..") for part in path.parts)):
        raise ValueError(f"unsafe output name {name!r}")
    return path


#: The most of one earlier output that is read back (cards are far smaller).
READ_BACK_LIMIT = 4 * 1024 * 1024

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
# Non-blocking, so a FIFO planted under an output's name cannot stall the build.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


def read_previous(out_dir: Path, names: Iterable[str]) -> dict[str, bytes]:
    """Return those of ``names`` that an earlier build left in ``out_dir``, as regular files."""
    found = {}
    for name, file, info in _previous(out_dir, names):
        if info.st_size <= READ_BACK_LIMIT:
            data = file.read(READ_BACK_LIMIT + 1)
            if len(data) <= READ_BACK_LIMIT:
                found[name] = data
    return found


def _previous(out_dir: Path, names: Iterable[str],
              ) -> Iterator[tuple[str, BinaryIO, os.stat_result]]:
    """Yield each of ``names`` found in ``out_dir`` as a regular file: open, with its status."""
    # Every folder on the way is opened relative to the last and never through a link, so a
    # link planted in the outputs cannot make a build read anything elsewhere. Anything
    # missing or odd is skipped: the caller makes it afresh.
    try:
        root = os.open(out_dir, _FOLDER)
    except OSError:
        return
    folders: dict[tuple[str, ...], int | None] = {(): root}

    def folder_of(parts: tuple[str, ...]) -> int | None:
        # Each folder is opened once for all the names in it (cards/ holds dozens).
        if parts not in folders:
            above = folder_of(parts[:-1])
            try:
                folders[parts] = None if above is None else os.open(parts[-1], _FOLDER,
                                                                     dir_fd=above)
            except OSError:
                folders[parts] = None
        return folders[parts]

    try:
        for name in names:
            parts = _safe_relative(name).parts
            folder = folder_of(parts[:-1])
            if folder is None:
                continue
            try:
                with os.fdopen(os.open(parts[-1], _FILE, dir_fd=folder), "rb") as file:
                    info = os.fstat(file.fileno())
                    if stat.S_ISREG(info.st_mode):
                        yield name, file, info
            except OSError:
                continue
    finally:
        for descriptor in folders.values():
            if descriptor is not None:
                os.close(descriptor)


def write_outputs(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace ``out_dir`` with exactly ``files``; on any failure the old folder stays as it was."""
    out_dir = out_dir.absolute()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        parent = os.open(out_dir.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise single_error(str(out_dir), f"cannot create the output folder: {exc.strerror}") \
            from None
    try:
        # Builds into one folder take turns here (a lock on the folder itself, so nothing is
        # left behind): each stages and swaps in its whole output while no other does, so no
        # swap meets another halfway, and any staging folder seen now is a killed build's.
        fcntl.flock(parent, fcntl.LOCK_EX)
        _remove_leftovers(out_dir)
        _stage_and_swap(out_dir, files)
    finally:
        os.close(parent)


def _remove_leftovers(out_dir: Path) -> None:
    """Remove staging folders that a killed build left: no live build has one without the lock."""
    for pattern in (f".{out_dir.name}.new-*", f".{out_dir.name}.old-*"):
        for leftover in out_dir.parent.glob(pattern):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


def _stage_and_swap(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` into a new folder beside ``out_dir``, then swap it in."""
    try:
        staging = tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; outputs are for sharing.
    except OSError as exc:
        message = f"cannot create the output folder: {exc.strerror}"
        raise single_error(str(out_dir), message) from None
    try:
        targets = {name: os.path.join(staging, *_safe_relative(name).parts)
                   for name in sorted(files)}
        for folder in sorted({os.path.dirname(target) for target in targets.values()}):
            os.makedirs(folder, exist_ok=True)
        # Not flushed to disk one by one: every output is made again, byte for byte, from the
        # source, and a card that a power cut left half written fails its stamp and is drawn
        # again. The swap is what keeps a failed build from touching the last outputs.
        for name, target in targets.items():
            _write_new(target, files[name])
        _swap(Path(staging), out_dir)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise single_error(str(out_dir), f"cannot write outputs: {exc}") from None
        raise


def _write_new(path: str, data: bytes) -> None:
    """Write a new file in the staging folder (never through a link planted there)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        write_all(descriptor, data)
    finally:
        os.close(descriptor)


def write_all(descriptor: int, data: bytes) -> None:
    """Write all of ``data`` to an open descriptor, carrying on after short writes."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _swap(staging: Path, out_dir: Path) -> None:
    """Move the staged folder into place, keeping the old one until the new one stands."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.replace(out_dir, retired / "previous")
    try:
        os.replace(staging, out_dir)
    except BaseException:
        os.replace(retired / "previous", out_dir)
        retired.rmdir()
        raise
    shutil.rmtree(retired, ignore_errors=True)


def create_file(path: Path, data: bytes) -> None:
    """Write a new file, refusing to overwrite one that exists."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise single_error(str(path), "already exists; not overwriting it") from None
    except OSError as exc:
        raise single_error(str(path), f"cannot write: {exc.strerror}") from None


def replace_file(path: Path, data: bytes) -> None:
    """Write a file, replacing any old one all at once: readers see the old or the new, whole."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=f".{path.name}.new-", dir=path.parent)
    except OSError as exc:
        raise single_error(str(path), f"cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(staging, 0o644)  # mkstemp makes it private; a recap source is for sharing.
        os.replace(staging, path)
    except BaseException as exc:
        Path(staging).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise single_error(str(path), f"cannot write: {exc.strerror}") from None
        raise
