"""The hostile corpus: bad sources, templates, pages and command lines, one case each.

Every case is a small folder made afresh (files, links, FIFOs) and one command run as the
real program. Its exit status and everything it printed are compared with a sidecar in
tests/golden/hostile/<case>.txt, written only by ``pytest --regen-golden``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MINIMAL = (Path(__file__).resolve().parents[1] / "campaigns" / "minimal" / "recap.yaml") \
    .read_text(encoding="utf-8")


class Fifo:
    """A named pipe at this path."""


@dataclass(frozen=True)
class Link:
    """A symbolic link at this path, to ``target``."""

    target: str


@dataclass(frozen=True)
class Case:
    """One hostile input: the files to make, the command to run, what class it belongs to."""

    name: str
    kind: str
    files: dict[str, str | bytes | Fifo | Link]
    argv: tuple[str, ...] = ("build", "campaigns/x", "--out", "out")
    # Outputs built before the case runs, which a failed build must leave byte for byte.
    prebuilt: bool = field(default=False)
    # Campaigns built at once finish in any order: their lines are compared sorted.
    unordered: bool = field(default=False)


def source(old: str = "", new: str = "", *, append: str = "") -> str:
    """Return the minimal campaign's source with one replacement and an addition."""
    if old:
        assert old in MINIMAL, old
    return (MINIMAL.replace(old, new, 1) if old else MINIMAL) + append


def campaign(text: str | bytes | Fifo | Link,
             templates: dict[str, str | Fifo | Link] | None = None) -> dict:
    """Return the files of a campaign ``x`` with this source and these templates."""
    files: dict[str, str | bytes | Fifo | Link] = {"campaigns/x/recap.yaml": text}
    for name, body in (templates or {}).items():
        files[f"campaigns/x/templates/{name}"] = body
    return files


def _nested(opening: str, closing: str, depth: int, inner: str = "x") -> str:
    return opening * depth + inner + closing * depth


def _block_lists(depth: int) -> str:
    return "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "- x\n"


