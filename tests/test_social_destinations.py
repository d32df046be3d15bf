"""Posts as the places they go take them: schedulers' files, hashtags, credits, images."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES
from recap_mailer.build import build_campaign, load_campaign
from recap_mailer.cli import main
from recap_mailer.model import Campaign, Person, PlatformSettings, Quote, Social
from recap_mailer.social.exports import buffer_files, hootsuite_files
from recap_mailer.social.framing import FORMULA_START
from recap_mailer.social.posts import compose_posts
from recap_mailer.social.schedule import plan_schedule


@pytest.fixture(scope="module")
def minimal() -> Campaign:
    return load_campaign(CASES["minimal"]).campaign


def _campaign(base: Campaign, text: str, platforms: tuple[str, ...],
              hashtags: tuple[str, ...] = (), **person: object) -> Campaign:
    speaker = replace(base.sessions[0].speakers[0], **person) if person \
        else base.sessions[0].speakers[0]
    quote = Quote(id="q", text=text, speaker=speaker, session=base.sessions[0], priority=1)
    settings = tuple(PlatformSettings(p) for p in platforms)
    event = replace(base.event, hashtags=hashtags) if hashtags else base.event
    return replace(base, event=event, quotes=(quote,), social=Social(platforms=settings))


def _cells(files: dict[str, bytes], column: int) -> list[str]:
    cells = []
    for name, data in files.items():
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        cells += [row[column] for row in rows[1 if name.startswith("buffer/") else 0:]]
    return cells


_RISKY = st.sampled_from(["-", "+", "=", "@", "-- ", "@all ", "=SUM(A1) ", "+44 "])
_SENTENCE = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=20,
                    max_size=140).map(lambda s: " ".join(s.split()) or "words")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_RISKY, _SENTENCE), min_size=2, max_size=8))
def test_no_post_or_part_starts_like_a_formula_and_csv_cells_are_the_posts(
        minimal: Campaign, sentences: list[tuple[str, str]]) -> None:
    # Sentences that start with - + = @ make thread parts that would, unless composed not to.
    text = "Opening words here. " + " ".join(f"{risk}{words}." for risk, words in sentences)
    campaign = _campaign(minimal, text, ("x", "bluesky", "mastodon", "threads", "linkedin"))
    posts = compose_posts(campaign)
    for post in posts:
        assert not post.copy_text.startswith(FORMULA_START), post.copy_text
        if post.single is not None:
            assert not post.single.startswith(FORMULA_START)
    slots = plan_schedule(campaign, posts)
    whole = {p.whole_text for p in posts if p.whole_text is not None}
    buffer = _cells(buffer_files(campaign, slots), 0)
    hootsuite = _cells(hootsuite_files(slots), 1)
    assert sorted(buffer) == sorted(p.whole_text for p in posts if p.whole_text is not None)
    assert set(hootsuite) <= whole  # the very text composed: never a ' added
    assert len(buffer) == len({(p.platform, p.quote_id) for p in posts})


def test_a_tag_the_quote_carries_is_not_added_again(minimal: Campaign) -> None:
    campaign = _campaign(minimal, "We came for #soc23 and stayed for the people.", ("x",),
                         hashtags=("SOC23", "Outcomes"))
    (post,) = compose_posts(campaign)
    assert post.text.count("#soc23") == 1 and "#SOC23" not in post.text
    assert "#Outcomes" in post.text


def test_x_carries_two_hashtags_and_the_check_names_those_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "tags"
    folder.mkdir()
    text = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    text = text.replace("  short_name: MIN\n", "  short_name: MIN\n  hashtags: [One, Two, Three]\n")
    text += ("quotes:\n  - {id: q1, speaker: ada, session: talk, text: Engines weave numbers.}\n"
             "social: {platforms: {x: {}, linkedin: {max_hashtags: 1}, bluesky: {}}}\n")
    (folder / "recap.yaml").write_text(text, encoding="utf-8")
    build = build_campaign(folder)
    by = {p.platform: p.text for p in build.posts}
    assert "#One #Two" in by["x"] and "#Three" not in by["x"]
    assert "#One" in by["linkedin"] and "#Two" not in by["linkedin"]
    assert "#One #Two #Three" in by["bluesky"]
    messages = [f.message for f in build.findings if f.check == "posts"]
    assert ("X posts leave out #Three: at most 2 hashtags a post; set "
            "social.platforms.x.max_hashtags to change it") in messages
    assert ("LinkedIn posts leave out #Two, #Three: at most 1 hashtag a post; set "
            "social.platforms.linkedin.max_hashtags to change it") in messages


def test_one_post_before_a_thread_the_affiliation_goes_first(minimal: Campaign) -> None:
    # Fits X whole only once the (long) affiliation is dropped: one post, not a thread.
    words = "Numbers can weave patterns as a loom weaves flowers and leaves. " * 3
    long_org = "The Society for the Study of Engines, Looms and Everything In Between"
    campaign = _campaign(minimal, words.strip(), ("x",), affiliation=long_org)
    posts = compose_posts(campaign)
    assert len(posts) == 1
    assert "— Ada Lovelace, at " in posts[0].text and long_org not in posts[0].text


def test_a_thread_goes_to_buffer_as_one_trimmed_post(minimal: Campaign) -> None:
    words = " ".join(f"Sentence number {i} says something worth hearing today." for i in range(12))
    campaign = _campaign(minimal, words, ("x",))
    posts = compose_posts(campaign)
    assert len(posts) > 1 and posts[0].single is not None
    single = posts[0].single
    assert single.startswith("“Sentence number 0") and "…”" in single
    assert "— Ada Lovelace" in single and posts[0].link in single
    assert posts[0].single_length <= 280
    (cell,) = _cells(buffer_files(campaign, plan_schedule(campaign, posts)), 0)
    assert cell == single


def _minimal_with(folder: Path, added: str) -> Path:
    """Copy the minimal campaign to ``folder`` with ``added`` YAML at the end of its source."""
    shutil.copytree(CASES["minimal"], folder)
    source = folder / "recap.yaml"
    source.write_text(source.read_text(encoding="utf-8") + added, encoding="utf-8")
    return folder


def test_instagram_without_image_addresses_is_a_finding_at_the_key(tmp_path: Path) -> None:
    folder = _minimal_with(tmp_path / "insta",
                           "quotes:\n  - {id: q1, speaker: ada, session: talk, text: Looms.}\n"
                           "social: {platforms: {instagram: {}}}\n")
    messages = [f.message for f in build_campaign(folder).findings if f.check == "schedule"]
    assert messages == ["Instagram cannot post without an image, and its 1 posts in the "
                        "schedulers' files have none: set schedule.image_base_url to where "
                        "out/<slug>/cards/ will be published"]


def test_a_link_in_a_quote_is_the_speakers_words_not_a_tracking_finding(tmp_path: Path) -> None:
    folder = _minimal_with(tmp_path / "quoted-link",
                           "quotes:\n  - {id: q1, speaker: ada, session: talk, text: 'Read it "
                           "all at https://example.org/notes, every word.'}\n")
    result = CliRunner().invoke(main, ["check", "--strict", str(folder)])
    assert "links (well formed, https:, tracked): ok" in result.output
    assert result.exit_code == 0, result.output


def test_the_sample_credits_keep_the_name(minimal: Campaign) -> None:
    person = Person(id="m", name="Mark Considine", honorific="Professor",
                    affiliation="University of Melbourne")
    from recap_mailer.model import Handles

    campaign = _campaign(minimal, "Steering, not rowing.", ("x", "linkedin"),
                         **{"name": person.name, "honorific": person.honorific,
                            "affiliation": person.affiliation,
                            "handles": Handles(x="@markconsidine", linkedin="mark-considine")})
    by = {p.platform: p.text for p in compose_posts(campaign)}
    assert "— Professor Mark Considine (@markconsidine), University of Melbourne" in by["x"]
    assert "mark-considine" not in by["linkedin"]
    assert "Professor Mark Considine (University of Melbourne)" in by["linkedin"]
