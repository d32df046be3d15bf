"""The SMTP exchange has one deadline: raw servers on 127.0.0.1 that stall, drip or hang up."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from recap_mailer.send.settings import SmtpError, SmtpSettings
from recap_mailer.send.smtp import send_message

MESSAGE = b"Subject: t\r\nFrom: news@example.org\r\nTo: a@example.org\r\n\r\nbody\r\n"

#: (connection, stop) -> None; runs in the server's thread for its one connection.
Behaviour = Callable[[socket.socket, threading.Event], None]


class RawServer:
    """A TCP server on 127.0.0.1 that treats its first connection as ``behaviour`` says."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._connections: list[socket.socket] = []
        self._behaviour = behaviour
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
        except OSError:
            return  # closed before anyone connected
        self._connections.append(connection)
        # OSError: the client went away, as it should once its deadline passed.
        with contextlib.suppress(OSError):
            self._behaviour(connection, self.stop)

    def close(self) -> None:
        self.stop.set()
        self._listener.close()
        for connection in self._connections:
            # Wakes a behaviour blocked reading the client, then lets go of the descriptor.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join()
        for connection in self._connections:
            connection.close()

    def settings(self, **changes: object) -> SmtpSettings:
        values: dict[str, object] = {"host": "127.0.0.1", "port": self.port,
                                     "security": "none", "timeout": 2.0}
        return SmtpSettings(**{**values, **changes})  # type: ignore[arg-type]


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], RawServer]]:
    servers: list[RawServer] = []

    def start(behaviour: Behaviour) -> RawServer:
        servers.append(RawServer(behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _silent(connection: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def _hang_up(connection: socket.socket, stop: threading.Event) -> None:
    connection.close()


def _drip(data: bytes) -> Behaviour:
    """Send ``data`` one byte a second, then hang up (never in time for the deadline)."""
    def behave(connection: socket.socket, stop: threading.Event) -> None:
        for i in range(len(data)):
            connection.sendall(data[i:i + 1])
            if stop.wait(1.0):
                return
        connection.close()
    return behave


def _conversation(*replies: bytes, then: Behaviour = _silent) -> Behaviour:
    """Greet with the first reply, answer each command line with the next, then ``then``."""
    def behave(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(replies[0])
        lines = connection.makefile("rb")
        for reply in replies[1:]:
            if not lines.readline():
                return
            connection.sendall(reply)
        lines.readline()  # the command that is never answered in full
        then(connection, stop)
    return behave


_GREETING = b"220 stall.example.org ESMTP\r\n"


def _timeout(port: int, waiting_for: str, seconds: str = "2") -> str:
    return (f"SMTP server 127.0.0.1:{port} timed out waiting for {waiting_for}: "
            f"the whole exchange has {seconds} s (RECAP_SMTP_TIMEOUT)")


def _send(settings: SmtpSettings) -> str:
    with pytest.raises(SmtpError) as caught:
        send_message(settings, "news@example.org", ["a@example.org"], MESSAGE)
    return str(caught.value)


def test_server_that_never_answers_is_a_timeout_not_a_hang_up(serve) -> None:
    server = serve(_silent)
    assert _send(server.settings(timeout=0.5)) == _timeout(server.port, "its greeting", "0.5")


def test_server_that_hangs_up_at_once_closed_the_connection(serve) -> None:
    server = serve(_hang_up)
    assert _send(server.settings()) == f"SMTP server 127.0.0.1:{server.port} closed the connection"


def test_greeting_one_byte_a_second_is_cut_off_at_the_deadline(serve) -> None:
    # Each byte comes well within a read's timeout: only a deadline for the whole exchange
    # stops it (without one, the greeting ends after 30 s and the server hangs up).
    server = serve(_drip(b"220-" + b"x" * 25 + b"\r\n"))
    assert _send(server.settings()) == _timeout(server.port, "its greeting")


def test_reply_to_the_message_one_byte_a_second_is_cut_off(serve) -> None:
    server = serve(_conversation(_GREETING, b"250 stall.example.org\r\n",
                                 then=_drip(b"250-" + b"x" * 25 + b"\r\n")))
    assert _send(server.settings()) == _timeout(server.port, "the message to be accepted")


def test_starttls_that_never_begins_is_a_timeout(serve) -> None:
    server = serve(_conversation(_GREETING, b"250-stall.example.org\r\n250 STARTTLS\r\n",
                                 b"220 go ahead\r\n"))
    assert _send(server.settings(security="starttls", timeout=1.0)) == _timeout(
        server.port, "STARTTLS", "1")


def test_implicit_tls_handshake_never_answered_is_a_timeout(serve) -> None:
    server = serve(_silent)
    assert _send(server.settings(security="tls", timeout=1.0)) == _timeout(
        server.port, "the TLS handshake", "1")


def test_login_never_answered_is_a_timeout(serve) -> None:
    # A password over plain text only because the server is this machine's loopback.
    server = serve(_conversation(_GREETING, b"250-stall.example.org\r\n250 AUTH PLAIN\r\n"))
    settings = server.settings(user="staff", password="pw", timeout=1.0)
    assert _send(settings) == _timeout(server.port, "the login", "1")


def test_starttls_missing_is_reported_before_any_password(serve) -> None:
    server = serve(_conversation(_GREETING, b"250-stall.example.org\r\n250 AUTH PLAIN\r\n"))
    settings = server.settings(security="starttls", user="staff", password="pw")
    assert _send(settings) == (f"SMTP server 127.0.0.1:{server.port}: "
                               "STARTTLS extension not supported by server.")
