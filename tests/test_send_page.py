"""The review page's "Send a test": POST /__send to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from browser import launched
from conftest import CASES
from recap_mailer.build import Build, build_campaign
from recap_mailer.preview.send import BROKEN_NOTE, MAX_BODY, TOKEN_HEADER
from recap_mailer.preview.server import PreviewServer
from recap_mailer.send.test_copy import SentTest, send_built
from test_serve import get, wait_for
from test_smtp import Recorder, _free_port

RECIPIENTS = ("staff@example.org", "second@example.org")


@dataclass(frozen=True)
class Live:
    """A preview server that sends, the SMTP server it sends to, and the campaign it serves."""

    preview: PreviewServer
    recorder: Recorder
    campaign: Path
    smtp_port: int


def _environ(port: int) -> dict[str, str]:
    # Settings from these variables alone: no config file of the machine's user is read.
    return {"RECAP_SMTP_HOST": "127.0.0.1", "RECAP_SMTP_PORT": str(port),
            "RECAP_SMTP_SECURITY": "none", "RECAP_SMTP_TIMEOUT": "10",
            "RECAP_SMTP_CONFIG": "/dev/null"}


def _serve(campaign: Path, smtp_port: int) -> PreviewServer:
    """Serve ``campaign`` wired as `recap-mailer preview` wires it: sends of the last good build."""
    last: list[Build] = []

    def build(folder: Path, seen: object = None) -> dict[str, bytes]:
        result = build_campaign(folder)
        last[:] = [result]
        return result.files

    def send(recipients: tuple[str, ...]) -> SentTest:
        return send_built(last[0], recipients, environ=_environ(smtp_port))

    return PreviewServer(campaign, build, port=0, send=send,
                         test_recipients=lambda: last[0].campaign.email.test_recipients)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    campaign = tmp_path / "live"
    shutil.copytree(CASES["minimal"], campaign)
    source = campaign / "recap.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "  intro:", f"  test_recipients: [{', '.join(RECIPIENTS)}]\n  intro:"), encoding="utf-8")
    recorder, port = Recorder(), _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    preview = _serve(campaign, port)
    preview.start()
    try:
        yield Live(preview, recorder, campaign, port)
    finally:
        preview.stop()
        controller.stop()


def _token(preview: PreviewServer) -> str:
    """Read the send token out of the served page, where the form's script has it."""
    page = get(preview, "/")[1].decode("utf-8")
    found = re.search(rf'"{TOKEN_HEADER}": "([A-Za-z0-9_-]+)"', page)
    assert found, "the served page carries no send token"
    return found.group(1)


def post(preview: PreviewServer, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    """POST to /__send with exactly ``headers`` (and Content-Length); return status and JSON."""
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=30)
    conn.putrequest("POST", "/__send", skip_host=True, skip_accept_encoding=True)
    for name, value in {"Content-Length": str(len(body)), **headers}.items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(body)
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    return response.status, answer


def good_headers(preview: PreviewServer) -> dict[str, str]:
    return {"Host": f"127.0.0.1:{preview.port}", "Origin": f"http://127.0.0.1:{preview.port}",
            "Content-Type": "application/json", TOKEN_HEADER: _token(preview)}


def send_to(*recipients: str) -> bytes:
    return json.dumps({"recipients": list(recipients)}).encode()


def test_a_send_from_the_page_reaches_the_smtp_server(live: Live) -> None:
    status, answer = post(live.preview, send_to("staff@example.org"), good_headers(live.preview))
    assert status == 200, answer
    (envelope,) = live.recorder.envelopes
    assert envelope.rcpt_tos == ["staff@example.org"]
    assert envelope.mail_from == "news@example.org"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["To"] == "staff@example.org"
    assert message["Subject"] == "[TEST] Minimal test recap"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and "Ada spoke." in text.get_content()
    assert html is not None and "Ada spoke." in html.get_content()
    size = len(envelope.original_content)
    assert answer == {"ok": True, "recipients": ["staff@example.org"], "size": size,
                      "where": f"127.0.0.1:{live.smtp_port}",
                      "message": f"sent a test of live ({size / 1024:.1f} KB) to "
                                 f"staff@example.org via 127.0.0.1:{live.smtp_port}"}


