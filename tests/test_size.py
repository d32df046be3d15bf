"""A campaign whose email would be clipped by Gmail gets a warning naming its size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CASES
from helpers import Page
from recap_mailer.build import build_campaign
from recap_mailer.checks.size import GMAIL_CLIP_BYTES
from recap_mailer.render.email import EMAIL_BUDGET_BYTES


def big_campaign(tmp_path: Path, sessions: int, featured: bool = False) -> Path:
    """Write the minimal campaign with many long sessions."""
    text = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    head = text[:text.index("sessions:")]
    body = ["sessions:"]
    for i in range(sessions):
        body += [f"  - id: s{i}", "    kind: talk", f"    title: Session number {i} about things",
                 "    speakers: [ada]", f"    featured: {str(featured).lower()}",
                 "    summary: |",
                 "      " + "A long summary sentence that goes on for a while. " * 8]
    campaign = tmp_path / "big"
    campaign.mkdir()
    (campaign / "recap.yaml").write_text(head + "\n".join(body) + "\n", encoding="utf-8")
    return campaign


def test_small_campaign_has_no_size_warning() -> None:
    assert build_campaign(CASES["minimal"]).warnings == ()


def test_email_past_gmail_clip_gets_a_warning_naming_its_size(tmp_path: Path) -> None:
    # Featured sessions are never summarised, so this email cannot shrink to fit.
    build = build_campaign(big_campaign(tmp_path, 120, featured=True))
    assert build.email.size > GMAIL_CLIP_BYTES
    assert build.warnings == ()
    [finding] = [f for f in build.findings if f.check == "size"]
    warning = finding.diagnostic
    lines = (tmp_path / "big" / "recap.yaml").read_text(encoding="utf-8").splitlines()
    # The clip falls in a session, named and pointed at (checks.py, the "size" check).
    clipped = next(i for i in range(120) if f"s{i}'" in warning.message)
    line = lines.index(f"  - id: s{clipped}") + 1
    assert warning.format() == (
        f"{tmp_path / 'big' / 'recap.yaml'}:{line}:5: warning: email.html is "
        f"{build.email.size:,} bytes ({build.email.size / 1024:.1f} KB); Gmail clips messages "
        f"over 102 KB and hides the rest, unsubscribe link included: the clip falls in session "
        f"'s{clipped}', hiding the rest of it, the {119 - clipped} sessions after it and the "
        "footer; feature fewer sessions or shorten their summaries")
    assert re.search(r"is \d{3},\d{3} bytes", warning.message)


def test_many_sessions_become_a_compact_list_under_the_budget(tmp_path: Path) -> None:
    build = build_campaign(big_campaign(tmp_path, 60))
    assert build.email.size <= EMAIL_BUDGET_BYTES
    assert len(build.email.layout.compact) == 60 and build.email.layout.omitted == ()
    text = Page(build.email.html).text
    assert all(f"Session number {i} about things" in text for i in range(60))
    assert "A long summary sentence" not in text  # one line each: no summaries
    assert [w.message for w in build.warnings] == [
        "the email lists 60 sessions in one line each to stay under Gmail's clip; mark the "
        "ones to show in full with featured: true"]


def test_a_thousand_sessions_still_fit_and_say_how_many_are_left_out(tmp_path: Path) -> None:
    build = build_campaign(big_campaign(tmp_path, 1000))
    assert build.email.size <= EMAIL_BUDGET_BYTES
    omitted = len(build.email.layout.omitted)
    listed = 1000 - omitted
    assert 0 < omitted < 1000
    text = Page(build.email.html).text
    assert f"{omitted} more sessions of the day are on the recap page." in text
    # The first sessions are listed and the last ones are the ones left out, in order.
    assert f"Session number {listed - 1} about things" in text
    assert f"Session number {listed} about things" not in text
    # Close to the budget: the estimate does not throw away much room.
    assert build.email.size > EMAIL_BUDGET_BYTES - 2048


def test_past_its_image_budget_the_preview_links_cards_instead_of_carrying_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer.preview import page as preview

    build = build_campaign(CASES["soc23-day1"])
    cards = sorted(name for name in build.files if name.startswith("cards/"))
    html = build.files["preview.html"].decode("utf-8")
    assert html.count("data:image/png;base64,") == len(cards) == 10
    assert "linked from the" not in html
    # Room for three cards: the first three (by name) are carried, the other seven linked.
    sizes = [len(build.files[name]) for name in cards]
    monkeypatch.setattr(preview, "EMBED_BYTES", sum(sizes[:3]))
    build = build_campaign(CASES["soc23-day1"])
    html = build.files["preview.html"].decode("utf-8")
    assert html.count("data:image/png;base64,") == 3
    linked = re.findall(r'background-image: url\("(cards/[^"]+)"\)', html)
    assert linked == cards[3:]
    assert "7 of 10 cards are linked from the <code>cards/</code> folder" in html


def test_an_email_under_the_budget_only_once_inlined_is_sent_in_full(tmp_path: Path) -> None:
    # Hidden padding written as character references (a preheader trick) is three times
    # longer in the compiled HTML than once inlined, which writes the characters themselves.
    import shutil

    from recap_mailer.build import load_campaign
    from recap_mailer.render.email import FULL, _compiled, inline_css, render_email
    from recap_mailer.render.templating import make_environment

    campaign_dir = tmp_path / "padded"
    shutil.copytree(CASES["minimal"], campaign_dir)
    (campaign_dir / "templates" / "partials").mkdir(parents=True)
    (campaign_dir / "templates" / "partials" / "footer.mjml").write_text(
        '<mj-section><mj-column><mj-raw><div style="display:none">'
        + "&#847;&zwnj;&nbsp;" * 3000 + "</div></mj-raw></mj-column></mj-section>\n",
        encoding="utf-8")
    loaded = load_campaign(campaign_dir)
    env = make_environment(campaign_dir)
    _, compiled, _ = _compiled(loaded.campaign, env, FULL)
    compiled_size = len(compiled.encode("utf-8"))
    inlined_size = len(inline_css(compiled).encode("utf-8"))
    assert inlined_size * 3 < compiled_size * 2
    budget = (inlined_size + compiled_size) // 2
    email = render_email(loaded.campaign, env, budget)
    assert not email.layout.compact  # every session in full: it fits once inlined
    assert email.size == inlined_size


def test_an_email_surely_past_the_budget_is_neither_compiled_nor_inlined_in_full(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from recap_mailer.build import load_campaign
    from recap_mailer.render import email as module
    from recap_mailer.render.templating import make_environment

    campaign_dir = big_campaign(tmp_path, 300)
    loaded = load_campaign(campaign_dir)
    env = make_environment(campaign_dir)
    full = module.render_mjml(loaded.campaign, env, module.FULL)
    assert len(full) > 3 * EMAIL_BUDGET_BYTES
    compiled: list[str] = []
    real = module.compile_mjml
    monkeypatch.setattr(module, "compile_mjml",
                        lambda source, *rest: compiled.append(source) or real(source, *rest))
    email = module.render_email(loaded.campaign, env)
    assert email.size <= EMAIL_BUDGET_BYTES and email.layout.compact
    assert compiled and full not in compiled  # summarised layouts only
