"""The clients check agrees with doiuse-email (caniemail's data applied to HTML) per client."""

from __future__ import annotations

import json
from functools import cache

import pytest

from conftest import CASES
from recap_mailer.build import build_campaign
from recap_mailer.checks import clients
from reference import NODE_DIR, run_node

CLIENTS = [c for family in clients.FAMILIES.values() for c in family]


@cache
def _lexical_misreads() -> frozenset[tuple[str, str]]:
    """(title, client) pairs where doiuse-email reads an older result than the latest.

    doiuse-email sorts version names as strings ("10.3" before "6.1") and takes the last;
    caniemail lists versions oldest first, and the check reads the last listed.
    """
    path = NODE_DIR / "node_modules" / "doiuse-email" / "data" / "can-i-email.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = set()
    for feature in data["data"]:
        for client in CLIENTS:
            family, platform = client.split(".")
            versions = feature["stats"].get(family, {}).get(platform) or {}
            if versions and versions[sorted(versions)[-1]] != list(versions.values())[-1]:
                out.add((feature["title"], client))
    return frozenset(out)


@cache
def _html(case: str) -> str:
    return build_campaign(CASES[case]).email.html


def test_the_trimmed_data_is_doiuse_emails_data() -> None:
    meta = json.loads((NODE_DIR / "node_modules" / "doiuse-email" / "package.json").read_text())
    data = json.loads((NODE_DIR / "node_modules" / "doiuse-email" / "data" / "can-i-email.json")
                      .read_text(encoding="utf-8"))
    assert f"doiuse-email@{meta['version']}" in clients.caniemail()["source"]
    assert clients.caniemail()["last_update_date"] == data["last_update_date"]


@pytest.mark.parametrize("case", list(CASES))
def test_unsupported_and_partial_features_per_client_are_doiuse_emails(case: str) -> None:
    html = _html(case)
    theirs = run_node("doiuse.js", {"html": html, "clients": CLIENTS})
    ours = clients.client_support(html)
    misread = _lexical_misreads()
    for client in CLIENTS:
        for kind in ("unsupported", "partial"):
            mine = {t for t in ours[client][kind] if (t, client) not in misread}
            reference = {t for t in theirs[client][kind] if (t, client) not in misread}
            assert mine == reference, (client, kind)
    assert any(ours[c]["unsupported"] for c in CLIENTS)


@pytest.mark.parametrize("case", list(CASES))
def test_family_counts_follow_from_doiuse_emails_results(case: str) -> None:
    html = _html(case)
    theirs = run_node("doiuse.js", {"html": html, "clients": CLIENTS})
    ours = clients.client_support(html)
    for support in clients.family_support(html):
        members = clients.FAMILIES[support.family]
        unsupported = set().union(*(theirs[c]["unsupported"] for c in members))
        partial = set().union(*(theirs[c]["partial"] for c in members)) - unsupported
        # Only where doiuse-email misreads the version may the two differ.
        fixed = {t for c in members for t in ours[c]["partial"] ^ set(theirs[c]["partial"])}
        assert fixed <= {t for t, c in _lexical_misreads() if c in members}
        assert set(support.unsupported) == unsupported
        assert set(support.partial) ^ partial <= fixed


def test_doiuse_emails_notes_are_the_ones_the_check_cites() -> None:
    html = _html("soc23-day1")
    theirs = run_node("doiuse.js", {"html": html, "clients": CLIENTS})
    features = clients._by_title()
    for client in CLIENTS:
        for title, notes in theirs[client]["notes"].items():
            if (title, client) in _lexical_misreads():
                continue
            assert set(notes) <= set(features[title]["notes"].values()), (client, title)
