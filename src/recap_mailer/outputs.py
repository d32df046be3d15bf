"""The only module that writes files: a campaign's outputs replace the old ones all at once.

It also reads back what an earlier build left, for the cards that need no redrawing.
"""

from __future__ import annotations

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
    for name, file, info, _folder, _leaf in _previous(out_dir, names):
        if info.st_size <= READ_BACK_LIMIT:
            data = file.read(READ_BACK_LIMIT + 1)
            if len(data) <= READ_BACK_LIMIT:
                found[name] = data
    return found


def _previous(out_dir: Path, names: Iterable[str],
              ) -> Iterator[tuple[str, BinaryIO, os.stat_result, int, str]]:
    """Yield each of ``names`` found in ``out_dir``: open, with its status, folder and name."""
    # Every folder on the way is opened relative to the last and never through a link, so a
    # link planted in the outputs cannot make a build read (or link) anything elsewhere.
    # Anything missing or odd is skipped: the caller makes it afresh.
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
                        yield name, file, info, folder, parts[-1]
            except OSError:
                continue
    finally:
        for descriptor in folders.values():
            if descriptor is not None:
                os.close(descriptor)


def write_outputs(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace ``out_dir`` with exactly ``files``; on any failure the old folder stays as it was."""
    out_dir = out_dir.absolute()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=parent)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; outputs are for sharing.
    except OSError as exc:
        message = f"cannot create the output folder: {exc.strerror}"
        raise single_error(str(out_dir), message) from None
    try:
        targets = {name: os.path.join(staging, *_safe_relative(name).parts)
                   for name in sorted(files)}
        for folder in sorted({os.path.dirname(target) for target in targets.values()}):
            os.makedirs(folder, exist_ok=True)
        # A file the last build wrote with the very same bytes is linked, not written again.
        linked = {name for name, file, info, folder, leaf in _previous(out_dir, targets)
                  if _link_if_same(file, info, folder, leaf, files[name], targets[name])}
        # Not flushed to disk one by one (fsync took a tenth of a rebuild): every output is
        # made again, byte for byte, from the source, and whatever a power cut leaves half
        # written the next build neither keeps (cards are checked against their stamps) nor
        # links (files are compared byte for byte). The swap below is what keeps a failed
        # build from touching the last outputs.
        for name, target in targets.items():
            if name not in linked:
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


def _link_if_same(file: BinaryIO, info: os.stat_result, folder: int, leaf: str, data: bytes,
                  target: str) -> bool:
    """Hard-link an earlier output at ``target`` if it is ours and holds exactly ``data``."""
    # Only a file this user owns: a link shares the file, and its owner could edit it later.
    if info.st_uid != os.geteuid() or info.st_size != len(data) or file.read() != data:
        return False
    try:
        os.link(leaf, target, src_dir_fd=folder, follow_symlinks=False)
        linked = os.stat(target, follow_symlinks=False)
    except OSError:
        return False
    if (linked.st_ino, linked.st_dev) != (info.st_ino, info.st_dev):
        os.unlink(target)  # the name was swapped for another file after it was compared
        return False
    return True


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
