"""Send a built message over SMTP within one deadline for the whole exchange."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterable

from recap_mailer.send.settings import SmtpError, SmtpSettings


class _Deadline:
    """One limit for a whole exchange: once it passes, the connection is shut down.

    A socket timeout bounds each read, so a server sending a byte at a time within it could
    hold an exchange for ever; shutting the connection down from a timer ends whatever read or
    write is under way, in the TLS handshake as much as in a reply.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.waiting_for = "the connection"
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._expired = False
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def passed(self) -> bool:
        """Say whether the deadline has passed (the connection is then shut down, or will be)."""
        return self._expired or time.monotonic() >= self._end

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock``'s connection down at the deadline (at once if it has passed)."""
        # A duplicate descriptor of the same connection: STARTTLS detaches the original
        # socket object when it wraps it, and shutdown acts on the connection, not the object.
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            expired = self._expired
        if expired:
            _shut_down(duplicate)

    def close(self) -> None:
        """Stop the timer and let go of the duplicate descriptors."""
        self._timer.cancel()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock: socket.socket) -> None:
    # OSError: already closed by the other side or by smtplib.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Client(smtplib.SMTP):
    """smtplib's client, its connection watched by a deadline from the moment it opens."""

    #: What the first bytes on a new connection are.
    opening = "its greeting"

    def __init__(self, deadline: _Deadline, settings: SmtpSettings) -> None:
        self.deadline = deadline  # before connecting, which the constructor does
        super().__init__(settings.host, settings.port, timeout=settings.timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # smtplib opens its connection here and nowhere else: the deadline must hold the raw
        # socket before the first byte is read (the greeting, or implicit TLS's handshake).
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self.deadline.watch(sock)
        self.deadline.waiting_for = self.opening
        return sock


class _TlsClient(smtplib.SMTP_SSL, _Client):
    """The implicit-TLS client, watched the same way (its handshake comes before the greeting)."""

    opening = "the TLS handshake"

    def __init__(self, deadline: _Deadline, settings: SmtpSettings,
                 context: ssl.SSLContext) -> None:
        self.deadline = deadline
        smtplib.SMTP_SSL.__init__(self, settings.host, settings.port, timeout=settings.timeout,
                                  context=context)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self.deadline.waiting_for = "its greeting"
        return sock


def send_message(settings: SmtpSettings, sender: str, recipients: Iterable[str],
                 message: bytes) -> None:
    """Send ``message`` exactly as built; raise SmtpError with one clear line on any failure."""
    to = list(recipients)
    if not to:
        raise SmtpError("no recipients: pass --to ADDRESS or set email.test_recipients")
    deadline = _Deadline(settings.timeout)
    try:
        refused = _exchange(settings, deadline, sender, to, message)
    except OSError as exc:  # smtplib's errors are OSErrors too
        # Once the deadline has passed, a failure is its doing: the connection was shut down,
        # and smtplib reads a reply cut short there as a reply (code "22" of a "220").
        if deadline.passed:
            raise SmtpError(f"SMTP server {settings.where} timed out waiting for "
                            f"{deadline.waiting_for}: the whole exchange has {settings.timeout:g}"
                            " s (RECAP_SMTP_TIMEOUT)") from None
        raise _failure(exc, settings) from None
    finally:
        deadline.close()
    if refused:
        first, (code, reply) = next(iter(refused.items()))
        raise SmtpError(f"SMTP server {settings.where} refused recipient {first}: "
                        f"{_reply(code, reply)}")


def _exchange(settings: SmtpSettings, deadline: _Deadline, sender: str, to: list[str],
              message: bytes) -> dict[str, tuple[int, bytes]]:
    """Connect, greet, secure, log in and send; return the recipients the server refused."""
    context = ssl.create_default_context()
    client = (_TlsClient(deadline, settings, context) if settings.security == "tls"
              else _Client(deadline, settings))
    try:
        if settings.security == "starttls":
            deadline.waiting_for = "STARTTLS"
            client.starttls(context=context)
        if settings.user:
            deadline.waiting_for = "the login"
            client.login(settings.user, settings.password or "")
        deadline.waiting_for = "the message to be accepted"
        # sendmail, not send_message: the bytes go out as built (send_message re-renders).
        refused = client.sendmail(sender, to, message)
    except BaseException:
        client.close()  # no QUIT: the server may be what failed, and it would wait for it
        raise
    deadline.waiting_for = "the answer to QUIT"
    with client:  # QUIT as smtplib says goodbye: a server hanging up then is no failure
        return refused


def _failure(exc: BaseException, settings: SmtpSettings) -> SmtpError:
    """Say in one line what went wrong, for a failure before the deadline."""
    where = settings.where
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpError(f"SMTP login as {settings.user!r} refused by {where}: "
                         f"{_reply(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # "STARTTLS extension not supported by server." or the same of SMTP AUTH.
        return SmtpError(f"SMTP server {where}: {_one_line(str(exc))}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        first, (code, reply) = next(iter(exc.recipients.items()))
        return SmtpError(f"SMTP server {where} refused recipient {first}: {_reply(code, reply)}")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SmtpError(f"SMTP server {where} refused sender {exc.sender}: "
                         f"{_reply(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return SmtpError(f"SMTP server {where} refused the message: "
                         f"{_reply(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpError(f"SMTP server {where} closed the connection")
    if isinstance(exc, smtplib.SMTPException):
        return SmtpError(f"SMTP send to {where} failed: {_one_line(str(exc))}")
    return _connection_failure(exc, settings)


def _connection_failure(exc: BaseException, settings: SmtpSettings) -> SmtpError:
    where = settings.where
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
        return SmtpError(f"TLS with SMTP server {where} failed: {_one_line(str(reason))}")
    if isinstance(exc, ConnectionRefusedError):
        return SmtpError(f"cannot connect to SMTP server {where}: connection refused")
    if isinstance(exc, socket.gaierror):
        return SmtpError(f"cannot find SMTP server {settings.host!r}: {exc.strerror}")
    if isinstance(exc, OSError):
        return SmtpError(f"cannot talk to SMTP server {where}: "
                         f"{_one_line(exc.strerror or str(exc))}")
    return SmtpError(f"SMTP send to {where} failed: {_one_line(str(exc))}")


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {_one_line(text)}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
