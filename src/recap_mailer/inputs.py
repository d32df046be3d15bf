"""Reading a user's files: regular files only, never past a size cap, never through a link out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from recap_mailer.errors import single_error

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_input(path: Path, what: str, limit: int, *, inside: Path | None = None) -> bytes:
    """Return the bytes of the regular file ``path``; anything else is a SourceError.

    ``what`` names the file in messages ("the recap source"); with ``inside``, a path that
    resolves (through links) outside that folder is refused too.
    """
    shown = str(path)
    if inside is not None and not path.resolve().is_relative_to(inside.resolve()):
        raise single_error(shown, f"cannot read {what}: it is a link to a file outside "
                                  f"{inside}; copy the file in instead")
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise single_error(shown, f"cannot read {what}: {exc.strerror}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        for test, kind in _KINDS:
            if test(mode):
                raise single_error(shown, f"cannot read {what}: it is {kind}, not a regular file")
        if not stat.S_ISREG(mode):
            raise single_error(shown, f"cannot read {what}: it is not a regular file")
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            # One byte past the cap: a file that grows after fstat is still caught.
            data = file.read(limit + 1)
        size = max(len(data), os.fstat(descriptor).st_size)
    finally:
        os.close(descriptor)
    if size > limit:
        raise single_error(shown, f"{what} is {size:,} bytes; the most it may be is {limit:,}")
    return data


def decode_utf8(data: bytes, path: Path | str, what: str) -> str:
    """Return ``data`` decoded; a byte that is not UTF-8 is an error at its line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace"))
        message = f"{what} is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        raise single_error(str(path), message, line, col + 1) from None
