"""Every input is read as a regular file under a size cap: never a hang, never unbounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recap_mailer.errors import SourceError
from recap_mailer.inputs import decode_utf8, read_input


def messages(exc: pytest.ExceptionInfo[SourceError]) -> list[str]:
    return [d.format() for d in exc.value.diagnostics]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "recap.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SourceError) as exc:
        read_input(fifo, "the recap source", 1000)
    assert messages(exc) == [
        f"{fifo}: error: cannot read the recap source: it is a named pipe (FIFO), "
        "not a regular file"]


def test_a_link_to_dev_zero_is_refused_as_a_device(tmp_path: Path) -> None:
    link = tmp_path / "page.html"
    link.symlink_to("/dev/zero")
    with pytest.raises(SourceError) as exc:
        read_input(link, "the page", 1000)
    assert messages(exc) == [
        f"{link}: error: cannot read the page: it is a character device, not a regular file"]


def test_a_link_leaving_its_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "smtp.toml"
    secret.write_text("password = 'x'\n")
    campaign = tmp_path / "campaign"
    campaign.mkdir()
    (campaign / "footer.txt").symlink_to(secret)
    with pytest.raises(SourceError) as exc:
        read_input(campaign / "footer.txt", "the template", 1000, inside=campaign)
    assert messages(exc) == [
        f"{campaign / 'footer.txt'}: error: cannot read the template: it is a link to a file "
        f"outside {campaign}; copy the file in instead"]


def test_a_link_inside_its_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello")
    (tmp_path / "b.txt").symlink_to("a.txt")
    assert read_input(tmp_path / "b.txt", "the template", 10, inside=tmp_path) == b"hello"


@pytest.mark.parametrize("size", [0, 1, 999, 1000])
def test_files_up_to_the_cap_are_read_whole(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * size)
    assert read_input(path, "the page", 1000) == b"x" * size


def test_a_file_over_the_cap_names_its_size(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(SourceError) as exc:
        read_input(path, "the page", 1000)
    assert messages(exc) == [f"{path}: error: the page is 1,001 bytes; the most it may be is 1,000"]


def test_a_bad_byte_is_located_at_its_line_and_column() -> None:
    with pytest.raises(SourceError) as exc:
        decode_utf8(b"a: 1\nbb: \xff\n", "p.yaml", "the recap source")
    assert messages(exc) == [
        "p.yaml:2:5: error: the recap source is not UTF-8 (byte 0xff); save it as UTF-8"]
