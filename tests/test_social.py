"""Social posts: every post within its platform's count, and the fitting rules."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import CASES, SAMPLE
from recap_mailer.build import build_campaign, load_campaign
from recap_mailer.errors import SourceError
from recap_mailer.model import Campaign, Handles, Person, PlatformSettings, Quote, Social
from recap_mailer.social.counting import linkedin_length, utf8_bytes
from recap_mailer.social.fitting import CLOSE, ELLIPSIS, OPEN
from recap_mailer.social.framing import PostFitError
from recap_mailer.social.platforms import RULES, card_path
from recap_mailer.social.posts import (
    Post,
    compose_posts,
    posts_json,
)

ALL = tuple(PlatformSettings(p) for p in RULES)


@pytest.fixture(scope="module")
def builds() -> dict:
    return {case: build_campaign(path) for case, path in CASES.items()}


@pytest.fixture(scope="module")
def minimal() -> Campaign:
    return load_campaign(CASES["minimal"]).campaign


def _check_within_limit(post: Post) -> None:
    rules = RULES[post.platform]
    assert post.length == rules.count(post.copy_text)
    assert post.length <= post.limit, post.text
    if rules.byte_limit:
        assert utf8_bytes(post.text) <= rules.byte_limit


def test_sample_has_a_post_for_every_quote_on_every_platform_within_its_limit(builds) -> None:
    build = builds["soc23-day1"]
    posts = build.posts
    enabled = {s.platform for s in build.campaign.social.enabled}
    assert enabled == set(RULES)
    assert {(p.quote_id, p.platform) for p in posts} == {
        (q.id, platform) for q in build.campaign.quotes for platform in enabled}
    for post in posts:
        _check_within_limit(post)
    assert len({p.id for p in posts}) == len(posts)
    # Files: posts.json and a ready-to-copy text file per platform.
    assert sorted(n for n in build.files if n.startswith("posts")) == [
        "posts.json", *(f"posts/{p}.txt" for p in sorted(enabled))]
    data = json.loads(build.files["posts.json"])
    assert [d["id"] for d in data["posts"]] == [p.id for p in posts]


def test_post_fields(builds) -> None:
    post = next(p for p in builds["soc23-day1"].posts if p.platform == "x")
    data = post.as_json()
    assert set(data) >= {"id", "platform", "text", "length", "limit", "quote_id", "session_id",
                         "link", "image", "alt", "thread"}
    assert data["image"] == "cards/considine-steering-1600x900.png"
    assert data["alt"].startswith("Quote card: “(The) steering not rowing")
    assert data["alt"].endswith("— Professor Mark Considine, University of Melbourne, "
                                "at Social Outcomes Conference 2023")
    assert data["thread"] == {"part": 1, "parts": 1}


def test_links_carry_utm_naming_the_platform(builds) -> None:
    for post in builds["soc23-day1"].posts:
        query = parse_qs(urlsplit(post.link).query)
        assert query == {"utm_source": [post.platform], "utm_medium": ["social"],
                         "utm_campaign": ["soc23-day1"], "utm_content": [post.quote_id]}
        if post.platform == "instagram":
            assert "https://" not in post.text and "link in bio" in post.text
        elif post.part == post.parts:
            assert post.link in post.copy_text
            if post.facets is not None:  # Bluesky: the posted text links it in a facet
                assert post.link in [f.uri for f in post.facets]


def test_platform_habits(builds) -> None:
    posts = builds["awkward"].posts + builds["soc23-day1"].posts
    quotes = {q.id: q for case in ("awkward", "soc23-day1") for q in builds[case].campaign.quotes}
    for post in posts:
        tags = re.findall(r"(?:^|\s)#\w+", post.text)
        if post.platform == "instagram":
            assert len(tags) <= 5
        if post.platform == "threads":
            assert len(tags) <= 1
        if post.platform == "linkedin":
            # The hook: who spoke opens the post, before the "see more" fold, then the quote.
            speaker = quotes[post.quote_id].speaker
            assert post.text.startswith(speaker.display_name)
            assert OPEN + quotes[post.quote_id].text[:50] in post.text
    mastodon = [p for p in builds["awkward"].posts if p.platform == "mastodon"]
    assert any("@zoe@social.example.org" in p.text for p in mastodon)
    assert all("#CIC24 #Montréal" in p.text for p in mastodon if p.part == p.parts)


def test_card_names(minimal) -> None:
    assert card_path("q1", "x") == "cards/q1-1600x900.png"
    assert card_path("q1", "instagram") == "cards/q1-1080x1350.png"
    assert {card_path("q", p) for p in RULES} == {"cards/q-1600x900.png", "cards/q-1080x1350.png"}


def test_posts_json_escapes_line_separators_and_round_trips() -> None:
    post = Post(id="q-x-1", platform="x", text="a\u2028b\u2029c\x00\"", length=7, limit=280,
                unit="weighted", quote_id="q", session_id="s", link="https://e.org",
                image=None, alt=None)
    text = posts_json([post])
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text)["posts"][0]["text"] == post.text


# --- fitting --------------------------------------------------------------------------------

LONG = ("The first sentence sets the scene for everyone in the room. "
        "The second one, which runs on a little, adds a clause; and then another clause that "
        "keeps going, because speakers do. The third sentence is short. "
        "And the fourth sentence closes the thought with a flourish that nobody expected.")


def _with_quote(campaign: Campaign, text: str, platforms=ALL, speaker: Person | None = None,
                **session) -> Campaign:
    base = campaign.sessions[0]
    session_ = replace(base, **session)
    person = speaker or base.speakers[0]
    quote = Quote(id="q", text=text, speaker=person, session=session_, priority=1)
    return replace(campaign, quotes=(quote,), social=Social(platforms=tuple(platforms)))


def test_a_long_quote_becomes_a_numbered_thread_at_sentence_boundaries(minimal) -> None:
    posts = compose_posts(_with_quote(minimal, LONG * 2, [PlatformSettings("x")]))
    assert len(posts) > 2
    for i, post in enumerate(posts, start=1):
        _check_within_limit(post)
        assert post.text.endswith(f"\n{i}/{len(posts)}")
        assert (post.image is not None) == (i == 1)
    assert posts[0].text.startswith(OPEN)
    *body, last = posts
    assert all("example.org" not in p.text for p in body)
    assert "— Ada Lovelace" in last.text and last.link in last.text
    text = LONG * 2
    for post in posts:
        if post.quote_span:
            start, end = post.quote_span
            shown = text[start:end]
            assert shown in post.text
            assert shown.endswith((".", ",", ";")), shown  # sentence (or clause) boundaries
    _assert_covers(text, posts)


def test_linkedin_trims_at_a_sentence_or_clause_with_an_ellipsis(minimal) -> None:
    posts = compose_posts(_with_quote(minimal, LONG, [PlatformSettings("linkedin", limit=300)]))
    (post,) = posts
    assert post.trimmed
    start, end = post.quote_span
    assert start == 0 and LONG[:end] in post.text
    assert LONG[:end].endswith((".", ",", ";"))
    assert f"{LONG[:end]} {ELLIPSIS}{CLOSE}" in post.text
    assert linkedin_length(post.text) <= 300


def test_optional_parts_go_first(minimal) -> None:
    # The session title makes the post too long; it goes, the quote stays whole, and the
    # extra hashtag (dropped before the session) comes back, as there is room for it.
    campaign = _with_quote(minimal, "Short and sweet.", [PlatformSettings(
        "x", extra_hashtags=("OpenData",))], title="T" * 250)
    (post,) = compose_posts(campaign)
    assert "“Short and sweet.”" in post.text
    assert "T" * 20 not in post.text and "#OpenData" in post.text
    assert "MIN Day 1" in post.text
    roomy = _with_quote(minimal, "Short and sweet.", [PlatformSettings(
        "x", extra_hashtags=("OpenData",))])
    (post,) = compose_posts(roomy)
    assert "#OpenData" in post.text and "A talk" in post.text


def test_a_handle_joins_the_name_where_the_platform_links_it(minimal) -> None:
    ada = Person(id="ada", name="Ada Lovelace", affiliation="Analytical Engines",
                 handles=Handles(x="@ada", bluesky="@ada.bsky.social", linkedin="ada-l"))
    posts = compose_posts(_with_quote(minimal, "Hello.", speaker=ada))
    by = {p.platform: p.text for p in posts}
    assert "— Ada Lovelace (@ada), Analytical Engines, at " in by["x"]
    assert "— Ada Lovelace (@ada.bsky.social), Analytical Engines, at " in by["bluesky"]
    assert "— Ada Lovelace (Analytical Engines), at " in by["mastodon"]
    # LinkedIn has no mention written as text: the name alone, opening the post.
    assert by["linkedin"].startswith("Ada Lovelace (Analytical Engines), at ")
    assert "@" not in by["linkedin"].split("http")[0]


def test_an_impossible_post_is_a_source_error(minimal, tmp_path) -> None:
    # Bluesky shows a link's host whole: a host of 370 characters passes its 300.
    link = "https://" + ".".join(["a" * 60] * 6) + ".org/"
    with pytest.raises(PostFitError, match="quote 'q' on Bluesky"):
        compose_posts(_with_quote(minimal, "Hi.", [PlatformSettings("bluesky")], recording=link))
    campaign = tmp_path / "long-link"
    campaign.mkdir()
    source = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    source = source.replace("recap_url: https://example.org/recap", f"recap_url: {link}")
    source += ("quotes:\n  - {id: q, speaker: ada, session: talk, text: Hi.}\n"
               "social:\n  platforms:\n    bluesky: {}\n")
    (campaign / "recap.yaml").write_text(source, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build_campaign(campaign)
    (message,) = [d.format() for d in caught.value.diagnostics]
    assert re.search(r"recap\.yaml:\d+:\d+: error: quote 'q' on Bluesky: ", message)


# --- property tests ---------------------------------------------------------------------------

_WORDS = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'’-", min_size=1, max_size=12),
    st.text(alphabet="春眠不觉晓处闻啼鸟夜来风雨声花落知多少。，", min_size=1, max_size=8),
    st.text(alphabet="العلمنورمرحبابالعالم", min_size=1, max_size=8),
    st.sampled_from(["😷", "👩🏽\u200d💻", "🇨🇦", "e\u0301", "Z̤͔ͧ̑̓", "1\ufe0f\u20e3", "é", "ß",
                     "שּׁ", "«", "»", "&", "<b>", "—"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S")),
            min_size=1, max_size=6),
)
_PUNCT = st.sampled_from(["", "", "", ",", ";", ":", ".", "!", "?", "…", " —"])
_SPACE = st.sampled_from([" ", " ", " ", "\n", "\u00a0", "  "])


@st.composite
def _quotes(draw) -> str:
    many = draw(st.sampled_from([(1, 10), (10, 40)]))
    words = draw(st.lists(st.tuples(_WORDS, _PUNCT, _SPACE), min_size=many[0],
                          max_size=many[1]))
    # Repeating keeps generation cheap while reaching the 1000-character quotes.
    text = "".join(w + p + s for w, p, s in words) * draw(st.sampled_from([1, 3, 8]))
    return text.strip()[:1000].strip() or "x"


_NAME = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "Zs")),
                min_size=1, max_size=40).map(str.strip).filter(bool)
_HANDLES = st.builds(
    Handles,
    x=st.one_of(st.none(), st.from_regex(r"@[A-Za-z0-9_]{1,15}", fullmatch=True)),
    bluesky=st.one_of(st.none(), st.from_regex(r"@[a-z0-9]{1,20}\.bsky\.social", fullmatch=True)),
    mastodon=st.one_of(st.none(),
                       st.from_regex(r"@[a-z0-9_]{1,30}@[a-z0-9]{1,20}\.social", fullmatch=True)),
    threads=st.one_of(st.none(), st.from_regex(r"@[a-z0-9._]{1,30}", fullmatch=True)),
)
_LINKS = st.builds(lambda host, path: f"https://{host}.org/{path}",
                   st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True),
                   st.from_regex(r"[A-Za-z0-9_/-]{0,60}", fullmatch=True))
_TAGS = st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True), max_size=4)


def _assert_covers(text: str, posts) -> None:
    """The posts show the quote's words unchanged: in order, whole, or a prefix then an ellipsis."""
    spans = [p.quote_span for p in posts if p.quote_span]
    assert spans, "every quote shows at least a part of itself"
    assert spans[0][0] == 0
    for (_, end), (start, _) in pairwise(spans):
        assert text[end:start].strip() == "", "nothing but white space between two parts"
    trimmed = [p for p in posts if p.trimmed]
    if not trimmed:
        assert spans[-1][1] == len(text)
    for post in posts:
        if post.quote_span:
            start, end = post.quote_span
            assert text[start:end] in post.text
            assert text[start:end] == text[start:end].strip()
            if post.trimmed:
                shown = text[:end]
                assert f"{shown} {ELLIPSIS}" in post.text or f"{shown}{ELLIPSIS}" in post.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quote=_quotes(), name=_NAME, affiliation=st.one_of(st.none(), _NAME),
       handles=_HANDLES, link=_LINKS, tags=_TAGS, title=_NAME,
       limits=st.fixed_dictionaries({"mastodon": st.sampled_from([500, 150, 1000]),
                                     "linkedin": st.sampled_from([None, 300]),
                                     "instagram": st.sampled_from([None, 300])}))
