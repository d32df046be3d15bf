"""A campaign whose email would be clipped by Gmail gets a warning naming its size."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import CASES
from recap_mailer.build import GMAIL_CLIP_BYTES, build_campaign


def big_campaign(tmp_path: Path, sessions: int) -> Path:
    """Write the minimal campaign with many long sessions."""
    text = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    head = text[:text.index("sessions:")]
    body = ["sessions:"]
    for i in range(sessions):
        body += [f"  - id: s{i}", "    kind: talk", f"    title: Session number {i} about things",
                 "    speakers: [ada]", "    summary: |",
                 "      " + "A long summary sentence that goes on for a while. " * 8]
    campaign = tmp_path / "big"
    campaign.mkdir()
    (campaign / "recap.yaml").write_text(head + "\n".join(body) + "\n", encoding="utf-8")
    return campaign


def test_small_campaign_has_no_size_warning() -> None:
    assert build_campaign(CASES["minimal"]).warnings == ()


def test_email_past_gmail_clip_gets_a_warning_naming_its_size(tmp_path: Path) -> None:
    build = build_campaign(big_campaign(tmp_path, 120))
    assert build.email.size > GMAIL_CLIP_BYTES
    [warning] = build.warnings
    line = (tmp_path / "big" / "recap.yaml").read_text(encoding="utf-8").splitlines().index(
        "sessions:") + 1
    assert warning.format() == (
        f"{tmp_path / 'big' / 'recap.yaml'}:{line}:1: warning: email.html is "
        f"{build.email.size:,} bytes ({build.email.size / 1024:.1f} KB); Gmail clips messages "
        "over 102 KB and hides the rest, unsubscribe link included")
    assert re.search(r"is \d{3},\d{3} bytes", warning.message)
