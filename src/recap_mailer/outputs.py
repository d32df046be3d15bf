"""The only module that writes files: a campaign's outputs replace the old ones all at once."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from recap_mailer.errors import single_error


def _safe_relative(name: str) -> PurePosixPath:
    """Refuse an output name that could land outside its folder."""
    path = PurePosixPath(name)
    if (not name or "\x00" in name or "\\" in name or path.is_absolute()
            or any(part in ("", ".", "..") for part in path.parts)):
        raise ValueError(f"unsafe output name {name!r}")
    return path


def write_outputs(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace ``out_dir`` with exactly ``files``; on any failure the old folder stays as it was."""
    out_dir = out_dir.absolute()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=parent))
        staging.chmod(0o755)  # mkdtemp makes it private; outputs are for sharing.
    except OSError as exc:
        message = f"cannot create the output folder: {exc.strerror}"
        raise single_error(str(out_dir), message) from None
    try:
        for name, data in sorted(files.items()):
            target = staging.joinpath(*_safe_relative(name).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _swap(staging, out_dir)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise single_error(str(out_dir), f"cannot write outputs: {exc}") from None
        raise


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
