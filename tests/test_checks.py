"""The reviewer's checks: a campaign that breaks each one, the sample that passes, the report."""

from __future__ import annotations

import html
import json
import re
import threading
from dataclasses import replace
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CASES, TESTS
from recap_mailer.build import Build, build_campaign, load_campaign, render_campaign
from recap_mailer.checks import CHECKS, check_links_online, clients, quotes, run_checks
from recap_mailer.checks.links import fetch_status, web_links
from recap_mailer.checks.reading import read_email
from recap_mailer.cli import main
from recap_mailer.colour import contrast_ratio

BROKEN = TESTS / "campaigns" / "broken-checks"

#: Every finding the broken campaign draws, in report order. Its recap.yaml breaks what a
#: source can; its templates/ break the rest (see the comment at the top of each).
EXPECTED = [
    "[size] recap.yaml:32:5: warning: email.html is 127,982 bytes (125.0 KB); Gmail clips "
    "messages over 102 KB and hides the rest, unsubscribe link included: the clip falls in "
    "session 'marathon', hiding the rest of it and the footer; feature fewer sessions or "
    "shorten their summaries",
    "[accessibility] email.html: warning: <html> has no language (lang='und'): screen readers "
    "cannot choose a voice; set <mjml lang> in the template",
    "[accessibility] recap.yaml:30:18: error: image https://example.org/opening.jpg has no alt "
    "text; describe what it shows (alt=\"\" only for decoration)",
    "[accessibility] email.html: warning: headings skip a level: h4 'Opening' follows h2; "
    "screen reader users navigate by heading level",
    "[accessibility] recap.yaml:31:14: warning: link text 'click here' does not say where the "
    "link goes (https://example.org/slides)",
    "[accessibility] recap.yaml:53:9: error: light mode body text: theme.text #8a8a8a on "
    "theme.surface #ffffff (the default) is 3.45:1; text needs at least 4.5:1",
    "[accessibility] recap.yaml:54:14: error: dark mode body text: theme.dark_text #555555 on "
    "theme.dark_surface #161b22 (the default) is 2.32:1; text needs at least 4.5:1",
    "[accessibility] recap.yaml:54:14: error: dark mode footer text: theme.dark_text #555555 "
    "on theme.dark_background #0d1117 (the default) is 2.53:1; text needs at least 4.5:1",
    "[preheader] recap.yaml:6:14: warning: email.preheader: is 43 characters; inboxes show "
    "50-140",
    "[preheader] recap.yaml:6:14: warning: email.preheader: repeats the subject; the inbox "
    "shows both, so say something the subject does not",
    "[compliance] email.txt: error: no unsubscribe link: the text must include "
    "https://example.org/unsubscribe",
    "[compliance] email.html: error: no postal address: the email must show "
    "email.postal_address",
    "[links] email.html: warning: link https://example.org/about has no utm_source, "
    "utm_medium, utm_campaign: its clicks go untracked",
    "[links] email.html: error: link ftp://example.org/minutes.txt must start with https: or "
    "mailto:",
    "[links] email.html: error: link https:// needs a host name after https://",
    "[quotes] recap.yaml:47:11: warning: quote 'engines' is not verbatim in email.html",
    "[quotes] recap.yaml:44:14: warning: quote 'engines' in email.txt is not attributed to "
    "'Dr Ada Lovelace'",
    "[posts] recap.yaml:51:5: warning: Mastodon posts are held to the default 500 characters, "
    "but each server sets its own limit: give the server and its limit",
]


@cache
def broken() -> Build:
    return build_campaign(BROKEN)


def shown(build: Build, campaign: Path) -> list[str]:
    return [f"[{f.check}] {f.diagnostic.format().removeprefix(f'{campaign}/')}"
            for f in build.report]


def test_broken_campaign_draws_exactly_the_expected_findings() -> None:
    found = shown(broken(), BROKEN)
    assert [f for f in found if not f.startswith("[clients]")] == EXPECTED
    # One finding per client family, naming the clients where the template's box-shadow is
    # caniemail's "n".
    families = [f for f in found if f.startswith("[clients]")]
    assert [f.split(": ")[2] for f in families] == list(clients.FAMILIES)
    assert all(": note: " in f for f in families)
    shadow = {f.split(": ")[2]: re.search(r"box-shadow \(([^)]*)\)", f) for f in families}
    support = clients.caniemail()["features"]["css-box-shadow"]["support"]
    lacking = {family: [c for c in members if support[c].startswith("n")]
               for family, members in clients.FAMILIES.items()}
    assert {family: m[1] for family, m in shadow.items() if m} == {
        family: "all" if len(c) == len(clients.FAMILIES[family])
        else "/".join(clients.PLATFORMS[x.split(".")[1]] for x in c)
        for family, c in lacking.items() if c}


