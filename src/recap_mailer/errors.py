"""Diagnostics that point into a user's file, and the exception that carries them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Control characters from a user's file would act on the terminal (ESC) or split the line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)

#: An error stops the build; a warning is for the writer to act on (and fails --strict); a
#: note is for the reviewer to know (the clients a feature is partly supported in).
Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding, printed as ``path:line:col: severity: message``."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str

    def format(self) -> str:
        """Return the compiler-style one-line form, with control characters shown escaped."""
        path, message = _printable(self.path), _printable(self.message)
        if self.line:
            return f"{path}:{self.line}:{self.col}: {self.severity}: {message}"
        return f"{path}: {self.severity}: {message}"


class RecapError(Exception):
    """Base class of every error recap-mailer reports to a user without a traceback."""


class SourceError(RecapError):
    """The recap source, a template or an output failed; carries every diagnostic at once."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def single_error(path: str, message: str, line: int = 0, col: int = 0) -> SourceError:
    """Build a SourceError holding one error."""
    return SourceError([Diagnostic(path, line, col, "error", message)])
