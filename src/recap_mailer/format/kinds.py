"""Small typed building blocks that both check a source and describe it as JSON Schema."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateparser

from recap_mailer import links
from recap_mailer.errors import Diagnostic
from recap_mailer.format.source import Path_, Source, format_path
from recap_mailer.links import EMAIL_ADDRESS as _EMAIL
from recap_mailer.links import LINK_SCHEMES


class Invalid:
    """Marker for a value that failed its check (its error is already reported)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = Invalid()

# Control characters, lone surrogates (YAML lets "\ud800" through) and noncharacters: none
# belongs in prose, and the MJML engine fails on some of them.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
#: An RFC 2047 encoded-word ("=?UTF-8?Q?=0A?="): Python decodes one found in a plain header
#: value and may fold its decoded newline into a real header line (the Bcc: smuggling trick).
ENCODED_WORD = re.compile(r"=\?.*\?=", re.DOTALL)
_LINE_BREAK = re.compile(r"[\r\n\x85\u2028\u2029]")


class Checker:
    """Collects every diagnostic of one pass over a source."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def error(self, at: Path_, message: str, *, key: bool = False) -> None:
        """Report an error at ``at``, prefixed with the field's path."""
        self._add(at, "error", message, key)

    def warning(self, at: Path_, message: str, *, key: bool = False) -> None:
        """Report an advisory at ``at``."""
        self._add(at, "warning", message, key)

    def _add(self, at: Path_, severity: str, message: str, key: bool) -> None:
        self.diagnostics.append(
            self.source.diagnostic(at, severity, f"{format_path(at)}: {message}", key=key)
        )


def describe(value: Any) -> str:
    """Name a value's YAML type the way a user would."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class Kind:
    """A kind of value in the recap format."""

    expected = "a value"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        """Return the value converted, or INVALID after reporting why."""
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        """Return this kind as a JSON Schema fragment."""
        raise NotImplementedError

    def _wrong_type(self, value: Any, at: Path_, checker: Checker) -> Any:
        checker.error(at, f"expected {self.expected}, got {describe(value)}")
        return INVALID


@dataclass
class Text(Kind):
    """A string; single line unless ``multiline``; optionally Markdown prose."""

    min_length: int = 1
    max_length: int = 2000
    multiline: bool = False
    pattern: str | None = None
    pattern_hint: str = ""
    markdown: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "text"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and not self.markdown:
            value = str(value)
        if not isinstance(value, str):
            return self._wrong_type(value, at, checker)
        if not self.multiline and _LINE_BREAK.search(value):
            checker.error(at, "must be a single line (no line breaks)")
            return INVALID
        bad = _CONTROL.search(value)
        if bad:
            checker.error(at, f"contains U+{ord(bad[0]):04X}, which is not allowed in text")
            return INVALID
        stripped = value.strip()
        if len(stripped) < self.min_length:
            checker.error(at, "must not be empty" if self.min_length == 1
                          else f"must be at least {self.min_length} characters")
            return INVALID
        if len(stripped) > self.max_length:
            checker.error(
                at, f"is {len(stripped)} characters long; the most allowed is {self.max_length}"
            )
            return INVALID
        if self.pattern and not re.fullmatch(self.pattern, stripped):
            checker.error(at, self.pattern_hint or f"must match {self.pattern}")
            return INVALID
        return stripped

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "minLength": self.min_length,
                               "maxLength": self.max_length}
        if self.pattern:
            out["pattern"] = f"^(?:{self.pattern})$"
        return out


class Handle(Text):
    """A handle on one platform; the model writes it with its leading @."""


class Hashtag(Text):
    """A hashtag; the model keeps it without its leading #."""


def link_problem(url: str, schemes: tuple[str, ...] = LINK_SCHEMES) -> str | None:
    """Say what is wrong with a link written in the source, or None when it is safe."""
    # The rules are links.link_problem's, the one copy the email's link check also applies.
    problem = links.link_problem(url, schemes)
    return problem.message if problem else None


