"""Fallback fonts the machine has: Noto Sans CJK, Noto Color Emoji and DejaVu Sans.

No font package on the package index carries CJK or colour emoji at a usable size, so cards
fall back to the Debian packages fonts-noto-cjk, fonts-noto-color-emoji and fonts-dejavu-core
(`.ci/run` installs the first two; the third comes with fontconfig). They are found by
asking fontconfig for each family by name, and where fontconfig is missing by looking for
their files under the usual font folders; either way the same machine gives the same files,
in the same order, so the same card. A family the machine lacks is left out of the chain,
and the characters only it had are reported by the checks instead of drawn as boxes.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: Each fallback family: its fontconfig family name, the style for regular and bold text,
#: and the file names Debian installs it as (for machines without fontconfig's tools).
FALLBACKS: dict[str, tuple[str, tuple[str, str], tuple[str, str]]] = {
    "Noto Sans CJK JP": ("Noto Sans CJK JP", ("Regular", "Bold"),
                         ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")),
    "Noto Sans CJK KR": ("Noto Sans CJK KR", ("Regular", "Bold"),
                         ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")),
    "Noto Sans CJK SC": ("Noto Sans CJK SC", ("Regular", "Bold"),
                         ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")),
    "Noto Sans CJK TC": ("Noto Sans CJK TC", ("Regular", "Bold"),
                         ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")),
    "Noto Color Emoji": ("Noto Color Emoji", ("Regular", "Regular"),
                         ("NotoColorEmoji.ttf", "NotoColorEmoji.ttf")),
    "DejaVu Sans": ("DejaVu Sans", ("Book", "Bold"), ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")),
}
#: The colour emoji font is a bitmap font with one strike, drawn at this size and scaled.
EMOJI = "Noto Color Emoji"
EMOJI_STRIKE = 109
FONT_FOLDERS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@dataclass(frozen=True)
class Face:
    """One face of an installed font file: its path and its index in a collection."""

    path: Path
    index: int


@cache
def faces() -> dict[tuple[str, bool], Face]:
    """Return the installed face of each fallback family, regular and bold, by (family, bold)."""
    listed = _fontconfig_faces()
    found: dict[tuple[str, bool], Face] = {}
    for family, (name, styles, files) in FALLBACKS.items():
        for bold in (False, True):
            face = listed.get((name, styles[bold])) if listed is not None else \
                _face_by_file(name, files[bold])
            if face is not None:
                found[(family, bold)] = face
    return found


def _fontconfig_faces() -> dict[tuple[str, str], Face] | None:
    """Ask fontconfig for every face of the fallback families, or None if it cannot be asked."""
    tool = shutil.which("fc-list")
    if tool is None:
        return None
    try:
        listing = subprocess.run(
            [tool, "-f", "%{family[0]}\t%{style[0]}\t%{index}\t%{file}\n"],
            capture_output=True, text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    wanted = {(name, style) for name, styles, _ in FALLBACKS.values() for style in styles}
    found: dict[tuple[str, str], Face] = {}
    # fontconfig lists in no set order: sorting makes the choice between two copies of one
    # face (say in /usr/share and /usr/local) the same on every run.
    for line in sorted(listing.splitlines()):
        family, style, index, file = [*line.split("\t"), "", "", ""][:4]
        if (family, style) in wanted and index.isdigit() and file:
            found.setdefault((family, style), Face(Path(file), int(index)))
    return found


def _face_by_file(name: str, file: str) -> Face | None:
    """Find a family's Debian file under the font folders, and the face of ``name`` in it."""
    for folder in FONT_FOLDERS:
        for path in sorted(folder.rglob(file)) if folder.is_dir() else ():
            index = _index_of(path, name)
            if index is not None:
                return Face(path, index)
    return None


def _index_of(path: Path, name: str) -> int | None:
    """Return the index of the face whose family is ``name`` in a font file or collection."""
    from PIL import ImageFont

    for index in range(collection_size(path)):
        try:
            family, _ = ImageFont.truetype(str(path), 16, index=index).getname()
        except OSError:  # a bitmap font refuses other sizes; its one face is the answer
            return index if path.name == FALLBACKS[EMOJI][2][0] else None
        if family == name:
            return index
    return None


def collection_size(path: Path) -> int:
    """Return how many faces a font file holds: a TrueType collection's count, else one."""
    with path.open("rb") as file:
        header = file.read(12)
    if header[:4] == b"ttcf":
        return int(struct.unpack_from(">I", header, 8)[0])
    return 1


def face_offset(data: bytes, index: int) -> int:
    """Return where face ``index`` starts its table directory in a font file or collection."""
    if data[:4] != b"ttcf":
        return 0
    (count,) = struct.unpack_from(">I", data, 8)
    if not 0 <= index < count:
        raise IndexError(f"the collection has {count} faces, not {index + 1}")
    return int(struct.unpack_from(">I", data, 12 + 4 * index)[0])


def revision(path: Path, index: int) -> str:
    """Return a face's revision from its ``head`` table, reading only the bytes it needs."""
    with path.open("rb") as file:
        head = file.read(12 + 4 * (index + 1))
        at = face_offset(head, index) if head[:4] == b"ttcf" else 0
        file.seek(at)
        directory = file.read(12)
        (count,) = struct.unpack_from(">H", directory, 4)
        records = file.read(16 * count)
        for i in range(count):
            tag, _, offset, _ = struct.unpack_from(">4sIII", records, 16 * i)
            if tag == b"head":
                file.seek(offset + 4)
                (fixed,) = struct.unpack(">i", file.read(4))
                return f"{fixed / 65536:.3f}"
    return "unknown"
