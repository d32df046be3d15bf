"""Bluesky posts as Bluesky's app counts and posts them, checked with @atproto/api's RichText.

tests/node/bsky_count.js takes each post's copy text as pasted into the app: RichText finds
its links, the app's toShortUrl rule shortens them (read by node's own WHATWG URL parser) and
the shortened RichText's graphemeLength is the count. Our text, count and facets must match.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES
from recap_mailer.build import build_campaign, load_campaign
from recap_mailer.checks import run_checks
from recap_mailer.model import Campaign, PlatformSettings, Quote, Social
from recap_mailer.social.bluesky import misplaced, short_url
from recap_mailer.social.counting import utf8_bytes
from recap_mailer.social.posts import Post, compose_posts
from reference import run_node

BLUESKY = (PlatformSettings("bluesky"),)


def _app(texts: list[str], urls: list[str] | None = None) -> dict:
    return run_node("bsky_count.js", {"texts": texts, "urls": urls or []})


def _assert_as_the_app(posts: list[Post]) -> list[dict]:
    """Each post's text, count and link facets are the app's for its copy text, in one call."""
    assert posts
    answers = _app([p.copy_text for p in posts])["posts"]
    for post, app in zip(posts, answers, strict=True):
        assert post.facets is not None
        where = post.copy_text
        assert post.text == app["text"], where
        assert post.length == app["graphemeLength"], where
        assert post.length <= post.limit <= 300, where
        assert utf8_bytes(post.text) == app["bytes"] <= 3000, where
        ours = [{"byteStart": f.byte_start, "byteEnd": f.byte_end, "uri": f.uri}
                for f in post.facets]
        assert ours == app["facets"], where
        assert post.as_json()["facets"] == [
            {"$type": "app.bsky.richtext.facet",
             "index": {"byteStart": f["byteStart"], "byteEnd": f["byteEnd"]},
             "features": [{"$type": "app.bsky.richtext.facet#link", "uri": f["uri"]}]}
            for f in app["facets"]]
        if misplaced(post.copy_text) is None:
            # The addresses are those RichText finds in the copy text, in full (where the
            # app misplaces links, it may drop a facet: "b.fi。。 example.com").
            assert [f.uri for f in post.facets] == [f["uri"] for f in app["detected"]], where
            # Then the app shows each link it found as toShortUrl gives it, where it was.
            shown = post.text.encode("utf-8")
            written = post.copy_text.encode("utf-8")
            assert len(app["facets"]) == len(app["detected"])
            for facet, link in zip(app["facets"], app["detected"], strict=True):
                was = written[link["byteStart"]:link["byteEnd"]].decode("utf-8")
                assert shown[facet["byteStart"]:facet["byteEnd"]].decode("utf-8") == \
                    short_url(was), where
    return answers


@pytest.fixture(scope="module")
def minimal() -> Campaign:
    return load_campaign(CASES["minimal"]).campaign


def _campaign(base: Campaign, text: str, *, slug: str | None = None,
              link: str | None = None) -> Campaign:
    session = replace(base.sessions[0], recording=link) if link else base.sessions[0]
    quote = Quote(id="q", text=text, speaker=session.speakers[0], session=session, priority=1)
    return replace(base, slug=slug or base.slug, quotes=(quote,), social=Social(BLUESKY))


def test_every_case_s_bluesky_posts_are_what_the_app_counts_and_posts() -> None:
    posts = [p for path in CASES.values() for p in build_campaign(path).posts
             if p.platform == "bluesky"]
    _assert_as_the_app(posts)


def test_a_longer_campaign_slug_changes_only_the_bluesky_links() -> None:
    # The app shows 13 characters of a link's path however long utm_campaign makes it.
    sample = load_campaign(CASES["soc23-day1"]).campaign
    sample = replace(sample, social=Social(BLUESKY))
    before = compose_posts(sample)
    for slug in ("s", "renamed-" + "x" * 40, "a-much-longer-campaign-folder-name-" * 6):
        after = compose_posts(replace(sample, slug=slug))
        assert [(p.id, p.text, p.length) for p in after] == [
            (p.id, p.text, p.length) for p in before]
        assert all(f"utm_campaign={slug}" in p.link for p in after)
        _assert_as_the_app(list(after))


QUOTES = [
    "Short and sweet.",
    "A sixty-seven character quote that the longer campaign name split.",
    "量子コンピューターは、私たちの考え方そのものを変えるでしょう。" * 3,
    "社会成果契約は信頼の上に成り立つ。成果を測ることは学ぶことだ。" * 12,
    "Every sentence here is short. But there are many, https://example.org/in/quote too. " * 6,
    "We did it 🎉🎉 👩🏽\u200d💻 and 🇨🇦 flags 1\ufe0f\u20e3 all count as one each. " * 3,
    "Read https://example.org/reports/2023/final-report.pdf?ref=talk#page=4, then act.",
    "See gov.uk and (https://example.org/a_(b)) or https://example.org/x). Done!",
    "Links: http://Example.ORG:8080/Path/To/../Thing?q=1 and https://example.org:443/ok",
    "Ends with a link https://example.org/" + "long-" * 40,
    "Mixed العلم نور and e\u0301 Z̤͔ͧ̑̓ ß שּׁ with a link https://xn--bcher-kva.example/é/ü?x=ä",
    "Mentions @ada.bsky.social and #tags are not links; neither is HTTPS://EXAMPLE.ORG/x.",
]
LINKS = [
    None,
    "https://example.org/v",
    "https://example.org/fifteen-chars-x",
    "https://video.example.org/watch/" + "0123456789" * 8,
    "https://EXAMPLE.org/recording#t=90",
]
SLUGS = ["d1", "soc23-day1", "social-outcomes-conference-2023-day-one-" * 3]


def test_generated_campaigns_with_long_slugs_links_emoji_and_cjk(minimal) -> None:
    posts = []
    for i, text in enumerate(QUOTES):
        for j, link in enumerate(LINKS):
            slug = SLUGS[(i + j) % len(SLUGS)]
            posts += compose_posts(_campaign(minimal, text, slug=slug, link=link))
    assert any(p.parts > 1 for p in posts) and any(len(p.facets or ()) > 2 for p in posts)
    _assert_as_the_app(posts)


SHORT_URLS = [
    "https://example.org", "https://example.org/", "https://example.org/abc",
    "https://example.org/fifteen-chars", "https://example.org/sixteen-chars-x",
    "https://Example.ORG:443/a/./b/../c", "http://example.org:80/x", "https://example.org:08080/",
    "https://example.org/a%2e/%2E%2e/b", "https://example.org/é?ä=ö#ü", "https://example.org?q",
    "https://example.org/#", "https://example.org/a b", "https://user:pw@example.org/private",
    "https://example.org/a\\b", "https://0x7f.1/x", "https://127.1", "https://1.2.3.256/",
    "https://example.123/", "https://exa%41mple.org/", "https://bücher.example/x",
    "https://example.org/'quote'?'q'", "https://example.org/{x}`y`^z|", "https:example.org/x",
    "https://:80/", "https://example.org:99999/", "https://ex ample.org", "ftp://example.org",
    "example.org/path/that/is/long", "https://example.org/" + "x" * 300,
]


def test_short_url_is_the_app_rule_read_by_a_real_url_parser() -> None:
    assert [short_url(u) for u in SHORT_URLS] == _app([], SHORT_URLS)["short"]


def test_the_shipped_tlds_are_the_ones_atproto_api_detects_with() -> None:
    data = resources.files("recap_mailer.social").joinpath("data/bluesky-tlds.txt")
    assert data.read_text(encoding="ascii").split() == _app([])["tlds"]


_PIECES = st.one_of(
    st.text(alphabet="abcdefghij klmnop,.;:!?'’()-", min_size=1, max_size=30),
    st.text(alphabet="春眠不觉晓处闻啼鸟夜来风雨声花落知多少。，", min_size=1, max_size=20),
    st.text(alphabet="العلمنورمرحبا ", min_size=1, max_size=12),
    st.sampled_from(["😷", "👩🏽\u200d💻", "🇨🇦", "e\u0301", "1\ufe0f\u20e3", " — ", "\n",
                     " https://example.org/a/b/c?d=e ", " (https://example.org/x) ",
                     " example.com ", " www.example.co.uk/path. ", " #tag ", " @ada.bsky.social "]),
)
_LINKS = st.builds(lambda host, path: f"https://{host}.org/{path}",
                   st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True),
                   st.from_regex(r"[A-Za-z0-9_/.é-]{0,40}", fullmatch=True))
_CASES = st.tuples(
    st.lists(_PIECES, min_size=1, max_size=40).map("".join).map(str.strip).filter(bool),
    st.integers(min_value=1, max_value=200),
    st.one_of(st.none(), _LINKS),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(st.lists(_CASES, min_size=8, max_size=16))
def test_any_quote_slug_and_link_is_counted_and_posted_as_the_app_does(minimal, cases) -> None:
    # Many campaigns a draw, so one node run checks them all.
    posts = []
    for text, slug_length, link in cases:
        mine = compose_posts(_campaign(minimal, text[:1000], slug="c" * slug_length, link=link))
        short = compose_posts(_campaign(minimal, text[:1000], slug="c", link=link))
        if not any(misplaced(p.copy_text) for p in mine + short):
            # utm_campaign comes long after the 13 characters of a link the app shows.
            assert [p.text for p in mine] == [p.text for p in short]
        posts += mine
    _assert_as_the_app(posts)


def test_a_non_ascii_link_left_as_written_shifts_the_later_links_as_in_the_app(minimal) -> None:
    # RichText.insert moves later facets by UTF-16 units, delete by bytes: after "gov.uk’s"
    # (’ is 3 bytes, 1 unit) the app cuts the wrong span, so the post's link stays in full.
    posts = compose_posts(_campaign(minimal, "We rebuilt data.gov.uk’s front page."))
    _assert_as_the_app(list(posts))
    (post,) = posts
    assert misplaced(post.copy_text) == "data.gov.uk’s"
    # The app shows the text as pasted, its link in full, and its facet two bytes early.
    assert post.text == post.copy_text and post.length == len(post.copy_text)
    facet = post.facets[-1]
    assert facet.uri == post.link
    assert post.text.encode("utf-8")[facet.byte_start:facet.byte_end] != post.link.encode("utf-8")
    build = build_campaign(CASES["minimal"])
    found = run_checks(replace(build.checked, posts=posts), load_campaign(CASES["minimal"]).source)
    (warning,) = [f for f in found if f.check == "posts"]
    assert warning.severity == "warning" and "'data.gov.uk’s'" in warning.message
