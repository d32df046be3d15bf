"""Findings: what a check found and where, the check groups in report order, and the reports."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from recap_mailer.errors import Diagnostic, Severity

#: The check groups, in the order they are reported, with what each looks at.
CHECKS = {
    "source": "the recap source",
    "size": "Gmail's clip",
    "accessibility": "alt text, headings, lang, link text, contrast",
    "preheader": "the inbox preview line",
    "compliance": "unsubscribe link and postal address",
    "links": "well formed, https:, tracked",
    "quotes": "verbatim and attributed everywhere",
    "posts": "within each platform's limits",
    "schedule": "posting times and scheduler limits",
    "clients": "CSS major email clients do not support",
}

HTML_FILE, TEXT_FILE, POSTS_FILE = "email.html", "email.txt", "posts.json"


@dataclass(frozen=True)
class Finding:
    """One finding of one check group, located in the source or in an output file."""

    check: str
    diagnostic: Diagnostic

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity

    @property
    def message(self) -> str:
        return self.diagnostic.message

    def format(self) -> str:
        """Return the compiler-style line, tagged with the check group."""
        return f"{self.diagnostic.format()} [{self.check}]"

    def as_json(self) -> dict[str, Any]:
        """Return the finding as plain JSON data."""
        d = self.diagnostic
        return {"check": self.check, "severity": d.severity, "message": d.message,
                "path": d.path, "line": d.line or None, "col": d.col or None}


def in_output(check: str, path: str, severity: Severity, message: str) -> Finding:
    """Return a finding about an output file as a whole."""
    return Finding(check, Diagnostic(path, 0, 0, severity, message))


def all_findings(warnings: Iterable[Diagnostic],
                 findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return the source's advisories and the checks' findings, in report order."""
    return in_order([Finding("source", w) for w in warnings] + list(findings))


def in_order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return findings group by group, keeping their order within a group."""
    order = {name: i for i, name in enumerate(CHECKS)}
    return tuple(sorted(findings, key=lambda f: order[f.check]))


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Return how many errors and warnings."""
    listed = list(findings)
    return {"errors": sum(f.severity == "error" for f in listed),
            "warnings": sum(f.severity == "warning" for f in listed),
            "notes": sum(f.severity == "note" for f in listed)}


def strictly(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return the findings with every warning made an error (``--strict``); notes stay notes."""
    return tuple(f if f.severity == "note" else
                 Finding(f.check, Diagnostic(f.diagnostic.path, f.diagnostic.line,
                                             f.diagnostic.col, "error", f.message))
                 for f in findings)


def report_json(slug: str, findings: Iterable[Finding]) -> str:
    """Return report.json: stable, one object with the campaign, counts and findings."""
    listed = list(findings)
    data = {"campaign": slug, "counts": counts(listed),
            "findings": [f.as_json() for f in listed]}
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def report_text(findings: Iterable[Finding]) -> str:
    """Return the human report: a heading per check group with its counts, then its findings."""
    listed = list(findings)
    lines = []
    for name, what in CHECKS.items():
        mine = [f for f in listed if f.check == name]
        c = counts(mine)
        if not mine:
            status = "ok"
        else:
            parts = [_plural(c["errors"], "error")] if c["errors"] else []
            parts += [_plural(c["warnings"], "warning")] if c["warnings"] else []
            parts += [_plural(c["notes"], "note")] if c["notes"] else []
            status = ", ".join(parts)
        lines.append(f"{name} ({what}): {status}")
        lines += [f"  {f.diagnostic.format()}" for f in mine]
    return "\n".join(lines) + "\n"
