"""`recap-mailer import`: a saved recap page becomes a draft recap.yaml that validates."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from helpers import fold
from recap_mailer.cli import main
from recap_mailer.errors import RecapError
from recap_mailer.format.source import parse_source
from recap_mailer.format.validate import validate
from recap_mailer.importer import ImportOptions, import_page, page_kind, read_page
from recap_mailer.importer.names import HONORIFIC
from recap_mailer.importer.people import _named
from recap_mailer.render import markdown

SEED = ROOT.parent / "shared" / "seeds" / "000_39033e787ecd2444.txt"
FIXTURES = ROOT / "tests" / "import"
#: Each fixture page and the golden case its expected draft lives under.
FIXTURE_CASES = {
    "page-like-seed.txt": "import-seed-like",
    "blockquote-cite.html": "import-html",
    "quotes.md": "import-md",
}

# The seed's direct quotes, verbatim (a no-break space after "impact."), with who said them
# and the session they were said in.
SEED_QUOTES = [
    ("(The) steering not rowing metaphor has gone too far; the time for government to just "
     "pull levers and expect that the rest of the machine will just work is not valid anymore",
     "Mark Considine", "keynote"),
    ("we need a common language but we have the key: impact.\u00a0Impact is a very powerful "
     "incentive to connect across partners, to overcome the Babylon of different languages and "
     "it is also the core mechanism for outcomes contracts.", "Rafaella de Felice",
     "deep-dive-1-1"),
    ("if spending power is focused on suppliers adopting new net-zero technologies, then you’d "
     "have an increase in sustainability.", "Simon Collinson", "deep-dive-1-2"),
    ("accountability is key, and key to accountability is transparency.", "Anne Davies",
     "deep-dive-1-5"),
    ("Think about any non-contractual relationship you’ve been in. Every time you add a set of "
     "rules you get a funny look, as you layer on more rules, which layers on more rigidity "
     "which signals mistrust.", "David Van Slyke", "big-picture"),
]
SEED_SESSIONS = [
    ("keynote", "keynote", "Understanding the ‘eleven secret herbs and spices’"),
    ("panel", "panel", "Panel discussion"),
    *((f"deep-dive-1-{n}", "deep-dive", f"Deep {d} 1.{n} ")
      for n, d in [(1, "dive"), (2, "dive"), (3, "dive"), (4, "dive"), (5, "Dive"), (6, "Dive"),
                   (7, "Dive")]),
    ("big-picture", "big-picture", "Big Picture Session- Firming up the handshake"),
    ("book-launch", "book-launch", "Book Launch - Social Economy Science"),
]


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the seed page {SEED} is missing; CI must have ../shared/seeds/")
        pytest.skip(f"the seed page {SEED} is not here")
    return SEED.read_text(encoding="utf-8")


def load(text: str, slug: str = "draft") -> tuple[dict, object]:
    """Parse and validate a draft the way a build would; return the data and the campaign."""
    source = parse_source(text, f"campaigns/{slug}/recap.yaml")
    campaign, _warnings = validate(source, slug)
    return source.data, campaign


def draft(text: str, name: str, **options: str) -> str:
    imported = import_page(text, page_kind(name), ImportOptions(page_name=name, **options),
                           "draft")
    return imported.text


def test_seed_draft_validates_with_every_quote_session_and_speaker(seed_text: str) -> None:
    _, campaign = load(draft(seed_text, SEED.name))
    quotes = {fold(q.text): q for q in campaign.quotes}
    for text, speaker, session in SEED_QUOTES:
        assert fold(text) in quotes, f"not found verbatim: {text[:50]}"
        quote = quotes[fold(text)]
        assert quote.text == text  # the no-break space is kept as the page has it
        assert quote.speaker.name == speaker
        assert quote.session.id == session
    assert len(campaign.quotes) == len(SEED_QUOTES)
    # Scare quotes name nobody speaking: they are not quotes.
    for scare in ("eleven secret herbs and spices", "constellation of players"):
        assert not any(scare in q.text for q in campaign.quotes)
    sessions = [(s.id, s.kind, s.title) for s in campaign.sessions]
    assert len(sessions) == len(SEED_SESSIONS)
    for (sid, kind, title), (want_id, want_kind, want_title) in zip(sessions, SEED_SESSIONS,
                                                                      strict=True):
        assert (sid, kind) == (want_id, want_kind)
        assert title.startswith(want_title)


def test_seed_people_roles_and_affiliations(seed_text: str) -> None:
    _, campaign = load(draft(seed_text, SEED.name))
    people = {p.name: p for p in campaign.people}
    assert "Prof Considine" not in people  # the same person as Professor Mark Considine
    considine = people["Mark Considine"]
    assert (considine.honorific, considine.affiliation, considine.role) == (
        "Professor", "University of Melbourne", "Keynote speaker")
    assert people["Rafaella de Felice"].affiliation == "GSG"
    assert people["Anne Davies"].honorific == "Prof"
    assert people["Anne Davies"].affiliation == "Oxford Law Faculty"
    assert people["Joe Abah"].honorific == "Dr."
    assert people["Eleanor Carter"].affiliation == "GO Lab"
    assert people["Brian Ohl"].affiliation == "Maxwell School, Syracuse University"
    felix = people["Felix-Anselm van Lier"]
    assert (felix.honorific, felix.affiliation, felix.role) == ("Dr", "GO Lab", "Chair")
    sessions = {s.id: s for s in campaign.sessions}
    assert sessions["big-picture"].chair.name == "Felix-Anselm van Lier"
    assert sessions["deep-dive-1-3"].chair.name == "Vanessa Lefton"
    assert [p.name for p in sessions["panel"].speakers] == [
        "Ben Jupp", "Joe Abah", "Aman Johal", "Ole Helby Petersen"]
    assert sessions["deep-dive-1-1"].block == "Morning Deep Dives"
    assert sessions["deep-dive-1-4"].block == "Afternoon Deep Dives"
    assert sessions["big-picture"].block is None


def test_seed_draft_matches_its_golden(seed_text: str, golden) -> None:
    golden.check("import-seed", "recap.yaml", draft(seed_text, SEED.name))


def test_seed_chrome_is_dropped_and_the_date_is_a_marked_placeholder(seed_text: str) -> None:
    text = draft(seed_text, SEED.name)
    for chrome in ("Twitter logo", "chevron icon", "plus-alt"):
        assert chrome not in text
    assert "date: 2000-01-01  # CHECK: the page does not give the date" in text
    assert "recap_url: \"https://example.org/recap\"  # CHECK:" in text


def test_options_fill_what_the_page_leaves_out(seed_text: str) -> None:
    url = "https://golab.bsg.ox.ac.uk/community/news/highlights-from-day-1-of-soc23/"
    text = draft(seed_text, SEED.name, date="2023-09-14", timezone="Europe/London",
                 recap_url=url)
    _, campaign = load(text)
    assert str(campaign.event.date) == "2023-09-14"
    assert str(campaign.event.timezone) == "Europe/London"
    assert campaign.event.recap_url == url
    assert campaign.email.call_to_action.url == url
    assert "2000-01-01" not in text


@pytest.mark.parametrize("name", sorted(FIXTURE_CASES), ids=sorted(FIXTURE_CASES))
def test_fixture_pages_give_their_expected_drafts(name: str, golden) -> None:
    text = draft((FIXTURES / name).read_text(encoding="utf-8"), name)
    load(text)
    golden.check(FIXTURE_CASES[name], "recap.yaml", text)


def test_every_fixture_page_has_an_expected_draft() -> None:
    pages = sorted(p.name for p in FIXTURES.iterdir() if p.is_file())
    assert pages == sorted(FIXTURE_CASES)
    for case in FIXTURE_CASES.values():
        assert (ROOT / "tests" / "golden" / case / "recap.yaml").exists(), case


def quotes_of(name: str) -> dict[str, tuple[str, str]]:
    _, campaign = load(draft((FIXTURES / name).read_text(encoding="utf-8"), name))
    return {q.text: (q.speaker.name, q.session.id) for q in campaign.quotes}


def test_seed_like_page_lone_closing_mark_pronoun_and_said_after() -> None:
    assert quotes_of("page-like-seed.txt") == {
        "Care is infrastructure, and we should fund it like a bridge": ("Amara Okafor", "keynote"),
        "carers are the largest care provider in the country, and the least consulted.":
            ("Priya Nair", "panel"),
        "Data that never leaves the provider cannot help the person it describes.":
            ("Jonas Berg", "workshop-1"),
        "We know what works; the hard part is keeping it funded": ("Ruth Adams", "plenary"),
    }


def test_html_blockquote_cite_and_figcaption() -> None:
    assert quotes_of("blockquote-cite.html") == {
        "Every register was once somebody’s idea of a public good. Ours will be judged the "
        "same way.": ("Ada Byron", "keynote"),
        "If a city pays for the data, its residents should be able to read it.":
            ("Luis Ortega", "panel"),
        "Open by default is cheaper than open by request.": ("Mei Tanaka", "panel"),
    }


def test_markdown_quotes_with_dash_attribution() -> None:
    assert quotes_of("quotes.md") == {
        "A platform is only as open as its least open API.": ("Sofia Almeida", "keynote"),
        "Procurement should be a conversation, not a contract you sign and forget.":
            ("Nadia Rahman", "panel-1"),
        "A contract that changes every month is not a contract at all": ("Lena Fischer",
                                                                         "panel-1"),
        "Map what you share before you decide what to sell.": ("Chidi Eze", "workshop"),
    }


def test_html_chrome_is_dropped() -> None:
    blocks = read_page((FIXTURES / "blockquote-cite.html").read_text(encoding="utf-8"), "html")
    text = " ".join(b.text for b in blocks)
    for chrome in ("Programme", "Twitter logo", "Home icon", "analytics", "Cookie settings",
                   "All rights reserved", "position: absolute"):
        assert chrome not in text
    assert blocks[0].kind == "heading" and blocks[0].level == 1


def test_markdown_links_become_plain_text_in_summaries() -> None:
    text = draft((FIXTURES / "quotes.md").read_text(encoding="utf-8"), "quotes.md")
    assert "http://example.com" not in text
    assert "with the recordings of every session" in text


def test_page_text_stays_literal_in_markdown_prose() -> None:
    page = ("Highlights\n\n## Talk: Links\n\n"
            "Dr Jane Doe said [click](javascript:alert(1)) <script>x</script> *not em*.\n")
    _, campaign = load(draft(page, "page.md"))
    summaries = " ".join(session.summary for session in campaign.sessions)
    html = markdown.to_html(summaries)
    # The page's characters survive as text: no link, no script, no emphasis is made of them.
    assert "<a " not in html and "<script" not in html and "<em>" not in html
    # The page is Markdown: its emphasis and raw tags are read as such, their words kept.
    assert "[click](javascript:alert(1))" in html and "x not em." in html
    page = "Talk one\n\n1. Jane Doe spoke about <b>markup</b> and [links](http://x.example).\n"
    _, campaign = load(draft(page, "page.txt"))
    html = markdown.to_html(" ".join(session.summary for session in campaign.sessions))
    assert "<b>" not in html and "<a " not in html
    assert "&lt;b&gt;markup&lt;/b&gt;" in html


# --- the command ---


def test_cli_writes_the_draft_and_prints_a_summary(tmp_path: Path) -> None:
    page = tmp_path / "recap.md"
    page.write_bytes((FIXTURES / "quotes.md").read_bytes())
    runner = CliRunner()
    args = ["import", str(page), "--slug", "ocf25-day1", "--campaigns", str(tmp_path / "c"),
            "--date", "2025-05-20", "--timezone", "Europe/Lisbon"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    target = tmp_path / "c" / "ocf25-day1" / "recap.yaml"
    assert result.output.startswith(f"drafted {target} from {page}: 3 sessions, 6 people, "
                                    "4 quotes, ")
    load(target.read_text(encoding="utf-8"), "ocf25-day1")
    # An existing source is never overwritten unless asked.
    target.write_text("# edited by hand\n", encoding="utf-8")
    again = runner.invoke(main, args)
    assert again.exit_code == 1
    assert "already exists; not overwriting it" in again.output
    assert target.read_text(encoding="utf-8") == "# edited by hand\n"
    forced = runner.invoke(main, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "date: 2025-05-20\n" in target.read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["recap.yaml"]  # no temporary left


@pytest.mark.parametrize(("option", "value"), [
    ("--date", "14/09/2023"), ("--date", "2023-02-30"), ("--timezone", "Europe/Oxford"),
    ("--recap-url", "http://example.org/"), ("--slug", "Bad Slug"),
], ids=["date-format", "date-unreal", "timezone", "url", "slug"])
def test_cli_refuses_bad_options_as_usage_errors(tmp_path: Path, option: str,
                                                 value: str) -> None:
    page = tmp_path / "p.txt"
    page.write_text("Talk\n\nJane Doe spoke.\n", encoding="utf-8")
    args = ["import", str(page), "--slug", "ok", "--campaigns", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, option, value])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "ok").exists()


def test_cli_reports_unreadable_pages_without_a_traceback(tmp_path: Path) -> None:
    page = tmp_path / "latin1.txt"
    page.write_bytes("Caf\xe9 talk\n\nJane Doe spoke.\n".encode("latin-1"))
    result = CliRunner().invoke(main, ["import", str(page), "--slug", "x",
                                       "--campaigns", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not UTF-8" in result.output and "Traceback" not in result.output
    empty = tmp_path / "empty.html"
    empty.write_text("<nav>Menu</nav><script>x()</script>", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(empty), "--slug", "y",
                                       "--campaigns", str(tmp_path)])
    assert result.exit_code == 1
    assert "found no text to import" in result.output
    assert not (tmp_path / "y").exists()


# --- any page at all ---

PIECES = ["\n\n", "\n\n\n\n", "\n", " ", "Professor Jane Doe", "Dr. Ann Lee", "Prof Doe",
          " (Example Lab)", " of the University of Somewhere", " shared that ", " said ", ": ",
          "“", "”", '"', "‘", "’", " - ", "— ", "Deep dive 1.1 Things", "Keynote", "Panel",
          "Morning Sessions", "Day 3 of the Big Event 2031", "12 March 2024", "# ", "## ", "> ",
          "<h2>", "</h2>", "<p>", "</p>", "<blockquote>", "</blockquote>", "<cite>", "</cite>",
          "<nav>", "Twitter logo", "---", "[x](http://x)", "*", "_", "\\", "&amp;", "\u00a0",
          "\x00", "\ud800", "\u2028", "\x85", "\t", "é", "日本", "👩🏽‍💻",
          "The keynote was followed by a panel discussion.", "chaired by Bob Smith (Acme)",
          "true", "null", "9:30", "#x"]
PAGES = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=40).map(
    "".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=PAGES, name=st.sampled_from(["page.txt", "page.md", "page.html"]))
def test_any_page_gives_a_valid_draft_or_a_clean_error(page: str, name: str) -> None:
    try:
        text = draft(page, name)
    except RecapError as exc:
        assert "does not validate" not in str(exc), exc
        return
    load(text)


_NAME_PIECES = st.sampled_from(["Jane Doe", "Jane", "Doe", "Dr", "Prof.", "Professor", "Mrs.",
                                " ", "  ", "-", "x", "é", "\n", ",", "Jane Doe-Smith"])


@given(st.lists(_NAME_PIECES, max_size=16).map("".join))
def test_names_are_found_where_the_whole_name_pattern_finds_them(text: str) -> None:
    pattern = rf"(?<![\w-])(?:{HONORIFIC} +)?{re.escape('Jane Doe')}(?![\w-])"
    expected = [match.span() for match in re.finditer(pattern, text)]
    assert list(_named(text, "Jane Doe")) == expected
