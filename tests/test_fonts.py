"""The card fonts: the Unicode map read by hand, and the patched font FreeType opens."""

from __future__ import annotations

import struct
from io import BytesIO
from pathlib import Path

import fontpkg
import pytest
from fontTools.ttLib import TTFont

from recap_mailer.cards import FAMILIES, fonts, system


@pytest.fixture(scope="module", params=FAMILIES)
def original(request: pytest.FixtureRequest) -> bytes:
    return fontpkg.path(request.param).read_bytes()


def test_codepoints_match_fonttools(original: bytes) -> None:
    expected = TTFont(BytesIO(original), lazy=True)["cmap"].getBestCmap()
    assert fonts.codepoints(original) == frozenset(expected)


def test_the_format_4_map_agrees_with_the_format_12_map(original: bytes) -> None:
    tables = {(s.platformID, s.platEncID): s
              for s in TTFont(BytesIO(original), lazy=True)["cmap"].tables}
    cmap_at = original.index(b"cmap")  # the directory record: tag, checksum, offset, length
    offset = struct.unpack_from(">I", original, cmap_at + 8)[0]
    cmap = original[offset:]
    subtables = {}
    for i in range(struct.unpack_from(">H", cmap, 2)[0]):
        platform, encoding, at = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
        subtables[(platform, encoding)] = at
    bmp = fonts._format4(cmap, subtables[(3, 1)])
    assert bmp == set(tables[(3, 1)].cmap)
    if (3, 10) in subtables:  # fonts of the Basic Multilingual Plane alone have no format 12
        assert bmp == {c for c in fonts._format12(cmap, subtables[(3, 10)]) if c <= 0xFFFF}


def test_the_patched_font_is_a_valid_font_with_a_font_program(original: bytes) -> None:
    patched = fonts.with_font_program(original)
    font = TTFont(BytesIO(patched), checkChecksums=2)  # a wrong table checksum raises
    for tag in list(font.reader.tables):
        font.reader[tag]
    assert font["fpgm"].program.getBytecode() == fonts.NOOP_FPGM
    assert font["maxp"].maxStackElements >= 1
    assert font["maxp"].maxSizeOfInstructions >= len(fonts.NOOP_FPGM)
    # The whole file sums to the magic number the head table's adjustment is for.
    padded = patched + b"\0" * (-len(patched) % 4)
    assert sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF == 0xB1B0AFBA
    # Every other table is byte for byte the original's.
    before = TTFont(BytesIO(original), lazy=True)
    for tag in list(before.reader.tables):
        if tag not in ("maxp", "head"):
            assert font.reader[tag] == before.reader[tag], tag
    assert font.getGlyphOrder() == before.getGlyphOrder()


def test_a_font_that_has_a_program_is_left_alone() -> None:
    patched = fonts.with_font_program(fontpkg.path("Noto Sans").read_bytes())
    assert fonts.with_font_program(patched) is patched


def test_faces_open_from_memory_and_measure_like_the_original() -> None:
    from PIL import ImageFont

    path, points = fonts.font_data("Noto Sans")
    assert isinstance(path, str) and path.startswith("/proc/self/fd/")  # one shared copy
    assert ord("é") in points and 0x1F600 not in points
    text = "Outcomes-based approaches, Ōxford and Zürich"
    ours = fonts.font("Noto Sans", 48, 600)
    theirs = ImageFont.truetype(str(fontpkg.path("Noto Sans")), 48)
    theirs.set_variation_by_axes([600 if a["name"] in (b"Weight", "Weight") else a["default"]
                                  for a in theirs.get_variation_axes()])
    assert ours.getlength(text) == theirs.getlength(text)
    assert ours.getmetrics() == theirs.getmetrics()


def test_each_family_comes_from_the_package_its_version_is_read_from() -> None:
    from importlib import resources

    assert set(fonts.PACKAGES) == set(FAMILIES)
    versions = {family: (version, files) for family, version, files in fonts.font_versions()}
    for family, package in fonts.PACKAGES.items():
        folder = Path(str(resources.files(package)))
        path = fonts.original_path(family)
        assert path == fontpkg.path(family)  # the file fontpkg's own registry would choose
        assert folder in path.parents
        version, files = versions[family]
        assert fontpkg.family(family).version == version
        assert (path.name, path.stat().st_size) in files


def test_without_an_in_memory_file_faces_open_from_the_patched_bytes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def refuse(*_: object) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "memfd_create", refuse)
    fonts.font_data.cache_clear()
    fonts.font.cache_clear()
    try:
        source, _points = fonts.font_data("Noto Sans")
        assert source == fonts.with_font_program(fontpkg.path("Noto Sans").read_bytes())
        text = "Outcomes-based approaches"
        from_bytes = fonts.font("Noto Sans", 40, 600).getmask(text)
    finally:
        fonts.font_data.cache_clear()
        fonts.font.cache_clear()
    # The same pixels as the faces opened from the shared in-memory file.
    assert bytes(fonts.font("Noto Sans", 40, 600).getmask(text)) == bytes(from_bytes)


needs_fallbacks = pytest.mark.skipif(
    not {("Noto Sans CJK KR", False), ("Noto Color Emoji", False)} <= set(system.faces()),
    reason="Debian's fonts-noto-cjk and fonts-noto-color-emoji are not installed")


@needs_fallbacks
@pytest.mark.parametrize("family", ["Noto Sans CJK JP", "Noto Sans CJK KR", "Noto Color Emoji"])
def test_a_face_of_a_collection_maps_what_fonttools_reads(family: str) -> None:
    face = system.faces()[(family, False)]
    with TTFont(str(face.path), fontNumber=face.index, lazy=True) as read:
        expected = read["cmap"].getBestCmap()
    assert fonts.codepoints(face.path.read_bytes(), face.index) == frozenset(expected)
    assert fonts.font_data(family)[1] == frozenset(expected)


@needs_fallbacks
def test_fontconfig_and_the_font_folders_find_the_same_faces() -> None:
    for (family, bold), face in system.faces().items():
        name, _, files = system.FALLBACKS[family]
        assert system._face_by_file(name, files[bold]) == face, (family, bold)
        font = fonts.font(family, 40, 700 if bold else 400)
        assert font.getname()[0] == name


@needs_fallbacks
def test_the_fallback_fonts_versions_are_their_head_revisions() -> None:
    versions = {family: version for family, version, _ in fonts.font_versions()}
    for (family, bold), face in system.faces().items():
        with TTFont(str(face.path), fontNumber=face.index, lazy=True) as read:
            revision = read["head"].fontRevision
        assert versions[f"{family} {'bold' if bold else 'regular'}"] == f"{revision:.3f}"
