"""Whatever the post template and the team's words, posts keep their limits and their quote.

Each example writes a random post template (pieces in any order, words in several scripts,
any optional pieces in any order), random leads and closes and a quote of many clauses, and
composes the posts of one platform. X's and Bluesky's posts are then counted by twitter-text
and by the Bluesky app's own code (tests/node), not by ours.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES
from recap_mailer.build import load_campaign
from recap_mailer.model import PlatformSettings, Quote, Social, Words
from recap_mailer.render.templating import make_environment
from recap_mailer.social.counting import utf8_bytes
from recap_mailer.social.fitting import CLAUSE, CLOSE, ELLIPSIS, OPEN, cut_points
from recap_mailer.social.framing import FORMULA_START
from recap_mailer.social.platforms import RULES
from recap_mailer.social.posts import compose_posts
from recap_mailer.social.voice import OPTIONAL, load_post_templates
from reference import run_node

_WORDS = ["city", "voice", "ville", "écoute", "ciudad", "datos", "町", "言葉", "مدينة",
          "صوت", "शहर", "भाषा", "🎙", "👩🏽‍💻", "open", "data", "#Civic", "naïve"]
_PIECES = ["{{ lead }}", "{{ close }}", "{{ name }}", "{{ affiliation }}", "{{ credit }}",
           "— {{ credit }}{% if where %}, at {{ where }}{% endif %}", "{{ session }}",
           "{{ event }}", "{{ hashtags }}", "{{ link }}", "{{ link_label }}: {{ link }}", "",
           "Écoutez :", "聞いてください", "اسمعوا", "🎙 {{ name }}"]
_QUOTE_LINES = ["{{ quote }}", "Heard: {{ quote }}", "{{ quote }} ✨", "「{{ quote }}」"]

_phrase = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join)
#: Team's words: a few words, never starting as a formula (the source refuses those).
_words = st.one_of(st.just(""), _phrase.map(lambda t: t[:40].strip()))
_clause = st.lists(st.sampled_from(_WORDS), min_size=2, max_size=9).map(" ".join)
_quote = st.lists(st.tuples(_clause, st.sampled_from([", ", "; ", ". ", "! "])),
                  min_size=1, max_size=25).map(
    lambda parts: "".join(c + p for c, p in parts).strip())


@st.composite
def _template(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(_PIECES), max_size=8))
    lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(_QUOTE_LINES)))
    optional = draw(st.permutations(OPTIONAL))[: draw(st.integers(0, len(OPTIONAL)))]
    header = f"{{% set optional = {list(optional)!r} %}}\n" if draw(st.booleans()) else ""
    return header + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def minimal():
    return load_campaign(CASES["minimal"]).campaign


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(template=_template(), platform=st.sampled_from(sorted(RULES)), lead=_words,
       close=_words, text=_quote)
def test_no_post_passes_its_limit_and_the_quote_is_whole_or_cut_at_a_clause(
        minimal, template: str, platform: str, lead: str, close: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        posts_folder = Path(folder, "templates", "posts")
        posts_folder.mkdir(parents=True)
        (posts_folder / f"{platform}.txt").write_text(template, encoding="utf-8")
        templates = load_post_templates(make_environment(Path(folder)), [platform])
    session = minimal.sessions[0]
    quote = Quote(id="q", text=text, speaker=session.speakers[0], session=session,
                  lead=Words(all=lead or None), close=Words(all=close or None))
    campaign = replace(minimal, quotes=(quote,),
                       event=replace(minimal.event, hashtags=("MIN", "Civic")),
                       social=Social((PlatformSettings(platform),)))
    posts = compose_posts(campaign, templates)
    rules = RULES[platform]
    for post in posts:
        assert rules.count(post.copy_text) <= post.limit
        assert rules.byte_limit is None or utf8_bytes(post.text) <= rules.byte_limit
        assert not post.copy_text.startswith(FORMULA_START)
    if len(posts) == 1:
        _assert_whole_or_cut_at_a_clause(posts[0].copy_text, text)
    else:
        # A thread shows the quote whole, part after part, in order.
        shown = [text[slice(*p.quote_span)] for p in posts if p.quote_span]
        assert " ".join(shown).split() == text.split()
        assert posts[0].single is not None
        assert rules.count(posts[0].single) <= posts[0].limit
        _assert_whole_or_cut_at_a_clause(posts[0].single, text)
    if platform in ("x", "bluesky"):
        _assert_the_platform_agrees(platform, posts)


def _assert_whole_or_cut_at_a_clause(post: str, text: str) -> None:
    if f"{OPEN}{text}{CLOSE}" in post:
        return
    start = post.index(OPEN) + 1
    end = post.index(f"{ELLIPSIS}{CLOSE}", start)
    kept = post[start:end].rstrip()
    assert text.startswith(kept) and kept, (post, text)
    assert cut_points(text).get(len(kept), -1) >= CLAUSE, (kept, text)


def _assert_the_platform_agrees(platform: str, posts) -> None:
    if platform == "x":
        answers = run_node("x_count.js", [p.text for p in posts])
        assert [a["weightedLength"] for a in answers] == [p.length for p in posts]
        assert all(a["valid"] for a in answers)
    else:
        answers = run_node("bsky_count.js", {"texts": [p.copy_text for p in posts],
                                             "urls": []})["posts"]
        assert [a["graphemeLength"] for a in answers] == [p.length for p in posts]
        assert [a["text"] for a in answers] == [p.text for p in posts]
        assert all(a["graphemeLength"] <= 300 and a["bytes"] <= 3000 for a in answers)
