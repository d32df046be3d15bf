"""Post-like strings for checking X's count against twitter-text: words, emoji, links, domains.

Run ``python tests/x_corpus.py [counting.py]`` to print how many of the seeded corpus's strings
our counter (or the ``x_weighted_length`` of the file given) and twitter-text count differently.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

WORDS = [
    "recap", "Workshop", "day", "talks", "thanks", "see", "the", "café", "naïve", "Ærø",
    "straße", "İstanbul", "ſtreet", "Kelvin\u212a", "привет", "Москва", "καλημέρα", "שלום",
    "مرحبا", "日本語", "春眠不觉晓", "東京", "저찀쯿쿿", "한국어", "สวัสดี", "नमस्ते", "e\u0301",
    "A\u05e9\u05bc\u05c1", "Å", "ﬁ", "x" * 30, "2026", "10:30", "1,000", "3.5", "v1.2.3",
    "\u2013", "\u2014", "\u2026", "\u2019s", "\u201cquoted\u201d", "\u2032", "\u2122",
    "\u00a0", "\u200b", "\u200d", "\ufeff", "\u2028", "\u3000", "\ufe0f", "\u20e3",
]
EMOJI = [
    "😀", "😷", "🔥", "👍", "👍🏽", "🙋🏽", "👨\u200d🎤", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈",
    "🏴\u200d☠️", "🇬🇧", "🇺🇳", "🇿🇿", "1\ufe0f\u20e3", "#\u20e3", "*\ufe0f\u20e3", "©", "©\ufe0f",
    "®", "™\ufe0f", "☺", "☺\ufe0f", "☺\ufe0e", "♥", "❤\ufe0f", "❤", "☂\ufe0e", "⌚", "↔\ufe0f",
    "🫠", "🥲", "🧑\u200d💻", "🫶🏽", "🐱🏽", "😀\ufe0f", "👍\u0301", "🧔\u200d♀️", "👩🏽\u200d🚀",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "\U00010000", "\U0010ffff",
    "🀄", "🅰", "🅰\ufe0f", "🇦", "\U0001f1e6\U0001f1e6\U0001f1e6",
]
TLDS = [
    "com", "org", "net", "gov", "edu", "io", "co", "uk", "co.uk", "ac.uk", "de", "fr", "jp",
    "org.au", "dev", "app", "blog", "museum", "travel", "onion", "social", "xyz", "tech",
    "zzz", "example", "local", "invalid", "comm", "c", "rf", "рф", "中国", "セール", "닷컴",
    "みんな", "xn--p1ai", "xn--fiqs8s", "XN--P1AI", "COM", "Org", "cOm", "c0m", "t", "tv",
    "ly", "me", "gg", "su", "an", "bl", "com1",
]
LABELS = [
    "example", "data", "www", "golab.bsg.ox", "a", "x", "t", "bit", "my-site", "my_site",
    "-bad", "bad-", "a--b", "bücher", "café", "日本語", "пример", "例え", "xn--bcher-kva",
    "xn--", "xn--zz", "EXAMPLE", "Data", "1234", "a" * 63, "a" * 64, "😀", "1\ufe0f\u20e3",
    "straße", "ſub", "\u212aey", "d\"q", "tab\tx", "sub.example", "a.b.c",
]
PATHS = [
    "", "", "/", "/page", "/a/b/c", "/watch?v=1&t=2", "/wiki/Foo_(bar)", "/wiki/Foo_(b(a)r)",
    "/a?x=1", "/a?x=1.", "?q=1", "/~user", "/@user", "/@user/", "/path.", "/path,",
    "/path)", "/пример", "/café", "/a%20b", "/a#frag", ":8080", ":8080/x", ":99999/x",
    "/" + "p" * 100, "/a!", "/a'", "/a*", "/search?q=a+b&c=d|e", "/x\u2013y", "/(x)",
]
SCHEMES = ["https://", "http://", "HTTPS://", "Http://", "ftp://", "https:/", "", "", ""]
BEFORE = ["", "", "", " ", "(", "\"", "-", "_", ".", "/", "@", "＠", "$", "#", "a", "日",
          "\u202a", "\u200e", ":", "«", "\ufeff"]
AFTER = ["", "", "", ".", ",", "!", "?", ")", ":", ";", "…", "\"", "'", "»", "。", "、",
         "-", "_", "/", "@x", "+", "a", "日本", "😀", "\u200b"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u3000", "", ", ", ". "]
SPECIAL = ["@user", "@user@mastodon.social", "a.b@example.com", "#tag", "$TWTR", "#日本",
           "https://t.co/abc123", "https://t.co/" + "a" * 41, "http://t.co/x?y=1z",
           "example.com:8080", "1.2.3.4", "http://1.2.3.4/", "localhost:3000",
           "data.example.gov/page", "café.com", "日本語.example.com", "www.BBC.co.uk.",
           "foo.bar.baz.qux.com", "..com", "a..com", "google.com/" + "x" * 300]


def _link(rng: random.Random) -> str:
    host = ".".join(rng.choice(LABELS) for _ in range(rng.choice((1, 1, 1, 2, 3))))
    return rng.choice(SCHEMES) + host + "." + rng.choice(TLDS) + rng.choice(PATHS)


def _piece(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(WORDS)
    if kind < 0.55:
        return rng.choice(EMOJI)
    if kind < 0.85:
        return rng.choice(BEFORE) + _link(rng) + rng.choice(AFTER)
    return rng.choice(BEFORE) + rng.choice(SPECIAL) + rng.choice(AFTER)


def post(rng: random.Random) -> str:
    """Return one post-like string, now and then long enough to be near X's 280 limit."""
    count = rng.choice((1, 2, 3, 5, 8, 12, 20, 40))
    parts = [_piece(rng) for _ in range(count)]
    return "".join(p + rng.choice(SEPARATORS) for p in parts).rstrip(" ") or "x"


def corpus(seed: int = 16, size: int = 3000) -> list[str]:
    """Return ``size`` post-like strings, the same ones for the same seed."""
    rng = random.Random(seed)
    return [post(rng) for _ in range(size)]


def _main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from reference import run_node

    if len(sys.argv) > 1:
        # Another counting.py (say an older one, from git show), to compare before and after.
        spec = importlib.util.spec_from_file_location("other_counting", sys.argv[1])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        count = module.x_weighted_length
    else:
        from recap_mailer.social.counting import x_weighted_length as count

    texts = corpus()
    theirs = [r["weightedLength"] for r in run_node("x_count.js", texts)]
    differ = [(t, count(t), n) for t, n in zip(texts, theirs, strict=True) if count(t) != n]
    short = sum(ours < their for _, ours, their in differ)
    print(f"{len(differ)} of {len(texts)} strings counted differently from twitter-text "
          f"({short} shorter, {len(differ) - short} longer)")
    for text, ours, their in differ[:10]:
        print(f"  ours {ours} theirs {their}: {text!r}")


if __name__ == "__main__":
    _main()
