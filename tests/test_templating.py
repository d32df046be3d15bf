"""Jinja's bytecode cache in the user's cache folder: used, checked against the source, optional."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recap_mailer.render import templating


@pytest.fixture
def theme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    campaign = tmp_path / "campaign"
    (campaign / "templates").mkdir(parents=True)
    (campaign / "templates" / "hello.txt").write_text("Hello {{ who }}!\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    templating._environment.cache_clear()
    yield campaign
    templating._environment.cache_clear()


def _render(campaign: Path) -> str:
    return templating.render_template(templating.make_environment(campaign), "hello.txt",
                                      who="Ada")


def _refuse_compiling(monkeypatch: pytest.MonkeyPatch, campaign: Path) -> None:
    env = templating.make_environment(campaign)

    def compile_refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again although the cache holds it")
    monkeypatch.setattr(env, "compile", compile_refused)


def test_a_new_process_loads_compiled_templates_from_the_cache(
        theme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _render(theme) == "Hello Ada!\n"
    folder = tmp_path / "xdg" / "recap-mailer" / "jinja"
    assert [p.suffix for p in folder.iterdir()] == [".cache"]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    templating._environment.cache_clear()  # what a new process starts with
    _refuse_compiling(monkeypatch, theme)
    assert _render(theme) == "Hello Ada!\n"


def test_an_edited_template_is_compiled_again(theme: Path) -> None:
    assert _render(theme) == "Hello Ada!\n"
    (theme / "templates" / "hello.txt").write_text("Goodbye {{ who }}.\n", encoding="utf-8")
    templating._environment.cache_clear()
    assert _render(theme) == "Goodbye Ada.\n"


def test_a_cache_folder_that_cannot_be_made_is_no_error(
        theme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not-a-folder").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    assert _render(theme) == "Hello Ada!\n"
    assert templating._bytecode_cache(str(tmp_path / "not-a-folder")) is None


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_folder_others_may_write_to_is_never_used(tmp_path: Path) -> None:
    folder = tmp_path / "shared" / "recap-mailer" / "jinja"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert templating._bytecode_cache(str(tmp_path / "shared")) is None
    folder.chmod(0o700)
    assert templating._bytecode_cache(str(tmp_path / "shared")) is not None


def test_a_cache_folder_gone_before_writing_only_costs_compiling(
        theme: Path, tmp_path: Path) -> None:
    templating.make_environment(theme)  # the cache folder is made with the environment
    folder = tmp_path / "xdg" / "recap-mailer" / "jinja"
    folder.rmdir()
    assert _render(theme) == "Hello Ada!\n"
    assert not folder.exists()