def _block_maps(depth: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v: x\n"


ESCAPE = "\x1b[2J\x1b[31m"
ESCAPE_CODE = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
SECRET = "password = 'hunter2'\n"

CASES: list[Case] = [
    # --- the source file itself -----------------------------------------------------------
    Case("source-fifo", "inputs", campaign(Fifo())),
    Case("source-fifo-check", "inputs", campaign(Fifo()), ("check", "campaigns/x")),
    Case("source-dev-zero", "inputs", campaign(Link("/dev/zero"))),
    Case("source-link-outside", "inputs",
         {**campaign(Link("../../elsewhere.yaml")), "elsewhere.yaml": MINIMAL}),
    Case("source-folder", "inputs", {"campaigns/x/recap.yaml/inner": "x"}),
    Case("source-missing", "inputs", {"campaigns/x/notes.txt": "no source here"}),
    Case("source-too-big", "inputs", campaign(MINIMAL + "#" * (4 * 1024 * 1024) + "\n")),
    Case("source-not-utf8", "inputs", campaign(MINIMAL.encode() + b"  # caf\xe9\n")),
    Case("source-empty", "yaml", campaign("")),
    Case("source-comment-only", "yaml", campaign("# nothing yet\n")),
    Case("source-top-level-list", "yaml", campaign("- version: 1\n")),
    Case("source-nul-byte", "yaml", campaign(source("Ada spoke.", "Ada\x00spoke."))),
    Case("source-escape-in-key", "diagnostics", campaign(source(append=f"{ESCAPE}oops: 1\n"))),
    Case("source-escape-in-value", "diagnostics",
         campaign(source("timezone: UTC", f"timezone: 'Europe/{ESCAPE}London'"))),
    Case("source-control-in-subject", "diagnostics",
         campaign(source("subject: Minimal test recap", 'subject: "Recap\\u0007\\u009b"'))),
    Case("source-python-tag", "yaml",
         campaign(source(append="extra: !!python/object/apply:os.system ['id']\n"))),
    Case("source-alias", "yaml", campaign(source("intro: One session happened.",
                                                 "intro: &a One session happened.",
                                                 append="x: *a\n"))),
    Case("source-billion-laughs", "yaml",
         campaign("a: &a [x, x, x, x, x, x, x, x, x]\n"
                  + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                            for p, c in zip("abcdefgh", "bcdefghi", strict=True)))),
    Case("source-duplicate-key", "yaml", campaign(source(append="version: 2\n"))),
    Case("source-tab-indent", "yaml", campaign(source("  name: Minimal Event",
                                                      "\tname: Minimal Event"))),
    Case("source-unclosed-flow", "yaml",
         campaign(source("  - {id: ada, name: Ada Lovelace}", "  - {id: ada, name: Ada"))),
    Case("source-deep-flow-lists", "nesting", campaign(_nested("[", "]", 600))),
    Case("source-deep-flow-maps", "nesting", campaign(_nested("{a: ", "}", 1500))),
    Case("source-deep-block-lists", "nesting", campaign(_block_lists(600))),
    Case("source-deep-block-maps", "nesting", campaign(_block_maps(1500))),
    Case("source-deep-mixed", "nesting", campaign(_nested("[{a: ", "}]", 400))),
    Case("source-deep-in-a-value", "nesting",
         campaign(source("intro: One session happened.",
                         "intro: " + _nested("[", "]", 200, "x")))),
    Case("source-lone-surrogate", "yaml",
         campaign(source("intro: One session happened.", 'intro: "One \\ud800 session."'))),
    Case("source-unknown-key", "validation", campaign(source(append="sesions: []\n"))),
    Case("source-many-errors", "validation",
         campaign(source("timezone: UTC", "timezone: Europe/Oxford")
                  .replace("speakers: [ada]", "speakers: [bob]")
                  .replace("date: 2024-03-01", "date: 2024-02-30"))),
    Case("source-huge-line", "validation",
         campaign(source("intro: One session happened.", "intro: " + "word " * 200_000))),
    # --- templates are code ---------------------------------------------------------------
    Case("template-escape-text", "templates", campaign(MINIMAL, {"email.txt": ESCAPE_CODE})),
    Case("template-escape-mjml", "templates", campaign(MINIMAL, {
        "email.mjml": f"<mjml><mj-body><mj-text>{ESCAPE_CODE}</mj-text></mj-body></mjml>"})),
    Case("template-escape-mro", "templates", campaign(MINIMAL, {
        "email.txt": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})),
    Case("template-divide-by-zero", "templates",
         campaign(MINIMAL, {"email.txt": "a\n{{ 1 / 0 }}\n"})),
    Case("template-undefined", "templates",
         campaign(MINIMAL, {"email.txt": "{{ campaign.nothing.here }}\n"})),
    Case("template-recursive-macro", "templates", campaign(MINIMAL, {
        "email.txt": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n"})),
    Case("template-syntax-error", "templates", campaign(MINIMAL, {"email.txt": "{% if %}\n"})),
    Case("template-include-link-out", "templates",
         {**campaign(MINIMAL, {"email.txt": "{% include 'secret.txt' %}\n",
                               "secret.txt": Link("../../../smtp.toml")}),
          "smtp.toml": SECRET}),
    Case("template-link-out", "templates",
         {**campaign(MINIMAL, {"email.txt": Link("../../../smtp.toml")}), "smtp.toml": SECRET}),
    Case("template-fifo", "templates", campaign(MINIMAL, {"email.txt": Fifo()})),
    Case("template-dev-zero", "templates", campaign(MINIMAL, {"email.txt": Link("/dev/zero")})),
    # --- what the email loads ---------------------------------------------------------------
    Case("load-http-image", "offline", campaign(MINIMAL, {"partials/footer.mjml": (
        '<mj-section><mj-column><mj-image src="http://tracker.example/p.gif" alt="">'
        "</mj-image></mj-column></mj-section>")})),
    Case("load-css-import", "offline", campaign(MINIMAL, {"partials/footer.mjml": (
        "<mj-raw><style>@\\69mport url(https://fonts.example/f.css);</style></mj-raw>")})),
    Case("load-style-url", "offline", campaign(MINIMAL, {"partials/footer.mjml": (
        '<mj-raw><div style="background: URL( \'http://t.example/p.gif\')">x</div></mj-raw>')})),
    Case("load-file-url", "offline", campaign(MINIMAL, {"partials/footer.mjml": (
        '<mj-section background-url="file:///etc/passwd"><mj-column><mj-text>x'
        "</mj-text></mj-column></mj-section>")})),
    # --- prose that only looks like code ----------------------------------------------------
    Case("prose-at-import-name", "prose",
         campaign(source("name: Ada Lovelace", "name: Ben @importer Jupp"))),
    Case("prose-at-import-intro", "prose",
         campaign(source("intro: One session happened.",
                         "intro: Follow @ImportExportUK for the slides."))),
    Case("prose-src-http", "prose",
         campaign(source("summary: Ada spoke.", "summary: 'Ada showed src=http: in a slide.'"))),
    Case("prose-file-colon", "prose",
         campaign(source("summary: Ada spoke.", "summary: 'Ada said file: the form, url(x).'"))),
    Case("prose-raw-script", "prose",
         campaign(source("summary: Ada spoke.",
                         "summary: 'Ada spoke. <script>alert(1)</script>'"))),
    Case("prose-javascript-link", "prose",
         campaign(source("summary: Ada spoke.", "summary: '[slides](javascript:alert(1))'"))),
    Case("prose-http-link", "prose",
         campaign(source("summary: Ada spoke.", "summary: '[slides](http://example.org/s)'"))),
    Case("prose-formula-quote", "prose",
         campaign(source(append="quotes:\n  - {id: q1, speaker: ada, session: talk, "
                                "text: '=HYPERLINK(\"https://evil.example\",\"x\")'}\n"))),
    Case("header-crlf-subject", "headers",
         campaign(source("subject: Minimal test recap",
                         'subject: "Recap\\r\\nBcc: victim@example.org"'))),
    Case("header-encoded-word", "headers",
         campaign(source("name: Test Team", "name: '=?UTF-8?Q?=0A?=Bcc: x@example.org'"))),
    # --- pages to import --------------------------------------------------------------------
    Case("import-fifo", "import", {"page.html": Fifo()},
         ("import", "page.html", "--slug", "drafted")),
    Case("import-dev-zero", "import", {"page.html": Link("/dev/zero")},
         ("import", "page.html", "--slug", "drafted")),
    Case("import-deep-divs", "import",
         {"page.html": "<h1>Day</h1>" + _nested("<div>", "</div>", 100_000, "deep")},
         ("import", "page.html", "--slug", "drafted")),
    Case("import-binary", "import", {"page.html": bytes(range(256)) * 64},
         ("import", "page.html", "--slug", "drafted")),
    Case("import-empty", "import", {"page.md": ""},
         ("import", "page.md", "--slug", "drafted")),
    Case("import-too-many-sessions", "import",
         {"page.md": "# Big Day\n\n" + "".join(
             f"## Session {i}\n\nSpeaker Ada Lovelace (Org) said “Point {i} matters.”\n\n"
             for i in range(1200))},
         ("import", "page.md", "--slug", "drafted")),
    # --- several campaigns, and the command line --------------------------------------------
    Case("many-one-broken-template", "campaigns",
         {"campaigns/a/recap.yaml": MINIMAL, "campaigns/b/recap.yaml": MINIMAL,
          "campaigns/b/templates/email.txt": "{{ 1 / 0 }}\n", "campaigns/c/recap.yaml": MINIMAL},
         ("build", "campaigns/a", "campaigns/b", "campaigns/c", "--out", "out")),
    Case("many-one-broken-template-jobs", "campaigns",
         {"campaigns/a/recap.yaml": MINIMAL, "campaigns/b/recap.yaml": MINIMAL,
          "campaigns/b/templates/email.txt": "{{ 1 / 0 }}\n", "campaigns/c/recap.yaml": MINIMAL},
         ("build", "--all", "--jobs", "2"), unordered=True),
    Case("failed-build-keeps-outputs", "campaigns",
         campaign(source("timezone: UTC", "timezone: Nowhere/Land")), prebuilt=True),
    Case("usage-unknown-option", "usage", campaign(MINIMAL), ("build", "--frobnicate")),
    Case("usage-posts-bad-date", "usage", campaign(MINIMAL),
         ("posts", "campaigns/x", "--on", "tomorrow")),
    Case("usage-import-bad-slug", "usage", {"page.md": "# Day\n"},
         ("import", "page.md", "--slug", "../escape")),
    Case("usage-bad-folder-name", "usage", {"campaigns/Bad Name/recap.yaml": MINIMAL},
         ("build", "campaigns/Bad Name", "--out", "out")),
]
