"""What changed since the last build, on the review page: built twice with an edit between."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conftest import CASES
from helpers import fold
from recap_mailer.build import build_campaign
from recap_mailer.cli import main
from recap_mailer.preview.changes import WordDiff, changes, word_diff
from recap_mailer.preview.server import PreviewServer
from recap_mailer.render.templating import make_environment, render_template

#: The edits: a word of a session's summary, a word of a quote, and Instagram's cadence.
EDITS = (("autant que la dépense.", "autant que le budget."),
         ("elle brille, mais", "elle scintille, mais"),
         ('instagram: {cadence: "daily at 12:00"}', 'instagram: {cadence: "daily at 13:00"}'))


def apply(diff: WordDiff, old: str) -> str:
    """Apply a diff to the text it was made from, returning the new text (the check of it)."""
    out: list[str] = []
    at = 0
    for piece in diff.pieces:
        assert old.startswith(piece.old, at), f"the diff does not apply at character {at}"
        at += len(piece.old)
        out.append(piece.new)
    assert at == len(old), "the diff ends before the text does"
    return "".join(out)


def edit(folder: Path, edits: tuple[tuple[str, str], ...] = EDITS) -> None:
    """Make each edit in the campaign's recap.yaml, where its text is there once."""
    source = folder / "recap.yaml"
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    source.write_text(text, encoding="utf-8")


def build(folder: Path, out: Path) -> Path:
    """Build a campaign with the real command; return its output folder."""
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / folder.name


def section(out: Path) -> lxml.html.HtmlElement:
    page = lxml.html.fromstring((out / "preview.html").read_bytes())
    found = page.get_element_by_id("changes")
    assert found is not None
    return found


def words(elements: list[lxml.html.HtmlElement]) -> list[str]:
    return sorted(word for e in elements for word in e.text_content().split())


def built_twice(tmp: Path) -> Path:
    """Build a copy of the voices campaign, make the edits, and build it again."""
    folder = tmp / "voices"
    shutil.copytree(CASES["voices"], folder)
    build(folder, tmp / "out")
    edit(folder)
    return build(folder, tmp / "out")


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_twice(tmp_path_factory.mktemp("changes"))


def test_an_edit_lists_exactly_its_changes_in_the_email(edited: Path) -> None:
    email = section(edited).get_element_by_id("changes-email")
    assert words(email.findall(".//del")) == sorted(["brille,", "la", "dépense."])
    assert words(email.findall(".//ins")) == sorted(["scintille,", "le", "budget."])


def test_an_edit_lists_exactly_the_posts_of_the_edited_quote(edited: Path) -> None:
    posts = json.loads((edited / "posts.json").read_bytes())["posts"]
    quoted = {p["id"] for p in posts if p["quote_id"] == "ville-vitrine"}
    part = section(edited).get_element_by_id("changes-posts")
    assert not part.find_class("post-added") and not part.find_class("post-removed")
    changed = part.find_class("post-changed")
    assert {li.get("data-post") for li in changed} == quoted
    for li in changed:
        assert "brille," in words(li.findall(".//del"))
        assert "scintille," in words(li.findall(".//ins"))
        assert li.find(".//a").get("href") == f"#post-{li.get('data-post')}"


def test_an_edit_lists_exactly_the_moved_slots(edited: Path) -> None:
    slots = json.loads((edited / "schedule.json").read_bytes())["posts"]
    instagram = {s["id"] for s in slots if s["platform"] == "instagram"}
    part = section(edited).get_element_by_id("changes-schedule")
    assert not part.find_class("slot-added") and not part.find_class("slot-removed")
    moved = part.find_class("slot-moved")
    assert {li.get("data-slot") for li in moved} == instagram
    for li in moved:
        old, new = (e.text_content() for e in li.findall(".//time"))
        assert old.endswith("12:00 -04:00") and new.endswith("13:00 -04:00")
        assert old[:-12] == new[:-12]  # the same day


