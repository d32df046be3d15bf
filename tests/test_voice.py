"""Posts in the team's own voice: leads and closes, post templates, LinkedIn's fold."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import CASES
from recap_mailer.build import build_campaign, load_campaign
from recap_mailer.errors import SourceError
from recap_mailer.format.source import parse_source
from recap_mailer.format.validate import validate
from recap_mailer.model import PlatformSettings, Quote, Social, Words
from recap_mailer.render.templating import make_environment
from recap_mailer.social.fitting import OPEN
from recap_mailer.social.framing import PostFitError, team_words
from recap_mailer.social.platforms import RULES, fold_at
from recap_mailer.social.posts import compose_posts
from recap_mailer.social.voice import load_post_templates

MINIMAL = CASES["minimal"]


@pytest.fixture
def minimal():
    return load_campaign(MINIMAL).campaign


def _templates(tmp_path: Path, platform: str, text: str):
    folder = tmp_path / "templates" / "posts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{platform}.txt").write_text(text, encoding="utf-8")
    return load_post_templates(make_environment(tmp_path), [platform])


def _quoted(campaign, text: str = "Short and sweet.", platforms=("x",), **words):
    base = campaign.sessions[0]
    quote = Quote(id="q", text=text, speaker=base.speakers[0], session=base, priority=1,
                  **words)
    settings = tuple(p if isinstance(p, PlatformSettings) else PlatformSettings(p)
                     for p in platforms)
    return replace(campaign, quotes=(quote,), social=Social(platforms=settings))


# --- the team's words ---------------------------------------------------------------------

def test_a_platforms_own_words_win_then_all_then_the_platform_default(minimal) -> None:
    quote = Quote(id="q", text="Hi.", speaker=minimal.people[0], session=minimal.sessions[0],
                  lead=Words(all="For all:", linkedin="For LinkedIn:"),
                  close=Words(x="Only on X."))
    linkedin = PlatformSettings("linkedin", lead="Default lead.", close="Default close.")
    x = PlatformSettings("x", lead="X default lead.")
    assert team_words(quote, linkedin) == ("For LinkedIn:", "Default close.")
    assert team_words(quote, x) == ("For all:", "Only on X.")
    bare = replace(quote, lead=Words(), close=Words())
    assert team_words(bare, x) == ("X default lead.", "")


def test_lead_and_close_surround_the_quote_on_every_platform(minimal) -> None:
    campaign = _quoted(minimal, platforms=tuple(RULES), lead=Words(all="Why it matters:"),
                       close=Words(all="More soon."))
    for post in compose_posts(campaign):
        text = post.copy_text
        assert text.startswith("Why it matters:"), post.platform
        lead_end = text.index("Why it matters:") + len("Why it matters:")
        assert lead_end < text.index(OPEN) < text.index("— Ada Lovelace") < text.index(
            "More soon."), post.platform


def test_words_in_recap_yaml_are_read_as_text_or_per_platform() -> None:
    source = (MINIMAL / "recap.yaml").read_text(encoding="utf-8") + """\
quotes:
  - id: q
    text: Words.
    speaker: ada
    session: talk
    lead: "Plain lead"
    close:
      all: Close for all
      linkedin: LinkedIn close
social:
  platforms:
    x: {lead: "X lead"}
    linkedin: {}
"""
    campaign, _ = validate(parse_source(source), "minimal")
    (quote,) = campaign.quotes
    assert quote.lead == Words(all="Plain lead")
    assert quote.close == Words(all="Close for all", linkedin="LinkedIn close")
    assert campaign.social.platforms[0].lead == "X lead"


def _errors(yaml_tail: str) -> list[str]:
    source = (MINIMAL / "recap.yaml").read_text(encoding="utf-8") + yaml_tail
    try:
        _, warnings = validate(parse_source(source), "minimal")
    except SourceError as exc:
        return [d.format() for d in exc.diagnostics]
    return [d.format() for d in warnings]


_QUOTE = """\
quotes:
  - id: q
    text: Words.
    speaker: ada
    session: talk
