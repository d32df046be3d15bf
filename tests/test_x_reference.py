"""X's count against X's own counter, twitter-text 3.1.0 (npm), run through node in batches."""

from __future__ import annotations

import importlib.resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recap_mailer.social.counting import x_weighted_length
from recap_mailer.social.x_links import parse_x
from reference import run_node
from x_corpus import AFTER, BEFORE, EMOJI, LABELS, PATHS, SCHEMES, SEPARATORS, WORDS, corpus

EMOJI_FAMILY = "👨\u200d👩\u200d👧\u200d👦"

#: twitter-text's npm package ships no conformance data, so these follow the groups of its
#: conformance/validate.yml and extract.yml (URLs), each with variants on both sides of a rule.
CASES = {
    "plain ASCII": "This is a test.",
    "empty": "",
    "only spaces": "   ",
    "http link": "http://test.com",
    "https link": "https://test.com",
    "upper-case scheme": "HTTPS://TEST.COM/PATH",
    "ftp is no scheme": "ftp://test.com",
    "several links": "Test https://test.com test https://test.com test.com test",
    "bare domain": "test.com",
    "bare domain with path": "data.example.gov/page",
    "bare domain, accented": "café.com",
    "bare domain, CJK subdomain": "日本語.example.com",
    "bare domain, Cyrillic": "пример.рф",
    "link to Cyrillic host": "https://пример.рф/путь",
    "link to IDN host": "https://bücher.de/katalog",
    "link to emoji host": "https://😀.com",
    "bare emoji host": "😀.com",
    "punycode host": "xn--bcher-kva.de",
    "punycode TLD": "example.xn--p1ai",
    "punycode prefix, bad": "xn--bücher.de",
    "IDN TLD": "example.中国 and example.닷컴",
    "ccTLD": "bbc.co.uk",
    "unknown TLD": "example.zzz",
    "unknown TLD with scheme": "https://example.zzz/page",
    "gTLD from the list": "recap.social and recap.museum and recap.onion",
    "TLD followed by a letter": "example.community",
    "TLD followed by @": "example.com@x",
    "TLD followed by a digit": "example.com1",
    "ideographic full stop": "example。com",
    "fullwidth full stop in label": "https://a．b.com",
    "host label of 63": "a" * 63 + ".com",
    "host label of 64": "a" * 64 + ".com",
    "punycode label over 63": "ü" * 40 + ".com",
    "underscore in subdomain": "my_site.example.com",
    "underscore in domain name": "my_site.com",
    "hyphen at label start": "-bad.com",
    "port": "https://example.com:8080/x",
    "port on bare domain": "example.com:8080",
    "query": "https://example.com/watch?v=1&t=2",
    "query ending in punctuation": "https://example.com/a?x=1.",
    "fragment": "https://example.com/a#frag",
    "balanced parens": "https://en.wikipedia.org/wiki/Foo_(bar)",
    "nested parens": "https://example.com/a(b(c)d)",
    "parens after a full stop": "x.com/w.(xy)",
    "brackets around a link": "(https://example.org/a?x=1)",
    "full stop after a link": "see https://example.org/a.",
    "comma after a bare domain": "see example.org, then",
    "quote around a link": "\"https://example.org/a\"",
    "trailing exclamation": "https://example.org/a!",
    "path with @": "https://medium.com/@user/post",
    "path with Cyrillic": "https://example.com/пример",
    "path with en dash": "https://example.com/a\u2013b",
    "t.co link": "https://t.co/abc123",
    "t.co with path": "https://t.co/abc123/more",
    "t.co slug of 41": "https://t.co/" + "a" * 41,
    "link after a letter": "xhttps://example.com",
    "domain after @": "@user@mastodon.social",
    "domain after $": "$example.com",
    "domain after #": "#example.com",
    "domain after hyphen": "-example.com",
    "domain after slash": "/example.com",
    "domain after directional mark": "\u202aexample.com",
    "email": "a.b@example.com",
    "mention and hashtag": "@user #tag $TWTR",
    "link of 4096": "https://a.com/" + "x" * (4096 - 8 - 14),
    "link of 4097": "https://a.com/" + "x" * (4097 - 8 - 14),
    "astral code points": "\U00010000\U0010ffff",
    "Hangul": "저찀쯿쿿",
    "CJK 140": "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少" * 7,
    "CJK 141": "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少" * 7 + "春",
    "ASCII 280": "x" * 280,
    "ASCII 281": "x" * 281,
    "279 and an emoji": "x" * 279 + "😀",
    "278 and an emoji": "x" * 278 + "😀",
    "257 and a link": "x" * 257 + "https://example.com",
    "general punctuation": "\u2000\u2001\u200a\u200b\u200d\u2010\u2014\u201f\u2032\u2037\u2038",
    "decomposed accent": "A\u0301B",
    "composition exclusion": "A\u05e9\u05bc\u05c1",
    "emoji": "😷👾😡🔥💩",
    "emoji ZWJ family": "H🐱☺" + EMOJI_FAMILY,
    "skin tone": "🙋🏽👨\u200d🎤",
    "flag": "🇬🇧",
    "lone regional indicator": "🇦",
    "keycap": "1\ufe0f\u20e3 #\u20e3",
    "subdivision flag": "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "© bare and with selector": "© ©\ufe0f ® ™\ufe0f",
    "text presentation selector": "☺\ufe0e ☺ ☺\ufe0f",
    "emoji newer than twemoji's list": "🫠🥲🫶🏽🧑\u200d💻",
    "skin tone on a non-person": "🐱🏽",
    "selector after an emoji": "😀\ufe0f",
    "combining mark after an emoji": "👍\u0301",
    "CR LF": "a\r\nb",
    "invalid character": "a\ufffeb",
    "byte order mark": "\ufeffhello",
    "Kelvin sign and long s": "examp\u212ae.com ex\u017fample.com",
    "Unicode 17 upper case of a Latin letter": "x.com/a\ua7dc \ua7dcx.com",
    "lone surrogates": "a\ud800b \udc00x.com https://a\ud83d.com",
}


