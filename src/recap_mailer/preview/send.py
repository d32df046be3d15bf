"""The live preview's "Send a test" form and the checks on each POST /__send it makes."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from typing import Any, BinaryIO

from markupsafe import escape

from recap_mailer.errors import RecapError
from recap_mailer.links import EMAIL_ADDRESS
from recap_mailer.send.test_copy import SentTest, describe_failure

#: The largest body a send may have: fifty long addresses fit, nothing much more does.
MAX_BODY = 4096
MAX_RECIPIENTS = 50
#: How much of a body too large is read (and dropped) before the refusal: a client still
#: sending when the connection closes on unread bytes gets a reset instead of the answer.
DRAIN_LIMIT = 64 * 1024
#: The header carrying the page's token: a custom header also makes a foreign page's fetch
#: ask first (a CORS preflight), which this server never answers.
TOKEN_HEADER = "X-Recap-Send-Token"
#: Appended to a send's answer when the source being edited does not build now.
BROKEN_NOTE = " (from the last good build: the current source does not build)"

_FORM = """<form id="send-test" class="send-test" novalidate
 style="display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:0 0 16px;padding:10px 12px;
 border:1px solid #c9ced6;border-radius:6px;font:14px system-ui,sans-serif">
<label for="send-to"><strong>Send a test</strong> to</label>
<input id="send-to" name="to" type="text" size="48" value="%s" autocomplete="off"
 spellcheck="false" aria-describedby="send-result">
<button type="submit">Send</button>
<span id="send-result" role="status"></span>
</form>
<style>#send-result[data-outcome="failed"] { color: #b00020 }
#send-result[data-outcome="sent"] { color: #1b6e20 }</style>
<script>
(function () {
  var form = document.getElementById("send-test"), out = document.getElementById("send-result");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var to = form.elements.to.value.split(",").map(function (s) { return s.trim(); })
      .filter(function (s) { return s !== ""; });
    var button = form.querySelector("button");
    button.disabled = true;
    out.textContent = "Sending\\u2026";
    out.removeAttribute("data-outcome");
    fetch("/__send", {method: "POST", cache: "no-store",
                      headers: {"Content-Type": "application/json", "%s": %s},
                      body: JSON.stringify({recipients: to})})
      .then(function (r) { return r.json(); })
      .then(function (a) {
        out.textContent = a.ok ? a.message : a.error;
        out.setAttribute("data-outcome", a.ok ? "sent" : "failed");
      })
      .catch(function (e) {
        out.textContent = "error: the preview server did not answer (" + e.message + ")";
        out.setAttribute("data-outcome", "failed");
      })
      .finally(function () { button.disabled = false; });
  });
})();
</script>"""


@dataclass(frozen=True)
class Answer:
    """A reply to POST /__send: its status and JSON body."""

    status: int
    body: dict[str, Any]

    @classmethod
    def refuse(cls, status: int, message: str) -> Answer:
        """Return a refusal, its one-line reason under "error"."""
        return cls(status, {"ok": False, "error": message})


class SendDesk:
    """Test sends for one server: its token, and one send at a time on a worker of its own."""

    def __init__(self, send: Callable[[tuple[str, ...]], SentTest],
                 test_recipients: Callable[[], tuple[str, ...]]) -> None:
        self.token = secrets.token_urlsafe(32)
        self._send = send
        self._test_recipients = test_recipients
        # One worker: sends queue up rather than opening many SMTP connections at once.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recap-send")

    def form(self) -> str:
        """Return the form and its script, for the served page (never the built one)."""
        recipients = ", ".join(self._test_recipients())
        return _FORM % (escape(recipients), TOKEN_HEADER, json.dumps(self.token))

    def answer(self, headers: Message, body: BinaryIO, origins: set[str], has_build: bool,
               broken: bool) -> Answer:
        """Check a send request, then send and wait for the outcome; refusals say why."""
        refused = self._refusal(headers, origins)
        if refused is not None:
            return refused
        length = headers.get("Content-Length", "")
        # ASCII digits only: "²".isdigit() holds, and int() refuses it (or 5,000 digits).
        if not re.fullmatch(r"[0-9]{1,9}", length):
            return Answer.refuse(411, "length required: send a Content-Length")
        if int(length) > MAX_BODY:
            if int(length) <= DRAIN_LIMIT:
                body.read(int(length))
            return Answer.refuse(413, f"request too large: a send's body is at most {MAX_BODY} "
                                 "bytes")
        recipients = _recipients(body.read(int(length)))
        if isinstance(recipients, Answer):
            return recipients
        if not has_build:
            return Answer.refuse(409, "no good build to send yet: fix the source first")
        return self._deliver(recipients, broken)

    def close(self) -> None:
        """Let the worker go once any send under way has ended."""
        self._worker.shutdown(wait=False)

    def _refusal(self, headers: Message, origins: set[str]) -> Answer | None:
        origin = headers.get("Origin")
        # A browser's POST always names its origin; a page elsewhere, or a sandboxed frame
        # ("null"), is no reviewer of this preview. A client with no Origin is no browser:
        # the token, which only this server's page carries, is what it must show.
        if origin is not None and origin not in origins:
            return Answer.refuse(403, "forbidden: unexpected Origin header")
        token = headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self.token.encode()):
            return Answer.refuse(403, "forbidden: missing or wrong send token (reload the page)")
        kind = headers.get_content_type() if headers.get("Content-Type") else ""
        if kind != "application/json":
            return Answer.refuse(415, "unsupported media type: send application/json")
        return None

    def _deliver(self, recipients: tuple[str, ...], broken: bool) -> Answer:
        # Off the request thread: the SMTP exchange runs on the worker under its own deadline,
        # and the request waits for its result.
        try:
            sent = self._worker.submit(self._send, recipients).result()
        except RecapError as exc:
            return Answer.refuse(502, describe_failure(exc))
        except Exception as exc:  # a bug must come back as one line, never a traceback
            return Answer.refuse(500, f"internal error: {type(exc).__name__}: {exc}")
        return Answer(200, {"ok": True, "message": sent.summary + (BROKEN_NOTE if broken else ""),
                            "recipients": list(sent.recipients), "size": sent.size,
                            "where": sent.where})


def _recipients(raw: bytes) -> tuple[str, ...] | Answer:
    """Read the body's recipients, or say what is wrong with it."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return Answer.refuse(400, "bad request: the body is not JSON")
    given = data.get("recipients") if isinstance(data, dict) else None
    if not isinstance(given, list) or not all(isinstance(r, str) for r in given):
        return Answer.refuse(400, 'bad request: send {"recipients": ["name@example.org", ...]}')
    if not given:
        return Answer.refuse(400, "no recipients: enter at least one address")
    if len(given) > MAX_RECIPIENTS:
        return Answer.refuse(400, f"too many recipients: {len(given)}; a test goes to at most "
                             f"{MAX_RECIPIENTS}")
    for recipient in given:
        if not re.fullmatch(EMAIL_ADDRESS, recipient) or len(recipient) > 254:
            return Answer.refuse(400, f"not an email address: {recipient[:60]!r}")
    return tuple(given)
