"""SMTP settings for a test send: RECAP_SMTP_* variables over ~/.config/recap-mailer/smtp.toml."""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from recap_mailer.errors import RecapError

Security = Literal["starttls", "tls", "none"]
_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}
_KEYS = ("host", "port", "user", "password", "security", "timeout")
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class SmtpError(RecapError):
    """The SMTP test send failed; the message is one line, fit to show a user."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how a test copy is sent; from the environment or the user's config file."""

    host: str
    port: int
    security: Security = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    #: Seconds for the whole exchange: connection, greeting, TLS, login and the message.
    timeout: float = 30.0

    @property
    def where(self) -> str:
        """Return ``host:port`` for messages."""
        return f"{self.host}:{self.port}"


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Return the SMTP config file: RECAP_SMTP_CONFIG, else the user's recap-mailer/smtp.toml."""
    environ = os.environ if environ is None else environ
    if environ.get("RECAP_SMTP_CONFIG"):
        return Path(environ["RECAP_SMTP_CONFIG"]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "recap-mailer" / "smtp.toml"


def load_smtp_settings(environ: Mapping[str, str] | None = None) -> SmtpSettings:
    """Read SMTP settings: RECAP_SMTP_* variables override the config file, key by key.

    They never come from a campaign: a recap source is shared and committed; passwords are not.
    """
    environ = os.environ if environ is None else environ
    path = default_config_path(environ)
    values: dict[str, Any] = {}
    explicit = bool(environ.get("RECAP_SMTP_CONFIG"))
    if path.is_file() or explicit:
        values = _read_config(path)
    for key in _KEYS:
        if environ.get(f"RECAP_SMTP_{key.upper()}"):
            values[key] = environ[f"RECAP_SMTP_{key.upper()}"]
    return _settings(values, path)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise SmtpError(f"cannot read SMTP config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SmtpError(f"SMTP config {path} is not valid TOML: {exc}") from None
    # Allow the settings at the top level or under an [smtp] table.
    data = data.get("smtp", data) if isinstance(data.get("smtp"), dict) else data
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise SmtpError(f"SMTP config {path}: unknown key {unknown[0]!r}; "
                        f"known keys: {', '.join(_KEYS)}")
    return dict(data)


def _settings(values: dict[str, Any], path: Path) -> SmtpSettings:
    host = str(values.get("host") or "").strip()
    if not host:
        raise SmtpError(f"no SMTP server configured: set RECAP_SMTP_HOST or 'host' in {path}")
    security = str(values.get("security") or "starttls").strip().lower()
    if security not in _DEFAULT_PORTS:
        raise SmtpError(f"SMTP security {security!r} is not one of: starttls, tls, none")
    try:
        port = int(values.get("port") or _DEFAULT_PORTS[security])
        timeout = float(values.get("timeout") or 30)
    except (TypeError, ValueError):
        raise SmtpError("SMTP port and timeout must be numbers") from None
    if not math.isfinite(timeout) or timeout <= 0:
        raise SmtpError(f"SMTP timeout must be a positive number of seconds, not {timeout}")
    if not 0 < port < 65536:
        raise SmtpError(f"SMTP port {port} is out of range")
    user = str(values["user"]) if values.get("user") else None
    password = str(values["password"]) if values.get("password") is not None else None
    if user and password is None:
        raise SmtpError("an SMTP user needs a password: set RECAP_SMTP_PASSWORD or 'password' "
                        f"in {path}")
    if user and security == "none" and host.lower() not in LOOPBACK:
        raise SmtpError(f"refusing to send the SMTP password to {host} without TLS: "
                        "use RECAP_SMTP_SECURITY=starttls or tls")
    return SmtpSettings(host=host, port=port, security=security,  # type: ignore[arg-type]
                        user=user, password=password, timeout=timeout)