def test_broken_campaign_breaks_every_check_but_the_schedule_hook() -> None:
    # Its schedule is sound (tests/test_schedule.py breaks schedules on purpose).
    assert {f.check for f in broken().report} == set(CHECKS) - {"source", "schedule"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_sample_and_test_campaigns_have_no_errors(case: str) -> None:
    build = build_campaign(CASES[case])
    assert [f.format() for f in build.report if f.severity == "error"] == []


def test_the_sample_has_no_findings_but_what_clients_lack() -> None:
    build = build_campaign(CASES["soc23-day1"])
    assert [f.format() for f in build.report if f.check != "clients"] == []
    counts = [f"{s.family}: {len(s.unsupported)} unsupported, {len(s.partial)} partial"
              for s in clients.family_support(build.email.html) if s.unsupported or s.partial]
    assert [f.message.split(";")[0] for f in build.report] == counts


def test_build_writes_a_stable_report_json() -> None:
    build = broken()
    report = json.loads(build.files["report.json"])
    assert report["campaign"] == "broken-checks"
    assert report["counts"] == {"errors": 8, "warnings": 10, "notes": 5}
    first = report["findings"][0]
    assert first == {"check": "size", "severity": "warning", "message": first["message"],
                     "path": str(BROKEN / "recap.yaml"), "line": 32, "col": 5}
    assert report["findings"][1]["path"] == "email.html" and report["findings"][1]["line"] is None
    assert render_campaign(load_campaign(BROKEN)).files["report.json"] == build.files["report.json"]


def test_the_preview_page_shows_the_findings() -> None:
    page = broken().files["preview.html"].decode("utf-8")
    for finding in broken().report:
        assert html.escape(finding.format(), quote=False) in page.replace("&#39;", "'") \
            .replace("&#34;", '"').replace("&quot;", '"')


def test_posts_over_their_limit_or_without_alt_text_are_errors() -> None:
    build = build_campaign(CASES["soc23-day1"])
    source = load_campaign(CASES["soc23-day1"]).source
    post = build.posts[0]
    long = replace(post, text=post.text + " " + "word " * 100)
    bare = replace(post, alt=None)
    found = run_checks(replace(build.checked, posts=(long, bare)), source)
    messages = [f.message for f in found if f.check == "posts"]
    assert messages[0].startswith(f"post {post.id} is ")
    assert messages[0].endswith(f"; X takes {post.limit}")
    assert messages[1] == f"post {post.id}: its image {post.image} has no alt text"
    assert all(f.severity == "error" for f in found if f.check == "posts")


def test_online_link_check_reports_links_that_do_not_answer() -> None:
    build = build_campaign(CASES["minimal"])
    source = load_campaign(CASES["minimal"]).source
    asked = []

    def fetch(url: str) -> int | str:
        asked.append(url)
        return 404 if url.startswith("https://example.org/recap") else 200

    found = check_links_online(build.checked, source, fetch)
    assert len(asked) == len(set(asked)) > 1  # each distinct link once
    assert found and {f.check for f in found} == {"links"}
    assert all(" answers 404" in f.message for f in found)
    assert all(f.diagnostic.line for f in found)  # the recap URL is found in the source


class _Handler(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        if self.path == "/head-refused":
            self.send_response(405)
        else:
            self.send_response(200 if self.path in ("/ok", "/get-only") else 404)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200 if self.path in ("/ok", "/head-refused") else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_fetch_status_asks_a_real_server_head_then_get() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert fetch_status(f"{base}/ok") == 200
        assert fetch_status(f"{base}/missing") == 404
        assert fetch_status(f"{base}/head-refused") == 200
    finally:
        server.shutdown()
        server.server_close()
    assert isinstance(fetch_status(f"{base}/ok", timeout=1), str)  # nobody answers now


def test_check_command_groups_findings_and_exits_1_on_errors() -> None:
    result = CliRunner().invoke(main, ["check", str(BROKEN)])
    assert result.exit_code == 1
    assert "accessibility (alt text, headings, lang, link text, contrast): 4 errors, 3 warnings" \
        in result.output
    assert "schedule (posting times and scheduler limits): ok" in result.output
    assert result.output.rstrip().endswith(f"{BROKEN}: failed, 8 errors, 10 warnings, 5 notes")


def test_check_command_prints_the_json_report() -> None:
    result = CliRunner().invoke(main, ["check", str(BROKEN), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output) == json.loads(broken().files["report.json"])


def test_check_command_passes_the_sample_and_strict_fails_on_warnings(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["check", str(CASES["soc23-day1"])]).exit_code == 0
    minimal = tmp_path / "minimal"
    minimal.mkdir()
    text = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    (minimal / "recap.yaml").write_text(text + "social: {platforms: {mastodon: {}}}\n",
                                        encoding="utf-8")
    assert CliRunner().invoke(main, ["check", str(minimal)]).exit_code == 0
    strict = CliRunner().invoke(main, ["check", "--strict", str(minimal)])
    assert strict.exit_code == 1
    assert ": error: Mastodon posts are held to the default 500" in strict.output


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1)


def test_caniemail_data_is_trimmed_to_css_and_html_for_major_clients() -> None:
    data = clients.caniemail()
    assert data["source"].startswith("caniemail data bundled in npm doiuse-email@0.4.1 (MIT)")
    assert all(slug.startswith(("css-", "html-")) for slug in data["features"])
    assert set(data["clients"]) == {c for family in clients.FAMILIES.values() for c in family}
    licence = Path(clients.__file__).parent / "data" / "caniemail-LICENSE.txt"
    assert "MIT License" in licence.read_text(encoding="utf-8")


def _email(style: str, body: str) -> str:
    return f"<html><head><style>{style}</style></head><body>{body}</body></html>"


HIDDEN = "display:none;max-height:0px;opacity:0;overflow:hidden"
COLUMN = '<div class="mj-column-per-50 x" style="display:inline-block;width:{};">a</div>'


@pytest.mark.parametrize(("style", "body", "fallback"), [
    ("", f'<div style="{HIDDEN}">pre</div>', {"display:none", "opacity", "overflow"}),
    ("", '<div style="display:none;max-height:0px;overflow:hidden">pre</div>', set()),
    ("", f'<div style="{HIDDEN}">pre</div><p style="opacity:0.5">x</p>',
     {"display:none", "overflow"}),
    (".b { border-radius: 4px; background: #002147 }", '<td class="b">Go</td>',
     {"border-radius"}),
    ("", '<td style="border-radius:4px" bgcolor="#002147">Go</td>', {"border-radius"}),
    ("", '<td style="border-radius:4px;background:url(x.png)">Go</td>', set()),
    ("@media (min-width:480px) { .mj-column-per-50 { width:50% !important } }",
     COLUMN.format("100%") * 2, {"@media"}),
    ("@media (min-width:480px) { .mj-column-per-50 { width:50% !important } }",
     COLUMN.format("50%") * 2, set()),
    # Where <style> is dropped, a rule survives only if its elements carry it inline too.
    (".a { color: red }", '<p class="a" style="color:#f00">x</p>', {"Class selector"}),
    (".a { color: red; margin: 0 }", '<p class="a" style="color:#f00">x</p>', set()),
    (".a { color: red }", "<p>x</p>", set()),
])
def test_a_fallback_is_claimed_only_where_the_html_shows_it(style: str, body: str,
                                                           fallback: set[str]) -> None:
    assert set(clients.fallbacks(_email(style, body))) == fallback


def test_partial_features_are_listed_with_caniemail_note_numbers() -> None:
    html = _email("", '<p style="margin:0">x</p><a href="https://x.org" target="_blank">x</a>')
    gmail = {f.family: f for f in clients.family_support(html)}["Gmail"]
    notes = clients.caniemail()["features"]["css-margin"]["notes"]
    assert gmail.unsupported["target attribute"] == ("web", "iOS", "Android", "mobile web")
    assert gmail.partial["margin"] and all(n.removeprefix("#") in notes
                                           for n in gmail.partial["margin"])


def test_a_card_that_shows_another_quote_is_found() -> None:
    from recap_mailer.cards import add_stamp, card_inputs, card_path, card_stamp

    loaded = load_campaign(CASES["soc23-day1"])
    build = render_campaign(loaded)
    quote = loaded.campaign.quotes[2]
    path = card_path(quote.id, (1600, 900))
    png = build.files[path]
    assert card_stamp(png) is not None
    body = png[:png.rfind(b"iTXt") - 4] + png[-12:]
    changed = add_stamp(body, card_inputs(quote, loaded.campaign, (1600, 900)),
                     {"quote": quote.text[:-5],  # the end cut off
                      "speaker": quote.speaker.display_name})
    misnamed = add_stamp(body, card_inputs(quote, loaded.campaign, (1600, 900)),
                      {"quote": quote.text, "speaker": "Someone Else"})
    for card, problem in [(changed, f"quote '{quote.id}' is not verbatim in its quote card"),
                          (misnamed, f"quote '{quote.id}' in its quote card is not "
                                     f"attributed to '{quote.speaker.display_name}'")]:
        found = run_checks(replace(build.checked, cards={**build.checked.cards, path: card}),
                           loaded.source)
        messages = [f.diagnostic.message for f in found if f.check == "quotes"]
        assert messages == [problem]
    assert not [f for f in build.findings if f.check == "quotes"]


def test_a_card_without_its_stamp_is_laid_out_again_to_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_campaign(CASES["soc23-day1"])
    build = render_campaign(loaded)
    files = dict(build.files)
    for name, png in build.files.items():
        if name.startswith("cards/"):
            files[name] = png[:png.rfind(b"iTXt") - 4] + png[-12:]  # the stamp cut off
    laid_out: list[str] = []
    real = quotes.layout_card
    monkeypatch.setattr(quotes, "layout_card",
                        lambda q, c, s: laid_out.append(q.id) or real(q, c, s))
    assert run_checks(build.checked, loaded.source) == build.findings
    assert laid_out == []  # stamped cards are read, not laid out
    assert run_checks(replace(build, files=files).checked, loaded.source) == build.findings
    assert laid_out == [q.id for q in loaded.campaign.quotes]


@pytest.mark.parametrize("html", ["", "   ", "<!-- only a comment -->", "<!DOCTYPE html>"])
def test_an_email_with_nothing_in_it_reads_as_empty(html: str) -> None:
    reader = read_email(html)
    assert (reader.lang, reader.links, reader.images, reader.text) == (None, (), (), "")


def test_link_addresses_are_decoded_once() -> None:
    # "&amp;copy=2" in the HTML is the address text "&copy=2"; decoding it a second time (as
    # the checks once did) turned it into "©=2" and reported a link the email does not have.
    build = build_campaign(CASES["minimal"])
    html = ('<html><body><a href="https://example.org/?a=1&amp;copy=2&amp;lt=3">'
            "the programme</a></body></html>")
    checked = replace(build.checked, html=html)
    links = web_links(checked, read_email(html))
    assert links[0] == ("https://example.org/?a=1&copy=2&lt=3", "email.html")


def test_a_card_that_would_show_boxes_is_a_warning_at_the_quote() -> None:
    # The awkward campaign's first quote ends in an emoji, which the emoji font draws; a
    # private-use character and an unassigned one are in no font at all.
    loaded = load_campaign(CASES["awkward"])
    build = render_campaign(loaded)
    quote = loaded.campaign.quotes[0]
    assert "🎉" in quote.text
    assert [f for f in build.findings if "show boxes" in f.message] == []
    odd = replace(quote, text="Zoë \ue000 and \u0378, 日本語 🎉")
    checked = replace(build.checked, campaign=replace(loaded.campaign, quotes=(odd,)), posts=())
    (finding,) = [f for f in run_checks(checked, loaded.source) if "show boxes" in f.message]
    assert finding.message == (
        f"quote '{quote.id}': its quote cards (cards/{quote.id}-1600x900.png and "
        f"cards/{quote.id}-1080x1350.png) show boxes for U+E000 (no name), U+0378 (no name): "
        "no installed font has a glyph for them")
    assert finding.severity == "warning" and finding.check == "quotes"
    at = loaded.source.diagnostic(("quotes", 0, "text"), "warning", "x")
    assert (finding.diagnostic.line, finding.diagnostic.col) == (at.line, at.col)