def _huge() -> bytes:
    return send_to(*(f"person{i}@example.org" for i in range(MAX_BODY // 20)))


# Each refusal: what is changed from a good request, the status, and the exact reason.
REFUSALS = [
    ("wrong token", {TOKEN_HEADER: "x" * 43}, None, 403,
     "forbidden: missing or wrong send token (reload the page)"),
    ("no token", {TOKEN_HEADER: None}, None, 403,
     "forbidden: missing or wrong send token (reload the page)"),
    ("foreign host", {"Host": "evil.example:80"}, None, 403, "forbidden: unexpected Host header"),
    ("foreign origin", {"Origin": "http://evil.example"}, None, 403,
     "forbidden: unexpected Origin header"),
    ("sandboxed origin", {"Origin": "null"}, None, 403, "forbidden: unexpected Origin header"),
    ("form post", {"Content-Type": "application/x-www-form-urlencoded"}, b"to=a@example.org",
     415, "unsupported media type: send application/json"),
    ("too large", {}, _huge(), 413, "request too large: a send's body is at most 4096 bytes"),
    ("no length", {"Content-Length": "ten"}, None, 411, "length required: send a Content-Length"),
    ("not ascii digits", {"Content-Length": "\u00b2"}, None, 411,
     "length required: send a Content-Length"),
    ("5,000 digits", {"Content-Length": "9" * 5000}, None, 411,
     "length required: send a Content-Length"),
    ("bad json", {}, b'{"recipients": [', 400, "bad request: the body is not JSON"),
    ("not utf-8", {}, b'{"recipients": ["\xff@example.org"]}', 400,
     "bad request: the body is not JSON"),
    ("nested deep", {}, b"[" * 4000, 400, "bad request: the body is not JSON"),
    ("not a list", {}, b'{"recipients": "a@example.org"}', 400,
     'bad request: send {"recipients": ["name@example.org", ...]}'),
    ("no recipients", {}, send_to(), 400, "no recipients: enter at least one address"),
    ("not an address", {}, send_to("staff@example.org", "staff at example"), 400,
     "not an email address: 'staff at example'"),
    ("header injection", {}, send_to("a@example.org\r\nBcc: b@example.org"), 400,
     "not an email address: 'a@example.org\\r\\nBcc: b@example.org'"),
    ("51 recipients", {}, send_to(*(f"p{i}@example.org" for i in range(51))), 400,
     "too many recipients: 51; a test goes to at most 50"),
]


@pytest.mark.parametrize(("change", "body", "status", "error"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refusals(live: Live, change: dict[str, str | None], body: bytes | None, status: int,
                  error: str) -> None:
    headers = {k: v for k, v in {**good_headers(live.preview), **change}.items() if v is not None}
    got = post(live.preview, send_to("staff@example.org") if body is None else body, headers)
    assert got == (status, {"ok": False, "error": error})
    assert live.recorder.envelopes == []


def test_fifty_recipients_are_allowed(live: Live) -> None:
    to = [f"p{i}@example.org" for i in range(50)]
    status, answer = post(live.preview, send_to(*to), good_headers(live.preview))
    assert status == 200, answer
    assert live.recorder.envelopes[0].rcpt_tos == to


def test_get_and_other_posts_are_405(live: Live) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", live.preview.port, timeout=10)
    conn.request("GET", "/__send")
    response = conn.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "POST"
    assert json.loads(response.read()) == {"ok": False,
                                           "error": "method not allowed: POST to /__send"}
    conn.request("POST", "/preview.html", body=b"{}")
    response = conn.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "GET"
    assert json.loads(response.read())["error"] == ("method not allowed: a test send is a POST "
                                                    "to /__send")
    conn.close()


def test_an_smtp_failure_is_the_clis_one_line(live: Live, tmp_path: Path) -> None:
    dead = _free_port()  # nothing listens there
    preview = _serve(live.campaign, dead)
    preview.start()
    try:
        status, answer = post(preview, send_to("staff@example.org"), good_headers(preview))
    finally:
        preview.stop()
    assert (status, answer) == (502, {"ok": False, "error": "error: cannot connect to SMTP "
                                      f"server 127.0.0.1:{dead}: connection refused"})


def test_a_broken_source_sends_the_last_good_build_and_says_so(live: Live) -> None:
    source = live.campaign / "recap.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "timezone: UTC", "timezone: Mars/Olympus").replace("Minimal test recap", "Edited"),
        encoding="utf-8")
    wait_for(lambda: "unknown time zone" in (json.loads(get(live.preview, "/__status")[1])
                                             ["error"] or ""))
    status, answer = post(live.preview, send_to("staff@example.org"), good_headers(live.preview))
    assert status == 200 and answer["message"].endswith(BROKEN_NOTE)
    message = email.message_from_bytes(live.recorder.envelopes[0].original_content,
                                       policy=email.policy.default)
    assert message["Subject"] == "[TEST] Minimal test recap"


def test_no_good_build_yet_is_409(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "recap.yaml").write_text("version: 1\nemail: [\n", encoding="utf-8")
    preview = _serve(folder, _free_port())
    preview.start()
    try:
        assert "send-test" not in get(preview, "/")[1].decode("utf-8")
        headers = {"Host": f"127.0.0.1:{preview.port}", "Content-Type": "application/json",
                   TOKEN_HEADER: preview.desk.token if preview.desk else ""}
        assert post(preview, send_to("a@example.org"), headers) == (
            409, {"ok": False, "error": "no good build to send yet: fix the source first"})
    finally:
        preview.stop()


def test_the_form_is_on_the_served_page_only(live: Live) -> None:
    page = get(live.preview, "/")[1].decode("utf-8")
    assert '<form id="send-test"' in page
    assert f'value="{", ".join(RECIPIENTS)}"' in page
    built = build_campaign(live.campaign).files["preview.html"].decode("utf-8")
    assert "send-test" not in built and "/__send" not in built and TOKEN_HEADER not in built
    plain = PreviewServer(live.campaign, lambda d, seen: build_campaign(d).files, port=0)
    plain.start()
    try:
        served = get(plain, "/")[1].decode("utf-8")
        assert "<title>Review: " in served  # the review page itself, not a failed build's
        assert "send-test" not in served and "/__send" not in served
        assert get(plain, "/__send")[0] == 404  # no sending configured: nothing there
        assert post(plain, send_to("a@example.org"), {"Host": f"127.0.0.1:{plain.port}"}) == (
            405, {"ok": False, "error": "method not allowed: the preview is read only"})
    finally:
        plain.stop()


def test_each_server_has_its_own_token(live: Live) -> None:
    other = _serve(live.campaign, live.smtp_port)
    other.start()
    try:
        assert other.desk and live.preview.desk and other.desk.token != live.preview.desk.token
        assert len(other.desk.token) >= 40
    finally:
        other.stop()


def test_chromium_fills_the_form_and_sends(live: Live) -> None:
    with launched() as browser:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(live.preview.url)
        field = page.locator("#send-to")
        assert field.input_value() == ", ".join(RECIPIENTS)
        field.fill("reviewer@example.org, editor@example.org")
        page.click("#send-test button")
        result = page.locator('#send-result[data-outcome="sent"]')
        result.wait_for(timeout=15000)
        assert result.inner_text().startswith("sent a test of live (")
        assert result.inner_text().endswith("to reviewer@example.org, editor@example.org via "
                                            f"127.0.0.1:{live.smtp_port}")
        field.fill("not an address")
        page.click("#send-test button")
        page.locator('#send-result[data-outcome="failed"]').wait_for(timeout=15000)
        assert page.locator("#send-result").inner_text() == (
            "not an email address: 'not an address'")
    (envelope,) = live.recorder.envelopes
    assert envelope.rcpt_tos == ["reviewer@example.org", "editor@example.org"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["To"] == "reviewer@example.org, editor@example.org"
    assert message["Subject"].startswith("[TEST] ")


def test_the_preview_command_sends_from_its_page(live: Live, tmp_path: Path) -> None:
    env = {**os.environ, **_environ(live.smtp_port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "recap_mailer", "preview", str(live.campaign), "--port", "0",
         "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        # A test run started in the background ignores SIGINT, and so would its children.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("previewing "):
                break
        port = int(re.search(r":([0-9]+)/ ", line).group(1))  # type: ignore[union-attr]

        running: Any = SimpleNamespace(port=port)  # all that get() and post() read of a server
        status, answer = post(running, send_to("staff@example.org"), good_headers(running))
        assert status == 200, answer
        assert process.stdout.readline().strip() == answer["message"]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    (envelope,) = live.recorder.envelopes
    assert envelope.rcpt_tos == ["staff@example.org"]