@dataclass
class Link(Kind):
    """An https: (or mailto:) address."""

    schemes: tuple[str, ...] = LINK_SCHEMES
    expected = "a link"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, at, checker)
        problem = link_problem(value, self.schemes)
        if problem:
            checker.error(at, problem)
            return INVALID
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri",
                "pattern": "^(" + "|".join(f"{s}:" for s in self.schemes) + ")"}


@dataclass
class Email(Kind):
    """A bare email address."""

    expected = "an email address"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, at, checker)
        if not re.fullmatch(_EMAIL, value) or len(value) > 254:
            checker.error(at, f"is not an email address: {value[:60]!r}")
            return INVALID
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "email"}


@dataclass
class Choice(Kind):
    """One of a fixed set of words."""

    options: tuple[str, ...] = ()

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if value not in self.options:
            shown = str(value)[:40] if isinstance(value, str | int) else describe(value)
            checker.error(at, f"'{shown}' is not one of: {', '.join(map(str, self.options))}"
                          + did_you_mean(str(value), self.options))
            return INVALID
        return value

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.options)}


@dataclass
class Flag(Kind):
    """true or false."""

    expected = "true or false"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, bool):
            return self._wrong_type(value, at, checker)
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass
class Number(Kind):
    """A whole number within bounds."""

    minimum: int = 0
    maximum: int = 1_000_000
    expected = "a whole number"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return self._wrong_type(value, at, checker)
        if not self.minimum <= value <= self.maximum:
            checker.error(at, f"must be between {self.minimum} and {self.maximum}, got {value}")
            return INVALID
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?\Z")


@dataclass
class Day(Kind):
    """A calendar date written YYYY-MM-DD."""

    expected = "a date (YYYY-MM-DD)"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, at, checker)
        if not _ISO_DATE.match(value):
            checker.error(at, f"'{value}' is ambiguous or not a date; write it as YYYY-MM-DD")
            return INVALID
        try:
            return dateparser.isoparse(value).date()
        except ValueError:
            checker.error(at, f"'{value}' is not a real date")
            return INVALID

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


@dataclass
class Moment(Kind):
    """A date and time, YYYY-MM-DDTHH:MM; local to the event unless it has an offset."""

    expected = "a date and time (YYYY-MM-DDTHH:MM)"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, at, checker)
        if not _ISO_DATETIME.match(value):
            checker.error(at, f"'{value}' is not a date and time; write it as YYYY-MM-DDTHH:MM")
            return INVALID
        try:
            return dateparser.isoparse(value.replace(" ", "T"))
        except ValueError:
            checker.error(at, f"'{value}' is not a real date and time")
            return INVALID

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": _ISO_DATETIME.pattern.removesuffix(r"\Z")}


@dataclass
class Zone(Kind):
    """An IANA time zone name such as Europe/London."""

    expected = "a time zone name"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, at, checker)
        zone = parse_zone(value)
        if zone is None:
            checker.error(at, f"unknown time zone '{value}'; use an IANA name like Europe/London")
            return INVALID
        return zone

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "examples": ["Europe/London", "America/New_York"]}


@dataclass
class Colour(Kind):
    """A colour written #rrggbb."""

    expected = "a colour (#rrggbb)"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            checker.error(at, f"expected a colour written #rrggbb, got {value!r}")
            return INVALID
        return value.lower()

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"}


def parse_zone(name: str) -> ZoneInfo | None:
    """Return the IANA time zone called ``name``, or None when there is none."""
    if ("/" not in name and name != "UTC") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name like America/Argentina
        return None                                       # is a folder of the zone database


def did_you_mean(word: str, options: Any) -> str:
    """Return ``; did you mean 'x'?`` for the closest option, or nothing."""
    close = difflib.get_close_matches(word.lower(), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close and close[0] != word else ""


def local_moment(moment: datetime, zone: ZoneInfo) -> datetime:
    """Attach the event's zone to a naive date-time; convert an offset one into that zone."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


__all__ = [
    "INVALID",
    "Checker",
    "Choice",
    "Colour",
    "Day",
    "Email",
    "Flag",
    "Handle",
    "Hashtag",
    "Kind",
    "Link",
    "Moment",
    "Number",
    "Text",
    "Zone",
    "did_you_mean",
    "link_problem",
    "local_moment",
    "parse_zone",
]