def test_every_post_fits_and_keeps_the_quotes_words(minimal, quote, name, affiliation, handles,
                                                     link, tags, title, limits) -> None:
    # Smaller limits than the platforms' own (a small Mastodon server; LinkedIn and Instagram
    # cut short) make trimming and threads common.
    person = Person(id="p", name=name, affiliation=affiliation, handles=handles)
    platforms = [replace(s, extra_hashtags=tuple(tags), limit=limits.get(s.platform))
                 for s in ALL]
    campaign = _with_quote(minimal, quote, platforms, speaker=person, recording=link,
                           title=title)
    posts = compose_posts(campaign)
    assert {p.platform for p in posts} == set(RULES)
    for platform in RULES:
        mine = [p for p in posts if p.platform == platform]
        for post in mine:
            _check_within_limit(post)
        assert [p.part for p in mine] == list(range(1, len(mine) + 1))
        assert len(mine) == 1 or RULES[platform].threads
        event(f"{platform}: " + ("thread" if len(mine) > 1 else
                                 "trimmed" if mine[0].trimmed else "whole"))
        _assert_covers(quote.strip(), mine)
        alt = mine[0].alt
        assert alt and alt.startswith((f"Quote card: {OPEN}", OPEN))  # "Quote card:" goes first
        assert person.display_name in alt
        assert len(alt.encode("utf-16-le")) // 2 <= RULES[platform].alt_limit


