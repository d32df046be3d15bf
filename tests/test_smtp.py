"""The SMTP test send against a real server (aiosmtpd on 127.0.0.1); where settings come from."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from conftest import CASES, SAMPLE
from recap_mailer.build import build_campaign
from recap_mailer.cli import main
from recap_mailer.render.message import TEST_PREFIX, build_message
from recap_mailer.send.settings import SmtpError, SmtpSettings, load_smtp_settings
from recap_mailer.send.smtp import send_message

USER, PASSWORD = "staff", "s3cret pass"


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every envelope it is given."""

    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                  auth_data: Any) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    # handled=False: let aiosmtpd answer a failure with its 535 (True would answer nothing).
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running test server: its handler and port."""

    recorder: Recorder
    port: int

    def settings(self, **changes: Any) -> SmtpSettings:
        values: dict[str, Any] = {"host": "127.0.0.1", "port": self.port, "security": "none",
                                  "user": USER, "password": PASSWORD, "timeout": 10.0}
        return SmtpSettings(**{**values, **changes})


@pytest.fixture
def server() -> Iterator[Server]:
    recorder = Recorder()
    port = _free_port()
    # AUTH without TLS is allowed here only because the server is this machine's loopback.
    controller = Controller(recorder, hostname="127.0.0.1", port=port,
                            authenticator=_authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield Server(recorder, port)
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def minimal() -> Any:
    return build_campaign(CASES["minimal"])


def _dotted_message(minimal: Any) -> bytes:
    text = ".starts with a dot\n..two dots\n.\nthe line above is a lone dot\n"
    html = "<p>html</p>\n.hidden-class { color: red }\n"
    return build_message(minimal.campaign, text, html, recipients=["staff@example.org"],
                         subject_prefix=TEST_PREFIX)


def test_message_arrives_byte_for_byte(server: Server, minimal: Any) -> None:
    data = _dotted_message(minimal)
    # The lone "." line would end DATA early if smtplib did not dot-stuff it.
    assert b"\r\n.\r\n" in data and b"\r\n..two dots\r\n" in data
    send_message(server.settings(), "news@example.org", ["staff@example.org"], data)
    (envelope,) = server.recorder.envelopes
    assert envelope.original_content == data
    assert envelope.mail_from == "news@example.org"
    assert envelope.rcpt_tos == ["staff@example.org"]


def test_sample_test_send_through_the_cli(server: Server, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _smtp_environment(monkeypatch, tmp_path, server.settings())
    result = CliRunner().invoke(main, ["send-test", str(SAMPLE), "--to", "staff@example.org",
                                       "--to", "second@example.org"])
    assert result.exit_code == 0, result.output
    assert "sent a test of soc23-day1" in result.output
    build = build_campaign(SAMPLE)
    expected = build_message(build.campaign, build.files["email.txt"].decode("utf-8"),
                             build.email.html,
                             recipients=["staff@example.org", "second@example.org"],
                             subject_prefix=TEST_PREFIX)
    (envelope,) = server.recorder.envelopes
    assert envelope.original_content == expected
    assert envelope.rcpt_tos == ["staff@example.org", "second@example.org"]
    assert b"\r\nSubject: [TEST] Highlights from Day 1 of SOC23\r\n" in b"\r\n" + expected


def test_connection_refused_is_one_clear_error(minimal: Any) -> None:
    port = _free_port()  # nothing listens there
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5.0)
    with pytest.raises(SmtpError, match=rf"^cannot connect to SMTP server 127.0.0.1:{port}: "
                                        "connection refused$"):
        send_message(settings, "news@example.org", ["a@example.org"], _dotted_message(minimal))


def test_rejected_login_is_one_clear_error(server: Server, minimal: Any) -> None:
    with pytest.raises(SmtpError, match=r"^SMTP login as 'staff' refused by 127\.0\.0\.1:\d+: 535"):
        send_message(server.settings(password="wrong"), "news@example.org", ["a@example.org"],
                     _dotted_message(minimal))
    assert server.recorder.envelopes == []


def test_tls_failure_is_one_clear_error(server: Server, minimal: Any) -> None:
    # Implicit TLS against a plain-text server: the handshake fails.
    with pytest.raises(SmtpError, match=r"^TLS with SMTP server 127\.0\.0\.1:\d+ failed: "):
        send_message(server.settings(security="tls"), "news@example.org", ["a@example.org"],
                     _dotted_message(minimal))


def test_missing_starttls_is_one_clear_error(server: Server, minimal: Any) -> None:
    with pytest.raises(SmtpError, match="STARTTLS extension not supported"):
        send_message(server.settings(security="starttls"), "news@example.org",
                     ["a@example.org"], _dotted_message(minimal))


def _smtp_environment(monkeypatch: pytest.MonkeyPatch, home: Path,
                      settings: SmtpSettings) -> None:
    monkeypatch.delenv("RECAP_SMTP_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))  # no real user config is read
    monkeypatch.setenv("RECAP_SMTP_HOST", settings.host)
    monkeypatch.setenv("RECAP_SMTP_PORT", str(settings.port))
    monkeypatch.setenv("RECAP_SMTP_SECURITY", settings.security)
    monkeypatch.setenv("RECAP_SMTP_USER", settings.user or "")
    monkeypatch.setenv("RECAP_SMTP_PASSWORD", settings.password or "")


@pytest.mark.parametrize("failure", ["refused", "login"])
def test_cli_failures_exit_1_with_one_line_and_no_traceback(
        failure: str, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = server.settings()
    if failure == "refused":
        settings = server.settings(port=_free_port())
    else:
        settings = server.settings(password="wrong")
    _smtp_environment(monkeypatch, tmp_path, settings)
    result = CliRunner().invoke(main, ["send-test", str(CASES["minimal"]),
                                       "--to", "staff@example.org"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception is not None
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert ("connection refused" if failure == "refused" else "refused by") in lines[0]


def test_cli_refuses_an_injected_recipient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           server: Server) -> None:
    _smtp_environment(monkeypatch, tmp_path, server.settings())
    result = CliRunner().invoke(main, ["send-test", str(CASES["minimal"]),
                                       "--to", "a@example.org\r\nBcc: b@example.org"])
    assert result.exit_code == 1
    assert server.recorder.envelopes == []


def test_cli_without_recipients_is_a_usage_error(tmp_path: Path, server: Server,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _smtp_environment(monkeypatch, tmp_path, server.settings())
    result = CliRunner().invoke(main, ["send-test", str(CASES["minimal"])])
    assert result.exit_code == 2
    assert "--to" in result.output


# --- where settings come from ---------------------------------------------------------------

def test_settings_from_environment_only(tmp_path: Path) -> None:
    settings = load_smtp_settings({"XDG_CONFIG_HOME": str(tmp_path),
                                   "RECAP_SMTP_HOST": "smtp.example.org",
                                   "RECAP_SMTP_USER": "me", "RECAP_SMTP_PASSWORD": "pw"})
    assert settings == SmtpSettings(host="smtp.example.org", port=587, security="starttls",
                                    user="me", password="pw")
    assert "pw" not in repr(settings)


def test_settings_from_config_file_with_environment_overriding(tmp_path: Path) -> None:
    config = tmp_path / "recap-mailer" / "smtp.toml"
    config.parent.mkdir()
    config.write_text('[smtp]\nhost = "mail.example.org"\nsecurity = "tls"\nuser = "me"\n'
                      'password = "from-file"\n', encoding="utf-8")
    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert load_smtp_settings(environ) == SmtpSettings(
        host="mail.example.org", port=465, security="tls", user="me", password="from-file")
    environ["RECAP_SMTP_PASSWORD"] = "from-env"
    environ["RECAP_SMTP_PORT"] = "2465"
    overridden = load_smtp_settings(environ)
    assert (overridden.password, overridden.port, overridden.host) == (
        "from-env", 2465, "mail.example.org")


def test_config_path_can_be_overridden(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('host = "a.example.org"\nport = 25\nsecurity = "none"\n', encoding="utf-8")
    settings = load_smtp_settings({"RECAP_SMTP_CONFIG": str(config)})
    assert (settings.host, settings.port, settings.security) == ("a.example.org", 25, "none")


@pytest.mark.parametrize(("environ", "config", "message"), [
    ({}, None, "no SMTP server configured: set RECAP_SMTP_HOST"),
    ({"RECAP_SMTP_HOST": "h.example.org", "RECAP_SMTP_SECURITY": "ssl"}, None,
     "'ssl' is not one of: starttls, tls, none"),
    ({"RECAP_SMTP_HOST": "h.example.org", "RECAP_SMTP_PORT": "x"}, None, "must be numbers"),
    ({"RECAP_SMTP_HOST": "h.example.org", "RECAP_SMTP_USER": "me"}, None, "needs a password"),
    ({"RECAP_SMTP_HOST": "h.example.org", "RECAP_SMTP_USER": "me", "RECAP_SMTP_PASSWORD": "p",
      "RECAP_SMTP_SECURITY": "none"}, None, "refusing to send the SMTP password"),
    ({}, 'host = "h.example.org"\nhots = "typo"\n', "unknown key 'hots'"),
    ({}, "host = [", "is not valid TOML"),
], ids=["no-host", "bad-security", "bad-port", "no-password", "cleartext-password",
        "unknown-key", "bad-toml"])
def test_bad_settings_are_clear_errors(environ: dict[str, str], config: str | None,
                                       message: str, tmp_path: Path) -> None:
    path = tmp_path / "smtp.toml"
    if config is not None:
        path.write_text(config, encoding="utf-8")
    with pytest.raises(SmtpError, match=message):
        load_smtp_settings({"RECAP_SMTP_CONFIG": str(path), **environ} if config
                           else {"XDG_CONFIG_HOME": str(tmp_path), **environ})


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SmtpError, match="cannot read SMTP config"):
        load_smtp_settings({"RECAP_SMTP_CONFIG": str(tmp_path / "missing.toml"),
                            "RECAP_SMTP_HOST": "h.example.org"})
