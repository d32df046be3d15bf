"""Card fonts: the Noto Sans packages and the machine's fallbacks, read once, opened at any size.

The Noto fonts carry no hinting program (no ``fpgm`` table), and for such fonts FreeType
switches to its auto-hinter, which studies the whole font (through HarfBuzz) for every face
Pillow opens, for each size a card measures. A one-instruction ``fpgm`` keeps
FreeType on the TrueType loader, which with nothing to run draws the outlines as designed.
The patched font lives in an anonymous in-memory file (Linux ``memfd``) that every face
shares; where there is none, each face gets its own copy of the patched bytes: more memory,
the same pixels.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recap_mailer.cards import system
from recap_mailer.outputs import write_all

if TYPE_CHECKING:
    from PIL import ImageFont

#: A table's entry in the font's directory: tag, checksum, offset, length.
TABLE_RECORD = struct.Struct(">4sIII")
#: A font program that does nothing: PUSHB[0] 0, POP.
NOOP_FPGM = b"\xb0\x00\x21"


def _tables(data: bytes, index: int = 0) -> dict[bytes, tuple[bytes, int]]:
    """Return a font's tables by tag, with their checksums; ``index`` picks a collection's face."""
    # A collection's faces each have a directory, at the offset its header lists; table
    # offsets are from the start of the file either way.
    at = system.face_offset(data, index)
    (count,) = struct.unpack_from(">H", data, at + 4)
    tables = {}
    for i in range(count):
        tag, checksum, offset, length = TABLE_RECORD.unpack_from(data, at + 12 + 16 * i)
        tables[tag] = (data[offset:offset + length], checksum)
    return tables


def _checksum(table: bytes) -> int:
    padded = table + b"\0" * (-len(table) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _assemble(flavour: bytes, tables: dict[bytes, tuple[bytes, int]]) -> bytes:
    """Return a font file of ``tables``, with its directory, padding and checksums."""
    tags = sorted(tables)
    power = 1 << (len(tags).bit_length() - 1)
    header = flavour + struct.pack(">HHHH", len(tags), power * 16, power.bit_length() - 1,
                                   (len(tags) - power) * 16)
    offset = len(header) + TABLE_RECORD.size * len(tags)
    records, body, offsets = [], [], {}
    for tag in tags:
        table, checksum = tables[tag]
        records.append(TABLE_RECORD.pack(tag, checksum, offset, len(table)))
        body.append(table + b"\0" * (-len(table) % 4))
        offsets[tag] = offset
        offset += len(body[-1])
    directory = header + b"".join(records)
    # The whole file sums to its directory plus every table (``head`` counted with a zero
    # adjustment, as its recorded checksum is), so no table is summed twice.
    total = _checksum(directory) + sum(checksum for _, checksum in tables.values())
    font = bytearray(directory + b"".join(body))
    struct.pack_into(">I", font, offsets[b"head"] + 8, (0xB1B0AFBA - total) & 0xFFFFFFFF)
    return bytes(font)


def with_font_program(data: bytes) -> bytes:
    """Return the font with a do-nothing ``fpgm`` if it has none, so FreeType never auto-hints."""
    tables = _tables(data)
    if b"fpgm" in tables or b"glyf" not in tables:
        return data
    maxp = bytearray(tables[b"maxp"][0])
    if len(maxp) >= 32:  # version 1.0: room on the stack and for the program's size
        stack, size = struct.unpack_from(">HH", maxp, 24)
        struct.pack_into(">HH", maxp, 24, max(stack, 1), max(size, len(NOOP_FPGM)))
    return _assemble(data[:4], {**tables, b"fpgm": (NOOP_FPGM, _checksum(NOOP_FPGM)),
                                b"maxp": (bytes(maxp), _checksum(bytes(maxp)))})


def codepoints(data: bytes, index: int = 0) -> frozenset[int]:
    """Return the code points a font (or a collection's face ``index``) maps to a glyph."""
    cmap = _tables(data, index)[b"cmap"][0]
    (count,) = struct.unpack_from(">H", cmap, 2)
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
        (fmt,) = struct.unpack_from(">H", cmap, offset)
        subtables[(platform, encoding, fmt)] = offset
    for key in ((3, 10, 12), (0, 4, 12), (3, 1, 4), (0, 3, 4)):
        if key in subtables:
            reader = _format12 if key[2] == 12 else _format4
            return frozenset(reader(cmap, subtables[key]))
    return frozenset()


def _format12(cmap: bytes, offset: int) -> set[int]:
    (groups,) = struct.unpack_from(">I", cmap, offset + 12)
    points: set[int] = set()
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", cmap, offset + 16 + 12 * i)
        # Glyphs run on from ``glyph``: only the first can be glyph 0, "no glyph".
        points.update(range(start if glyph else start + 1, end + 1))
    return points


def _format4(cmap: bytes, offset: int) -> set[int]:
    (segments,) = struct.unpack_from(">H", cmap, offset + 6)
    segments //= 2
    ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
    starts = struct.unpack_from(f">{segments}H", cmap, offset + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", cmap, offset + 16 + 4 * segments)
    ranges_at = offset + 16 + 6 * segments
    range_offsets = struct.unpack_from(f">{segments}H", cmap, ranges_at)
    points: set[int] = set()
    for i, (start, end, delta, range_offset) in enumerate(
            zip(starts, ends, deltas, range_offsets, strict=True)):
        for c in range(start, end + 1):
            if c == 0xFFFF:
                continue
            if range_offset == 0:
                glyph = (c + delta) & 0xFFFF
            else:
                at = ranges_at + 2 * i + range_offset + 2 * (c - start)
                (glyph,) = struct.unpack_from(">H", cmap, at)
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                points.add(c)
    return points


#: The package each family is installed from, as fontpkg names them; the order is the order
#: the families are tried in for a character (see ``text.families_for``).
PACKAGES = {
    "Noto Sans": "fontpkg_noto_sans",
    "Noto Sans Arabic": "fontpkg_noto_sans_arabic",
    "Noto Sans Thai": "fontpkg_noto_sans_thai",
    "Noto Sans Tamil": "fontpkg_noto_sans_tamil",
    "Noto Sans Telugu": "fontpkg_noto_sans_telugu",
    "Noto Sans Khmer": "fontpkg_noto_sans_khmer",
}


def original_path(family: str) -> Path:
    """Return where the family's upright variable font file is installed."""
    # Read from the font package's own metadata.json, the file fontpkg reads: fontpkg finds it
    # through every installed package's entry points (importlib.metadata), which is slow.
    root, meta = _package(family)
    for entry in meta["files"]:
        if entry.get("variable") and entry.get("style") == "normal":
            return root.joinpath(*entry["path"].split("/"))
    raise FileNotFoundError(f"{PACKAGES[family]} lists no upright variable font for {family}")


def _package(family: str) -> tuple[Path, dict[str, Any]]:
    """Return the folder the family's package is installed in, and its metadata."""
    spec = importlib.util.find_spec(PACKAGES[family])
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the font package {PACKAGES[family]} is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root, json.loads((root / "metadata.json").read_text(encoding="utf-8"))


def installed() -> tuple[str, ...]:
    """Return every family a card can use: the packages', then the machine's fallbacks."""
    return (*PACKAGES, *(family for family, bold in system.faces() if not bold))


def font_versions() -> tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...]:
    """Return each family's version and font files (name, size), without reading whole fonts."""
    found = []
    for family in PACKAGES:
        root, meta = _package(family)
        files = tuple(sorted((p.name, p.stat().st_size) for p in (root / "files").iterdir()))
        found.append((family, str(meta["version"]), files))
    # The machine's fallbacks: a font changed, added or removed draws the cards again.
    for (family, bold), face in sorted(system.faces().items()):
        found.append((f"{family} {'bold' if bold else 'regular'}",
                      system.revision(face.path, face.index),
                      ((f"{face.path}#{face.index}", face.path.stat().st_size),)))
    return tuple(found)


@cache
def font_data(family: str) -> tuple[str | bytes, frozenset[int]]:
    """Return what FreeType opens ``family`` from, and the code points it has glyphs for."""
    if family not in PACKAGES:
        # A fallback is opened from its own file: its outlines are CFF or bitmaps, which
        # FreeType never auto-hints, so there is nothing to patch.
        face = system.faces()[(family, False)]
        return str(face.path), codepoints(face.path.read_bytes(), face.index)
    data = original_path(family).read_bytes()
    patched = with_font_program(data)
    return _memory_file(family, patched) or patched, codepoints(data)


def _memory_file(name: str, data: bytes) -> str | None:
    """Put ``data`` in an anonymous in-memory file and return its path, if this system can."""
    try:
        descriptor = os.memfd_create(f"recap-mailer {name}", os.MFD_CLOEXEC)
    except (AttributeError, OSError):  # not Linux, or not allowed (some sandboxes)
        return None
    try:
        write_all(descriptor, data)
    except OSError:
        os.close(descriptor)
        return None
    path = f"/proc/self/fd/{descriptor}"
    if not os.path.exists(path):  # no /proc
        os.close(descriptor)
        return None
    return path


# Each face FreeType has used holds about half a megabyte of glyph data: keep only a few.
@lru_cache(maxsize=32)
def font(family: str, size: int, weight: int) -> ImageFont.FreeTypeFont:
    """Return the family's font at ``size`` pixels and ``weight`` (100-900).

    The colour emoji font comes at its one size, ``system.EMOJI_STRIKE``, whatever ``size``
    asks: its user scales what it measures and draws.
    """
    from PIL import ImageFont

    if family not in PACKAGES:
        # The fallbacks come in regular and bold: the nearer of the two (600 takes bold).
        bold = weight >= 550 and (family, True) in system.faces()
        face = system.faces()[(family, bold)]
        if family == system.EMOJI:
            return ImageFont.truetype(str(face.path), system.EMOJI_STRIKE, index=face.index)
        return ImageFont.truetype(str(face.path), size, index=face.index)
    # By path, not from bytes: Pillow keeps a private copy of in-memory font data for every
    # size (2 MB each for Noto Sans), while FreeType shares one mapping of the file.
    source = font_data(family)[0]
    face = ImageFont.truetype(source if isinstance(source, str) else BytesIO(source), size)
    axes = face.get_variation_axes()
    face.set_variation_by_axes([weight if axis["name"] in (b"Weight", "Weight")
                                else axis["default"] for axis in axes])
    return face