def test_posts_and_their_schedule_never_read_a_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from recap_mailer import build as build_module
    from recap_mailer.build import load_campaign, plan_posts, plan_social
    from recap_mailer.social.exports import schedule_files
    from recap_mailer.social.posts import post_files
    from recap_mailer.social.schedule import build_clock

    loaded = load_campaign(SAMPLE)
    # From the whole campaign, summaries and all: the same as from the view without them.
    posts, slots = plan_posts(loaded)
    whole = {**post_files(posts), **schedule_files(loaded.campaign, slots,
                                                   build_clock(loaded.campaign))}
    assert plan_social(loaded) == (posts, slots, whole)
    # So editing a summary plans nothing again; editing a quote does.
    planned: list[int] = []
    real = build_module.compose_posts
    monkeypatch.setattr(build_module, "compose_posts",
                        lambda *given: planned.append(1) or real(*given))
    first = loaded.campaign.sessions[0]
    edited = replace(loaded.campaign, sessions=(replace(first, summary="Rewritten."),
                                                *loaded.campaign.sessions[1:]))
    assert plan_social(replace(loaded, campaign=edited)) == (posts, slots, whole)
    assert planned == []
    quote = loaded.campaign.quotes[0]
    requoted = replace(loaded.campaign, quotes=(replace(quote, text=quote.text + " Indeed."),
                                                *loaded.campaign.quotes[1:]))
    assert plan_social(replace(loaded, campaign=requoted)) != (posts, slots, whole)
    assert planned == [1]