def test_an_unchanged_rebuild_says_nothing_changed(edited: Path, tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    shutil.copytree(CASES["voices"], folder)
    build(folder, tmp_path / "out")
    part = section(build(folder, tmp_path / "out"))
    assert fold(part.get_element_by_id("changes-nothing").text_content()) == \
        "Nothing changed since the last build."
    assert not part.findall(".//ins") and not part.findall(".//del")


def test_a_first_build_says_there_is_no_previous_build(tmp_path: Path) -> None:
    part = section(build(CASES["voices"], tmp_path / "out"))
    assert "no previous build" in part.get_element_by_id("changes-first").text_content()
    assert part.get("id") == "changes" and not part.findall(".//ins")


def test_an_added_and_a_removed_post_and_slot(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    shutil.copytree(CASES["voices"], folder)
    before = json.loads((build(folder, tmp_path / "out") / "posts.json").read_bytes())["posts"]
    gone = {p["id"] for p in before if p["platform"] == "instagram"}
    assert gone
    # Instagram off: its posts and their slots are removed; nothing else is.
    on, off = '    instagram:\n      close:', '    instagram:\n      enabled: false\n      close:'
    edit(folder, ((on, off),))
    part = section(build(folder, tmp_path / "out"))
    assert {li.get("data-post") for li in part.find_class("post-removed")} == gone
    assert {li.get("data-slot") for li in part.find_class("slot-removed")} == gone
    assert not part.find_class("post-added") and not part.find_class("post-changed")
    assert not part.find_class("slot-added") and not part.find_class("slot-moved")
    # And back: the same posts and slots come back as added.
    edit(folder, ((off, on),))
    part = section(build(folder, tmp_path / "out"))
    assert {li.get("data-post") for li in part.find_class("post-added")} == gone
    assert {li.get("data-slot") for li in part.find_class("slot-added")} == gone
    assert not part.find_class("post-removed") and not part.find_class("slot-removed")


def test_changed_text_is_escaped() -> None:
    env = make_environment(CASES["minimal"])
    found = changes({"email.txt": b"Say <b>hello</b> & bye"},
                    {"email.txt": b"Say <script>alert(1)</script> & bye"})
    html = render_template(env, "partials/preview-changes.html", changes=found,
                           platform_labels={})
    assert "<script>" not in html and "<b>" not in html
    part = lxml.html.fromstring(html)
    assert words(part.findall(".//ins")) == ["<script>alert(1)</script>"]
    assert words(part.findall(".//del")) == ["<b>hello</b>"]
    # The parts the last build had no file for say so, rather than "nothing changed".
    assert "no posts.json" in part.get_element_by_id("changes-posts").text_content()


def test_a_spoiled_file_of_the_last_build_is_not_compared() -> None:
    found = changes({"posts.json": b"\xff not json", "schedule.json": b'{"format": 1}'},
                    {"posts.json": b'{"format": 1, "posts": []}'})
    assert found.previous and found.posts is None and found.schedule is None


def test_excerpts_keep_a_few_words_around_each_change() -> None:
    old = " ".join(f"w{i}" for i in range(100))
    new = old.replace("w50", "CHANGED").replace("w90", "OTHER")
    excerpts = word_diff(old, new).excerpts(context=3)
    shown = ["".join(p.text for p in e.pieces) for e in excerpts]
    assert shown == [" w47 w48 w49 w50 CHANGED w51 w52 w53 ",
                     " w87 w88 w89 w90 OTHER w91 w92 w93 "]
    assert all(e.cut_before and e.cut_after for e in excerpts)
    # Changes closer than twice the context are one excerpt.
    assert len(word_diff(old, old.replace("w50", "X").replace("w54", "Y")).excerpts(3)) == 1


def test_spacing_alone_is_no_change() -> None:
    diff = word_diff("one two\nthree  four", "one\ntwo three four")
    assert not diff.changed and apply(diff, "one two\nthree  four") == "one\ntwo three four"


# Texts from a few words and kinds of spacing, so two texts share much and differ some.
_words = st.sampled_from(["a", "b", "cat", "dog", "é", "日本", "<i>", "&"])
_texts = st.lists(_words | st.sampled_from(
    [" ", "  ", "\n", "\n\n", "\t", "\u00a0"]), max_size=40).map("".join)


@given(_texts, _texts)
def test_applying_the_word_diff_to_the_old_text_gives_the_new(old: str, new: str) -> None:
    diff = word_diff(old, new)
    assert apply(diff, old) == new
    assert "".join(p.old for p in diff.pieces) == old
    # A kept piece differs at most in its spacing; a change is a word added or removed.
    for piece in diff.pieces:
        if piece.kind == "same":
            assert piece.old.split() == piece.new.split()
    assert diff.changed == (old.split() != new.split())
    # Every word added or removed is in an excerpt, once and in order.
    excerpted = [p for e in diff.excerpts(2) for p in e.pieces if p.kind != "same"]
    assert excerpted == [p for p in diff.pieces if p.changes_words]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[PreviewServer, Path]]:
    folder = tmp_path / "live"
    shutil.copytree(CASES["minimal"], folder)
    server = PreviewServer(folder, lambda d, seen: build_campaign(d, previous=seen).files,
                           port=0)
    server.start()  # stop() waits for the serving loop to end
    yield server, folder
    server.stop()


def test_the_live_preview_compares_with_the_last_good_build(live) -> None:
    server, folder = live
    page = lambda: server.state.files["preview.html"].decode("utf-8")  # noqa: E731
    assert 'id="changes-first"' in page()
    source = folder / "recap.yaml"
    text = source.read_text(encoding="utf-8")
    assert text.count("summary: Ada spoke.") == 1
    word = "spoke."
    generation = server.state.generation
    source.write_text(text.replace("summary: Ada spoke.", "summary: Ada Edited"),
                      encoding="utf-8")
    wait_for(lambda: server.state.generation > generation)
    email = lxml.html.fromstring(page()).get_element_by_id("changes-email")
    assert (words(email.findall(".//del")), words(email.findall(".//ins"))) == ([word], ["Edited"])
    # A broken source keeps the last good build; the next good one is compared with that.
    generation = server.state.generation
    source.write_text("{broken", encoding="utf-8")
    wait_for(lambda: server.state.generation > generation and server.state.error is not None)
    generation = server.state.generation
    source.write_text(text, encoding="utf-8")
    wait_for(lambda: server.state.generation > generation and server.state.error is None)
    email = lxml.html.fromstring(page()).get_element_by_id("changes-email")
    assert (words(email.findall(".//del")), words(email.findall(".//ins"))) == (["Edited"], [word])