"""


def test_a_lead_that_a_spreadsheet_would_run_is_refused_where_it_is_written() -> None:
    assert _errors(_QUOTE + "    lead: \"@golab's keynote:\"\nsocial: {platforms: {x: {}}}\n") \
        == ["recap.yaml:32:11: error: quotes[0].lead: starts with '@', which a spreadsheet "
            "reads as a formula when a scheduler's file is opened: begin with a word (posts "
            "are never altered to make them safe)"]
    assert _errors(_QUOTE + "    lead: {linkedin: \"=1+1\"}\n"
                   "social: {platforms: {linkedin: {lead: \"+ more\"}}}\n") == [
        "recap.yaml:32:22: error: quotes[0].lead.linkedin: starts with '=', which a "
        "spreadsheet reads as a formula when a scheduler's file is opened: begin with a word "
        "(posts are never altered to make them safe)",
        "recap.yaml:33:39: error: social.platforms.linkedin.lead: starts with '+', which a "
        "spreadsheet reads as a formula when a scheduler's file is opened: begin with a word "
        "(posts are never altered to make them safe)"]


def test_words_for_a_platform_without_posts_are_flagged_and_unknown_ones_refused() -> None:
    assert _errors(_QUOTE + "    close: {threads: Bye, mastodn: Bye}\n"
                   "social: {platforms: {x: {}}}\n") == [
        "recap.yaml:32:13: warning: quotes[0].close.threads: no posts are written for "
        "threads; enable it under social.platforms",
        "recap.yaml:32:27: error: quotes[0].close.mastodn: unknown key; did you mean "
        "'mastodon'?"]


def test_a_hashtag_the_teams_words_carry_is_not_added_again(minimal) -> None:
    campaign = replace(_quoted(minimal, lead=Words(all="Live from #min:")),
                       event=replace(minimal.event, hashtags=("MIN", "Other")))
    (post,) = compose_posts(campaign)
    assert post.text.count("#") == 2 and "#Other" in post.text and "#MIN" not in post.text


def test_a_hashtag_in_dropped_words_comes_back_at_the_end(minimal, tmp_path) -> None:
    templates = _templates(tmp_path, "x", '{% set optional = ["lead"] %}\n'
                                          "{{ lead }}\n{{ quote }}\n{{ hashtags }}\n")
    campaign = replace(_quoted(minimal, lead=Words(all="Live from #MIN: " + "word " * 60)),
                       event=replace(minimal.event, hashtags=("MIN",)))
    (post,) = compose_posts(campaign, templates)
    # The lead passes 280 and goes; the event's tag it carried is then the post's to show.
    assert "Live from" not in post.text and post.text.endswith("#MIN")


# --- post templates -----------------------------------------------------------------------

def test_a_campaigns_template_shapes_its_posts(minimal, tmp_path) -> None:
    templates = _templates(tmp_path, "x", "{{ lead }}\n{{ quote }}\n\n~ {{ name }} ~\n"
                                          "{{ close }}\n{{ link }}\n")
    campaign = _quoted(minimal, close=Words(x="Bye."))
    (post,) = compose_posts(campaign, templates)
    # The empty lead's line goes; the template's blank line stays, once.
    assert post.text == ("“Short and sweet.”\n\n~ Ada Lovelace ~\nBye.\n"
                         "https://example.org/recap?utm_source=x&utm_medium=social"
                         "&utm_campaign=minimal&utm_content=q")


def test_a_tag_inside_a_line_keeps_its_line_end_and_a_pieces_paragraphs_stay(minimal,
                                                                             tmp_path) -> None:
    templates = _templates(tmp_path, "mastodon",
                           "{% if lead %}\n{{ lead }}\n{% endif %}\n{{ quote }}"
                           "{% if where %} ({{ where }}){% endif %}\n{{ link }}\n")
    campaign = _quoted(minimal, platforms=("mastodon",),
                       lead=Words(all="First paragraph.\n\n\n\nSecond paragraph."))
    (post,) = compose_posts(campaign, templates)
    assert post.text.startswith("First paragraph.\n\nSecond paragraph.\n“Short and sweet.” "
                                "(A talk (MIN Day 1))\nhttps://")


def test_a_build_reads_the_campaigns_own_post_template(tmp_path) -> None:
    campaign = tmp_path / "minimal"
    shutil.copytree(MINIMAL, campaign)
    with (campaign / "recap.yaml").open("a", encoding="utf-8") as source:
        source.write(_QUOTE + "social: {platforms: {bluesky: {}, x: {}}}\n")
    (campaign / "templates" / "posts").mkdir(parents=True)
    (campaign / "templates" / "posts" / "bluesky.txt").write_text(
        "Heard today: {{ quote }}\n{{ name }}\n", encoding="utf-8")
    posts = {p.platform: p for p in build_campaign(campaign).posts}
    assert posts["bluesky"].text == "Heard today: “Words.”\nAda Lovelace"
    assert posts["x"].text.startswith("“Words.”\n— Ada Lovelace, at A talk (MIN Day 1)")


@pytest.mark.parametrize(("text", "message"), [
    ("{{ lead }}\n", "x.txt: error: the post template shows the quote 0 times; show "
                     "{{ quote }} exactly once, whatever the pieces"),
    ("{{ quote }}\n{% if lead %}{{ quote }}{% endif %}\n",
     "x.txt: error: the post template shows the quote 2 times; show {{ quote }} exactly "
     "once, whatever the pieces"),
    ("{{ quote }}\n{{ lede }}\n",
     "x.txt:2:1: error: template: 'lede' is undefined; a post template is given quote, "
     "lead, close, name, affiliation, credit, session, event, where, hashtags, link, "
     "link_label, platform; did you mean 'lead'?"),
    ('{% set optional = ["lead", "sesion"] %}\n{{ quote }}\n',
     "x.txt:1:1: error: optional names 'sesion', which is no piece a post may drop (the "
     "pieces are extra_hashtags, close, session, affiliation, lead); did you mean 'session'?"),
    ('\n{% set optional = "lead" %}\n{{ quote }}\n',
     "x.txt:2:1: error: optional must be a list of piece names, like ['extra_hashtags', "
     "'close', 'session', 'affiliation', 'lead']"),
    ("{{ quote }}\n\n{{ speaker }}\n",
     "x.txt:3:1: error: template: 'speaker' is undefined; a post template is given quote, "
     "lead, close, name, affiliation, credit, session, event, where, hashtags, link, "
     "link_label, platform"),
    ("{{ quote }}\n{{ lead.__class__ }}\n",
     "x.txt:2:1: error: template: access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ quote }}\n{% if lead %}\n",
     "x.txt:2:1: error: template: Unexpected end of template. Jinja was looking for the "
     "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be "
     "closed is 'if'."),
])
def test_a_broken_post_template_is_an_error_in_it(tmp_path, monkeypatch, text: str,
                                                  message: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceError) as caught:
        _templates(Path("."), "x", text)
    assert [d.format() for d in caught.value.diagnostics] == [f"templates/posts/{message}"]


def test_a_template_that_would_start_a_post_as_a_formula_is_refused(minimal,
                                                                     tmp_path) -> None:
    templates = _templates(tmp_path, "x", "- {{ quote }}\n")
    with pytest.raises(PostFitError) as caught:
        compose_posts(_quoted(minimal), templates)
    assert str(caught.value).startswith("quote 'q' on X: the post would start with '-' (")
    assert str(caught.value).endswith("x.txt puts it first), which a spreadsheet reads as a "
                                      "formula when a scheduler's file is opened; start the "
                                      "template with other text")


# --- what the fitter drops ----------------------------------------------------------------

_LONG_LEAD = "A lead of our own that runs on and on, " * 6


def test_the_template_says_what_goes_and_the_rest_comes_back_when_it_fits(minimal,
                                                                           tmp_path) -> None:
    templates = _templates(tmp_path, "x", '{% set optional = ["session", "lead"] %}\n'
                                          "{{ lead }}\n{{ quote }}\n— {{ credit }}, "
                                          "{{ where }}\n{{ link }}\n")
    # The lead passes X's 280 with the quote: it goes, and the session, dropped before it
    # but with room now, comes back.
    (post,) = compose_posts(_quoted(minimal, lead=Words(all=_LONG_LEAD)), templates)
    assert "A lead" not in post.text and "A talk (MIN Day 1)" in post.text
    assert RULES["x"].count(post.text) <= 280


def test_words_a_template_never_drops_make_a_long_post_an_error(minimal, tmp_path) -> None:
    # A thread's first part holds the lead and some of the quote: this lead alone passes 280.
    templates = _templates(tmp_path, "x", '{% set optional = [] %}\n'
                                          "{{ lead }}\n{{ quote }}\n{{ close }}\n")
    campaign = _quoted(minimal, lead=Words(all="L " * 150), close=Words(all="Bye."))
    with pytest.raises(PostFitError) as caught:
        compose_posts(campaign, templates)
    assert str(caught.value).startswith(
        "quote 'q' on X: the post passes the limit of 280 weighted with its lead and its "
        "close, which ")
    assert str(caught.value).endswith("x.txt never drops: shorten them, or add 'lead' "
                                      "and 'close' to the template's optional")


def test_a_threads_lead_opens_its_first_part_and_the_credit_closes_its_last(minimal) -> None:
    text = " ".join(f"Sentence number {i} says a little more than the one before." for i in
                    range(12))
    posts = compose_posts(_quoted(minimal, text=text, lead=Words(all="Worth a thread:"),
                                  close=Words(all="Watch it all.")))
    assert len(posts) > 1
    assert posts[0].text.startswith("Worth a thread:\n“Sentence number 0")
    assert all("Worth a thread" not in p.text for p in posts[1:])
    assert "Watch it all." in posts[-1].text and "— Ada Lovelace" in posts[-1].text
    assert all("Watch it all." not in p.text for p in posts[:-1])
    assert all(RULES["x"].count(p.text) <= 280 for p in posts)


# --- LinkedIn's fold ----------------------------------------------------------------------

_QUOTE_FIRST = "{{ quote }}\n\n— {{ credit }}\n\n{{ link }}\n"


def _fold_findings(tmp_path: Path, lead: str | None, template: str | None) -> list[str]:
    campaign = tmp_path / "minimal"
    shutil.copytree(MINIMAL, campaign)
    long_quote = "This sentence is here to fill the space before the fold. " * 5
    with (campaign / "recap.yaml").open("a", encoding="utf-8") as source:
        source.write(_QUOTE.replace("text: Words.", f"text: {long_quote.strip()}")
                     + (f"    lead: {{linkedin: \"{lead}\"}}\n" if lead else "")
                     + "social: {platforms: {linkedin: {}}}\n")
    if template:
        (campaign / "templates" / "posts").mkdir(parents=True)
        (campaign / "templates" / "posts" / "linkedin.txt").write_text(template)
    build = build_campaign(campaign)
    return [f.diagnostic.message for f in build.findings if "see more" in f.diagnostic.message]


def test_linkedin_warns_when_the_fold_hides_who_spoke_and_the_lead(tmp_path) -> None:
    assert _fold_findings(tmp_path, None, _QUOTE_FIRST) == [
        "post q-linkedin-1: LinkedIn shows 210 utf16 before “see more” on desktop, and "
        "neither Ada Lovelace's name nor a lead's first sentence is among them: give the quote "
        "a lead for linkedin, or open templates/posts/linkedin.txt with who spoke"]


def test_a_lead_before_the_fold_or_the_default_template_satisfies_it(tmp_path) -> None:
    assert _fold_findings(tmp_path / "a", "Ada on filling space. It matters.",
                          "{{ lead }}\n" + _QUOTE_FIRST) == []
    assert _fold_findings(tmp_path / "b", None, None) == []  # the default opens with the name


def test_the_preview_marks_each_fold_where_linkedin_counts_it(tmp_path) -> None:
    build = build_campaign(CASES["soc23-day1"])
    page = build.files["preview.html"].decode("utf-8")
    for post in (p for p in build.posts if p.platform == "linkedin"):
        for shown in (140, 210):
            at = fold_at("linkedin", post.text, shown)
            assert at is not None
            assert RULES["linkedin"].count(post.text[:at]) <= shown
            assert RULES["linkedin"].count(post.text[:at + 1]) > shown
    assert page.count("see more on phones (140)") == sum(
        p.platform == "linkedin" for p in build.posts)


def test_a_template_that_hides_the_quote_for_some_pieces_says_which(minimal, tmp_path,
                                                                    monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    templates = _templates(Path("."), "x", "{% if lead %}{{ lead }} {{ quote }}{% endif %}\n")
    with pytest.raises(SourceError) as caught:
        compose_posts(_quoted(minimal), templates)  # a quote with no lead
    assert [d.format() for d in caught.value.diagnostics] == [
        "templates/posts/x.txt: error: the post template shows the quote 0 times when "
        "affiliation, close, hashtags, lead are empty; show {{ quote }} exactly once, whatever "
        "the pieces"]


def test_spaces_beside_an_empty_piece_do_not_start_a_line(minimal, tmp_path) -> None:
    templates = _templates(tmp_path, "x", "{{ quote }}\n{{ lead }} {{ close }}\n")
    (post,) = compose_posts(_quoted(minimal, close=Words(all="Bye.")), templates)
    assert post.text == "“Short and sweet.”\nBye."


def test_words_the_fitter_leaves_out_are_named_where_they_are_written(tmp_path) -> None:
    campaign = tmp_path / "minimal"
    shutil.copytree(MINIMAL, campaign)
    with (campaign / "recap.yaml").open("a", encoding="utf-8") as source:
        source.write(_QUOTE + "    lead: {x: \"" + "Far too long a lead for X. " * 12 + "\"}\n"
                     "social: {platforms: {x: {}, threads: {enabled: false, close: Bye}}}\n")
    build = build_campaign(campaign)
    assert [f.diagnostic.format() for f in build.report if "leaves out" in f.diagnostic.message
            or "enable it" in f.diagnostic.message] == [
        f"{campaign}/recap.yaml:33:55: warning: social.platforms.threads.close: no posts are "
        "written for threads; enable it to use its close",
        f"{campaign}/recap.yaml:32:5: warning: post q-x-1 leaves out its lead: no room for it "
        "beside the quote within 280 weighted on X; shorten it"]
