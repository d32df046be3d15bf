"""Reading the recap file: encodings, sizes, and YAML that cannot do harm."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recap_mailer.errors import SourceError
from recap_mailer.format import source as source_module
from recap_mailer.format.source import parse_source, read_source


def messages(exc: pytest.ExceptionInfo[SourceError]) -> list[str]:
    return [d.format() for d in exc.value.diagnostics]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as exc:
        read_source(tmp_path / "recap.yaml")
    path = tmp_path / "recap.yaml"
    assert messages(exc) == [
        f"{path}: error: cannot read the recap source: No such file or directory"]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "recap.yaml"
    path.write_bytes(b"version: 1\nname: caf\xe9\n")
    with pytest.raises(SourceError) as exc:
        read_source(path)
    assert messages(exc) == [
        f"{path}:2:10: error: the recap source is not UTF-8 (byte 0xe9); save it as UTF-8"]


def test_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "recap.yaml"
    path.write_bytes("\ufeffa: 1\n".encode())
    assert read_source(path).data == {"a": 1}


def test_huge_source_is_refused_before_parsing(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source_module, "MAX_SOURCE_BYTES", 1000)
    path = tmp_path / "recap.yaml"
    path.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_source(path)
    assert messages(exc) == [
        f"{path}: error: the recap source is 2,004 bytes; the most it may be is 1,000"]


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 12)]
    with pytest.raises(SourceError) as exc:
        parse_source("\n".join(lines) + "\n")
    assert all("anchors and aliases are not supported" in m for m in messages(exc))


def test_marks_point_at_values_and_keys() -> None:
    source = parse_source("email:\n  subject: Hi\nsessions:\n  - id: a\n")
    assert source.mark(("email", "subject")) == (2, 12)
    assert source.mark(("email", "subject"), key=True) == (2, 3)
    assert source.mark(("sessions", 0, "id")) == (4, 9)
    assert source.mark(("sessions", 5, "nothing")) == (4, 3)  # falls back to the list


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_fails_with_a_located_error(text: str) -> None:
    try:
        parse_source(text)
    except SourceError as exc:
        for diagnostic in exc.diagnostics:
            assert diagnostic.severity == "error"
            assert diagnostic.line >= 1 and diagnostic.col >= 1
            assert diagnostic.format().startswith("recap.yaml:")


def test_places_are_counted_as_an_editor_counts_lines() -> None:
    # YAML breaks lines at U+2028 and U+0085 too; an editor shows them inside a line.
    text = 'a: "one\u2028two"\nb: "three\x85four"\nc: [\n'
    with pytest.raises(SourceError) as caught:
        parse_source(text, "recap.yaml")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.col) == (4, 1)
    source = parse_source(text.removesuffix("c: [\n") + "c: 1\n", "recap.yaml")
    assert source.mark(("c",)) == (3, 4)
