"""The bad inputs of shared/reference/safety.md, one test (or case) each, named after the item.

Items covered elsewhere: malformed YAML, wrong types, unknown keys, duplicate ids and unknown
references (test_validate.py); impossible dates and time zones (test_validate.py); huge
sources and aliases (test_source.py); CSS @import, <link>, file:// (test_offline.py);
header values and long subjects (test_message.py); SMTP (test_smtp.py); atomic outputs and
unsafe output names (test_outputs.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import CASES
from helpers import Page
from recap_mailer.build import build_campaign
from recap_mailer.errors import SourceError
from recap_mailer.format.kinds import link_problem
from recap_mailer.format.source import parse_source
from recap_mailer.format.validate import validate
from recap_mailer.render import email as render_email
from recap_mailer.render import markdown


def campaign_from(tmp_path: Path, old: str, new: str, name: str = "case") -> Path:
    """Copy the minimal campaign with one replacement in its source."""
    folder = tmp_path / name
    shutil.copytree(CASES["minimal"], folder)
    source = folder / "recap.yaml"
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    source.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "&#106;avascript:alert(1)",
    " javascript:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>x</script>",
    "vbscript:msgbox(1)", "//evil.example/x", "http://example.org/", "file:///etc/passwd",
    "https://user:pass@example.org/", "https:///nohost", "mailto:not-an-address",
    "https://example.org/<script>",
])
def test_links_other_than_https_and_mailto_are_rejected(link: str) -> None:
    assert link_problem(link) is not None


@pytest.mark.parametrize("link", ["https://example.org/a?b=1&c=2#d", "mailto:a@example.org"])
def test_https_and_mailto_links_are_accepted(link: str) -> None:
    assert link_problem(link) is None


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)",
                                  "data:text/html;base64,PHNjcmlwdD4=", "http://example.org/"])
def test_bad_links_inside_markdown_are_rejected_with_their_place(tmp_path: Path,
                                                                 link: str) -> None:
    folder = campaign_from(tmp_path, "summary: Ada spoke.", f"summary: '[x]({link})'")
    with pytest.raises(SourceError) as exc:
        build_campaign(folder)
    [diagnostic] = exc.value.diagnostics
    lines = (folder / "recap.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("    summary:"))
    assert (diagnostic.line, diagnostic.col) == (line, 14)
    assert diagnostic.message.startswith("sessions[0].summary: a link must start with https:")


@pytest.mark.parametrize(("raw", "forbidden"), [  # "after." is lost only after an unclosed <math>
    ("<img src=x onerror=alert(1)>", ["<img", "onerror"]),
    ("<svg><set attributeName=onmouseover to=alert(1)/></svg>", ["<svg", "<set", "onmouseover"]),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", ["<math", "<img",
                                                                          "onerror", "<style"]),
    ("<style>@import url(https://evil.example/x.css);</style>", ["<style", "@import", "evil"]),
    ("<a href=\"javascript:alert(1)\">x</a>", ["javascript"]),
    ("<iframe src=https://evil.example></iframe>", ["<iframe", "evil"]),
    ("<p onclick=alert(1)>hi</p>", ["onclick"]),
])
def test_raw_html_in_markdown_is_sanitised(raw: str, forbidden: list[str]) -> None:
    html = markdown.to_html(f"Before {raw} after.")
    for word in forbidden:
        assert word not in html
    assert "Before" in html
    assert "after." in html or raw.startswith("<math>")


def test_raw_html_in_markdown_warns_the_author(tmp_path: Path) -> None:
    folder = campaign_from(tmp_path, "summary: Ada spoke.", "summary: 'Ada <b>spoke</b>.'")
    [warning] = build_campaign(folder).warnings
    assert warning.message == ("sessions[0].summary: contains raw HTML; only simple formatting "
                               "tags are kept")


def test_deeply_nested_markup_is_rejected_before_the_mjml_engine(tmp_path: Path) -> None:
    deep = "<blockquote>" * 150 + "x" + "</blockquote>" * 150
    folder = campaign_from(tmp_path, "summary: Ada spoke.", f"summary: '{deep}'")
    with pytest.raises(SourceError) as exc:
        build_campaign(folder)
    assert [d.message for d in exc.value.diagnostics] == [
        "markup is nested more than 100 levels deep; refusing to render it"]


def test_deeply_nested_markdown_quotes_render_safely(tmp_path: Path) -> None:
    # markdown-it caps nesting itself; what comes out must still render.
    folder = campaign_from(tmp_path, "summary: Ada spoke.", "summary: '" + ">" * 500 + " x'")
    html = build_campaign(folder).email.html
    assert html.startswith("<!DOCTYPE html>")


def test_a_million_sessions_are_refused_with_a_clear_message() -> None:
    text = "sessions:\n" + "  - {}\n" * 1001
    source = parse_source("version: 1\n" + text)
    with pytest.raises(SourceError) as exc:
        validate(source, "x")
    assert "recap.yaml:3:3: error: sessions: has 1001 items; the most allowed is 1000" in [
        d.format() for d in exc.value.diagnostics]


def test_script_quotes_ampersands_and_angle_brackets_are_escaped_everywhere() -> None:
    build = build_campaign(CASES["awkward"])
    page = Page(build.email.html)
    assert not [t for t, _ in page.elements if t == "script"]
    assert "<script>alert(1)</script>" in page.text  # shown as text, never run
    text = build.files["email.txt"].decode("utf-8")
    # Plain text is plain: what the source says, not entities (the subject's own "&amp;" stays).
    assert "plus kept & 5 < 6." in text
    assert "&lt;" not in text and "&#" not in text


def test_attribute_breaking_title_never_becomes_an_attribute() -> None:
    page = Page(build_campaign(CASES["awkward"]).email.html)
    for _, attrs in page.elements:
        assert "onmouseover" not in attrs and "onerror" not in attrs and "onfocus" not in attrs
    alts = [img["alt"] for img in page.all("img")]
    assert alts == ['" onerror="alert(1)']


def test_emoji_cjk_right_to_left_and_combining_marks_come_through() -> None:
    build = build_campaign(CASES["awkward"])
    for output in (Page(build.email.html).text, build.files["email.txt"].decode("utf-8")):
        for piece in ("👩🏽‍💻🇨🇦", "山田 太郎", "مريم العربي", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǒ", "é"):
            assert piece in output, piece


def test_mjml_that_fails_to_parse_names_the_template(tmp_path: Path) -> None:
    folder = campaign_from(tmp_path, "Ada spoke.", "Ada spoke.")
    (folder / "templates").mkdir()
    template = folder / "templates" / "email.mjml"
    template.write_text("<mjml><mj-body><mj-section><mj-column><mj-text>{{ event.name }}"
                        "</mj-column></mj-section></mj-body></mjml>\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        build_campaign(folder)
    [diagnostic] = exc.value.diagnostics
    assert diagnostic.path.endswith("templates/email.mjml")
    assert diagnostic.message.startswith("MJML: ")
    assert "position" not in diagnostic.message or "rendered line" in diagnostic.message


def test_mjml_engine_panic_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # pyo3's PanicException derives from BaseException; it must not escape as a traceback.
    panic = type("PanicException", (BaseException,), {})
    monkeypatch.setattr(render_email.mjml, "mjml2html",
                        lambda *a, **k: (_ for _ in ()).throw(panic("not yet implemented")))
    with pytest.raises(SourceError) as exc:
        build_campaign(CASES["minimal"])
    assert [d.message for d in exc.value.diagnostics] == [
        "MJML engine failed: not yet implemented"]


def test_no_remote_fonts_or_resources_unless_configured() -> None:
    for case in CASES.values():
        html = build_campaign(case).email.html
        assert "fonts.googleapis" not in html and "mailjet.com" not in html
        srcs = [img["src"] for img in Page(html).all("img")]
        assert all((src or "").startswith("https://example.org/") for src in srcs)


@pytest.mark.parametrize("slug", ["../../x", "/abs", "nul\x00", "x" * 300, "Upper Case"])
def test_slugs_from_user_text_stay_inside_the_output_folder(tmp_path: Path, slug: str) -> None:
    from click.testing import CliRunner

    from recap_mailer.cli import main
    result = CliRunner().invoke(main, ["new", slug, "--campaigns", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert list(tmp_path.rglob("*")) == []


def test_duplicate_slugs_in_one_build_are_refused(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from recap_mailer.cli import main
    first = campaign_from(tmp_path / "a", "Ada spoke.", "Ada spoke.", name="same")
    second = campaign_from(tmp_path / "b", "Ada spoke.", "Ada spoke.", name="same")
    result = CliRunner().invoke(main, ["build", str(first), str(second),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "would both build into" in result.output
    assert not (tmp_path / "out").exists()


def test_recap_source_that_is_a_folder_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "odd" / "recap.yaml").mkdir(parents=True)
    with pytest.raises(SourceError) as exc:
        build_campaign(tmp_path / "odd")
    assert [d.format() for d in exc.value.diagnostics] == [
        f"{tmp_path / 'odd' / 'recap.yaml'}: error: cannot read the recap source: "
        "it is a folder, not a regular file"]


@pytest.mark.parametrize("value", ["nan", "-1", "0", "inf"])
def test_smtp_timeout_must_be_a_positive_number(value: str, tmp_path: Path) -> None:
    from recap_mailer.send.settings import SmtpError, load_smtp_settings

    with pytest.raises(SmtpError, match="SMTP timeout must be a positive number of seconds"):
        load_smtp_settings({"RECAP_SMTP_HOST": "127.0.0.1", "RECAP_SMTP_TIMEOUT": value,
                            "XDG_CONFIG_HOME": str(tmp_path)})


def test_a_source_date_epoch_past_year_9999_does_not_crash(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999999999")
    assert build_campaign(CASES["minimal"]).files["email.html"].startswith(b"<!DOCTYPE html>")