def test_a_plan_is_not_kept_across_the_hour_that_clocks_go_back() -> None:
    from dataclasses import replace
    from datetime import datetime

    from recap_mailer.build import load_campaign, plan_social

    loaded = load_campaign(SAMPLE)
    zone = loaded.campaign.event.timezone
    # 01:30 on 29 October 2023 happens twice in London: BST first, then GMT.
    first = datetime(2023, 10, 29, 1, 30, tzinfo=zone)
    second = first.replace(fold=1)
    assert first == second and first.utcoffset() != second.utcoffset()
    plans = []
    for moment in (first, second):
        email = replace(loaded.campaign.email, send_at=moment)
        campaign = replace(loaded.campaign, email=email,
                           schedule=replace(loaded.campaign.schedule, start=None))
        _, slots, _ = plan_social(replace(loaded, campaign=campaign))
        plans.append(next(s.utc for s in slots if s.is_email))
    assert plans[1] - plans[0] == timedelta(hours=1)


def test_the_preview_shows_the_plan_of_each_side_of_the_hour_clocks_go_back() -> None:
    from dataclasses import replace
    from datetime import datetime

    from recap_mailer.build import load_campaign, render_campaign

    loaded = load_campaign(SAMPLE)
    first = datetime(2023, 10, 29, 1, 30, tzinfo=loaded.campaign.event.timezone)
    pages = []
    for moment in (first, first.replace(fold=1)):
        campaign = replace(loaded.campaign, email=replace(loaded.campaign.email, send_at=moment),
                           schedule=replace(loaded.campaign.schedule, start=None))
        page = render_campaign(replace(loaded, campaign=campaign)).files["preview.html"]
        pages.append(page.decode("utf-8"))
    # The posts, cards and schedule section is kept between rebuilds; not across this hour.
    assert 'datetime="2023-10-29T00:30:00Z">01:30</time>\n      <span class="zone">BST' in pages[0]
    assert 'datetime="2023-10-29T01:30:00Z">01:30</time>\n      <span class="zone">GMT' in pages[1]
