"""Each platform's counter: twitter-text v3 conformance cases, an oracle, and the other rules."""

from __future__ import annotations

import importlib.resources
import sys
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recap_mailer.social.counting import (
    bluesky_length,
    graphemes,
    linkedin_length,
    mastodon_length,
    threads_length,
    utf8_bytes,
    x_weighted_length,
)
from reference import run_node


def _import_oracle():
    """Import twitter-text-parser, lending it the one pkg_resources call it makes.

    It reads its emoji data with pkg_resources.resource_string, which warns on import and is
    gone from recent setuptools; importlib.resources does the same job.
    """
    shim = types.ModuleType("pkg_resources")
    shim.resource_string = (  # type: ignore[attr-defined]
        # Called with a module's __name__: its data sits in the module's package.
        lambda module, name: importlib.resources.files(module.rpartition(".")[0])
        .joinpath(name).read_bytes())
    saved = sys.modules.get("pkg_resources")
    sys.modules["pkg_resources"] = shim
    try:
        from twitter_text import parse_tweet
    finally:
        if saved is None:
            del sys.modules["pkg_resources"]
        else:
            sys.modules["pkg_resources"] = saved
    return parse_tweet


parse_tweet = _import_oracle()

FAMILY = "👨\u200d👩\u200d👧\u200d👦"
CJK_160 = "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少" * 8
X_285 = "285 chars-" + "xxxxxxxxxx-" * 25

#: The cases of twitter-text's conformance/validate.yml (WeightedTweetsWithDiscountedEmoji,
#: i.e. the v3 config) by what each tests, with strings of our own where theirs are long.
X_CASES = [
    ("This is a test.", 15, "plain ASCII counts 1 each"),
    ("http://test.com", 23, "a link with http:// is 23"),
    ("https://test.com", 23, "a link with https:// is 23"),
    ("test.com", 23, "a bare domain is a link too"),
    ("Test https://test.com test https://test.com test.com test", 86, "several links"),
    ("\U00010000\U0010ffff", 4, "code points outside the light ranges weigh 2"),
    ("저찀쯿쿿", 8, "Hangul weighs 2"),
    (CJK_160, 320, "160 CJK characters weigh 320"),
    ("the" + CJK_160, 323, "3 Latin + 160 CJK"),
    ("😷" * 160, 320, "160 emoji weigh 320"),
    (X_285, 285, "285 ASCII characters"),
    ("Á" + "B", 2, "a decomposed Á is NFC-normalised into one character"),
    ("A\u05e9\u05bc\u05c1", 4, "שּׁ normalises to 3 code points (composition exclusion)"),
    ("H🐱☺" + FAMILY, 7, "a ZWJ family is one emoji; ☺ (text default) an emoji too"),
    ("😷👾😡🔥💩", 10, "emoji weigh 2 each"),
    ("🙋🏽👨\u200d🎤", 4, "skin tone and ZWJ sequences count once"),
    ("This is a tweet with general punctuation characters: "
     "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b "
     "‐ ‑ ‒ – — ― ‖ ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷", 109,
     "U+2000-200D, U+2010-201F and U+2032-2037 weigh 1"),
    ("randomurl" * 7 + "s.com", 68, "a host label over 63 characters is no link"),
    ("🇬🇧", 2, "a flag is one emoji"),
    ("1\ufe0f\u20e3", 2, "a keycap is one emoji"),
    ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 2,
     "a subdivision flag (tag sequence) is one emoji"),
    ("©", 1, "a bare © (no selector) is text, as twemoji-parser reads it"),
    ("©\ufe0f", 2, "© with the emoji selector is an emoji"),
    ("👍\u0301", 3, "a combining mark after an emoji counts on its own"),
    ("😀\ufe0f", 4, "a selector after an emoji-presentation emoji counts on its own"),
    ("🐱🏽", 4, "a skin tone on a non-person emoji counts on its own"),
    ("a\r\nb", 4, "CR and LF count one each"),
    ("(https://example.org/a?x=1)", 25, "brackets around a link are not part of it"),
    ("see https://example.org/a.", 28, "a full stop after a link is not part of it"),
    ("@user@mastodon.social", 21, "an address after @ is no link"),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for t, e, _ in X_CASES],
                         ids=[why for _, _, why in X_CASES])
def test_x_weighted_length_conformance(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_x_cases_agree_with_twitter_text() -> None:
    # The table itself is checked against X's own counter, twitter-text 3.1.0 (npm). The
    # Python port twitter-text-parser differs from it on "©" and on "\r\n".
    answers = run_node("x_count.js", [text for text, _, _ in X_CASES])
    assert {why: a["weightedLength"] for (_, _, why), a in zip(X_CASES, answers, strict=True)} \
        == {why: expected for _, expected, why in X_CASES}


# Letters, marks, punctuation and spaces from many scripts; no full stops (so no bare domains,
# whose recognition needs X's whole list of top-level domains) and no emoji (the oracle's
# emoji data is Unicode 12).
_ORACLE_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("Lu", "Ll", "Lo", "Mn", "Nd", "Po", "Ps", "Pe", "Pd", "Zs", "Sm", "Sc"),
        exclude_characters=".。．｡﹒@＠#＃:/©®",
    ).filter(lambda c: not (0x1F000 <= ord(c) <= 0x1FAFF)),
    max_size=60,
)
_KNOWN_LINKS = st.sampled_from([
    "https://example.org/recap",
    "https://golab.bsg.ox.ac.uk/community/news/highlights-from-day-1-of-soc23/?utm_source=x"
    "&utm_medium=social&utm_campaign=soc23-day1&utm_content=considine-steering",
    "https://www.example.com/watch?v=1&t=2",
    "http://a.co",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ORACLE_TEXT, _KNOWN_LINKS), max_size=5))
def test_x_weighted_length_matches_twitter_text_parser(pieces: list[str]) -> None:
    text = "\n".join(pieces)
    assert x_weighted_length(text) == parse_tweet(text).weightedLength


def test_graphemes_and_bluesky() -> None:
    assert graphemes("e\u0301" + FAMILY + "🇬🇧" + "\r\n") == 4
    assert bluesky_length("Zalgo Z̤͔ͧ̑̓") == 7
    assert utf8_bytes("é") == 2
    # A link counts as the app shows it: host, then the rest cut to 13 and "..." past 15.
    assert bluesky_length("https://example.org/long/path") == len("example.org/long/path")
    assert bluesky_length("https://example.org/" + "a" * 100) == len("example.org/") + 12 + 3


def test_mastodon_counts_links_as_23_and_mentions_without_domain() -> None:
    link = "https://example.org/" + "a" * 100
    assert mastodon_length(link) == 23
    assert mastodon_length(f"hi {link}.") == 3 + 23 + 1
    assert mastodon_length("@zoe@social.example.org") == 4
    assert mastodon_length("mail zoe@social.example.org") == 27  # no mention without a leading @
    assert mastodon_length("👩🏽\u200d💻") == 1


def test_threads_counts_emoji_as_utf8_bytes() -> None:
    assert threads_length("abc") == 3
    assert threads_length("😷") == 4
    assert threads_length(FAMILY) == len(FAMILY.encode("utf-8")) == 25
    assert threads_length("日本") == 2


def test_linkedin_counts_utf16_units() -> None:
    assert linkedin_length("a😷") == 3


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_counters_never_count_less_than_graphemes(text: str) -> None:
    # Without links or mentions in play, every counter is at least the visible length.
    if any(c in text for c in ".@:/"):
        return
    for count in (x_weighted_length, mastodon_length, threads_length, linkedin_length,
                  bluesky_length):
        assert count(text) >= graphemes(text)