def _compare(texts: list[str]) -> list[tuple[str, tuple[int, bool], tuple[int, bool]]]:
    """Return (text, ours, twitter-text's) for each text counted differently."""
    theirs = run_node("x_count.js", texts)
    return [(text, parse_x(text), (answer["weightedLength"], answer["valid"]))
            for text, answer in zip(texts, theirs, strict=True)
            if parse_x(text) != (answer["weightedLength"], answer["valid"])]


@pytest.fixture(scope="module")
def reference_counts() -> dict[str, dict]:
    """Return twitter-text's answer for each case, from one node call."""
    answers = run_node("x_count.js", list(CASES.values()))
    return dict(zip(CASES, answers, strict=True))


@pytest.mark.parametrize("name", list(CASES))
def test_case_matches_twitter_text(name: str, reference_counts: dict[str, dict]) -> None:
    text = CASES[name]
    answer = reference_counts[name]
    assert x_weighted_length(text) == answer["weightedLength"]
    assert parse_x(text) == (answer["weightedLength"], answer["valid"])


def test_seeded_corpus_matches_twitter_text() -> None:
    texts = corpus(seed=16, size=3000)
    assert _compare(texts) == []


def _tlds() -> list[str]:
    data = importlib.resources.files("recap_mailer.social").joinpath("data/x-tlds.txt")
    return [line for line in data.read_text("utf-8").splitlines()
            if line and not line.startswith(("#", "["))]


# Hosts under any of twitter-text's TLDs, in either case, or under made-up ones.
_TLD = st.one_of(st.sampled_from(_tlds()), st.sampled_from(_tlds()).map(str.upper),
                 st.text(alphabet="abcxyz0-", min_size=1, max_size=5))
_HOST = st.builds(lambda labels, tld: ".".join([*labels, tld]),
                  st.lists(st.one_of(st.sampled_from(LABELS),
                                     st.text(alphabet="abcé日ü-_0", min_size=1, max_size=8)),
                           min_size=1, max_size=3), _TLD)
_LINK = st.builds(lambda before, scheme, host, path, after: before + scheme + host + path + after,
                  st.sampled_from(BEFORE), st.sampled_from(SCHEMES), _HOST,
                  st.sampled_from(PATHS), st.sampled_from(AFTER))
_NOISE = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=6)
_PIECE = st.one_of(st.sampled_from(WORDS), st.sampled_from(EMOJI), _LINK, _NOISE)
_POST = st.builds(lambda pieces, sep: sep.join(pieces),
                  st.lists(_PIECE, min_size=1, max_size=4), st.sampled_from(SEPARATORS))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.data_too_large])
@given(st.lists(_POST, min_size=200, max_size=200))
def test_generated_posts_match_twitter_text(posts: list[str]) -> None:
    # One node call per batch: each example is a few hundred posts.
    assert _compare(posts) == []
