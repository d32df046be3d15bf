"""The docs tell the truth: commands, examples and key tables match what the tool does."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE
from recap_mailer.format.declaration import reference_tables

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(text: str, lang: str) -> list[str]:
    """Return the fenced blocks of a language ("" for unlabelled ones), in order."""
    return [body for label, body in re.findall(r"```(\w*)\n(.*?)```", text, re.DOTALL)
            if label == lang]


def test_readme_starts_with_the_two_commands() -> None:
    build, tests = code_blocks(README, "sh")[:2]
    assert "recap-mailer build campaigns/soc23-day1" in build
    assert "pytest" in tests and "'.[test]'" in tests


def test_ci_runs_the_readme_test_command() -> None:
    tests = code_blocks(README, "sh")[1].strip()
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_format_doc_key_tables_are_current() -> None:
    doc = (ROOT / "docs" / "recap-format.md").read_text(encoding="utf-8")
    tables = doc.split("<!-- keys:start -->\n")[1].split("<!-- keys:end -->")[0]
    assert tables == reference_tables(), (
        "docs/recap-format.md is stale: replace the keys section with "
        "`recap-mailer schema --markdown`")


def test_readme_error_example_is_what_the_tool_prints(tmp_path: Path) -> None:
    example = next(b for b in code_blocks(README, "") if "errors" in b).strip().splitlines()
    campaign = tmp_path / "campaigns" / "soc23-day1"
    shutil.copytree(SAMPLE, campaign)
    source = campaign / "recap.yaml"
    source.write_text(source.read_text(encoding="utf-8")
                      .replace("timezone: Europe/London", "timezone: Europe/Oxford")
                      .replace("speaker: anne-davies", "speaker: anne-davis"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "recap_mailer", "build",
                             "campaigns/soc23-day1"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == example
