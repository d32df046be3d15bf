"""What every check reads (the build's outputs, the source, the email read back) and how a
finding is pointed at the place in recap.yaml it comes from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from recap_mailer.checks.checked import Checked
from recap_mailer.checks.findings import Finding
from recap_mailer.checks.reading import EmailReading
from recap_mailer.errors import Diagnostic, Severity
from recap_mailer.format.source import Path_, Source
from recap_mailer.model import Campaign


@dataclass(frozen=True)
class Context:
    """What every check reads, parsed once."""

    checked: Checked
    source: Source
    email: EmailReading

    @property
    def campaign(self) -> Campaign:
        return self.checked.campaign

    @property
    def text(self) -> str:
        return self.checked.text

    def at(self, check: str, at: Path_, severity: Severity, message: str, *,
           key: bool = False) -> Finding:
        """Return a finding pointing into the source at ``at``."""
        return Finding(check, self.source.diagnostic(at, severity, message, key=key))

    def where(self, check: str, needle: str, severity: Severity, message: str,
              fallback: str) -> Finding:
        """Return a finding at the first source value holding ``needle``, else in ``fallback``."""
        found = _find_value(self.source.data, needle, ()) if needle else None
        if found is not None:
            return self.at(check, found, severity, message)
        return Finding(check, Diagnostic(fallback, 0, 0, severity, message))


def _find_value(data: Any, needle: str, at: Path_) -> Path_ | None:
    if isinstance(data, str):
        return at if needle in data else None
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    for key, value in items:
        found = _find_value(value, needle, (*at, key))
        if found is not None:
            return found
    return None


def bare(url: str) -> str:
    """Return ``url`` without its utm_* parameters (as the source writes it)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = [f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]
    return parts._replace(query="&".join(query)).geturl()


def needle(url: str) -> str:
    """Return what to look for in the source to find where a link was written, if anything."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return bare(url) if host else ""
