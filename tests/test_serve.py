"""The live preview server, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CASES
from recap_mailer.build import build_campaign
from recap_mailer.errors import RecapError
from recap_mailer.preview.server import PreviewServer, allowed_hosts, resolve_request_path


def get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, bytes]:
    """Send a raw GET (the path exactly as given) and return status and body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", f"127.0.0.1:{server.port}" if host is None else host)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    folder = tmp_path / "live"
    shutil.copytree(CASES["minimal"], folder)
    return folder


@pytest.fixture
def server(campaign: Path) -> Iterator[PreviewServer]:
    # A short per-connection timeout, so the tests of stalled connections end soon.
    running = PreviewServer(campaign, lambda d, seen: build_campaign(d, previous=seen).files,
                            port=0, timeout=0.5)
    running.start()
    yield running
    running.stop()


def wait_for(predicate, seconds: float = 15.0) -> None:
    """Wait until ``predicate()`` is true, failing after ``seconds`` (a timeout, not a measure)."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(0.02)


def test_serves_the_preview_page_and_outputs(server: PreviewServer) -> None:
    status, body = get(server, "/")
    assert status == 200
    assert b"Minimal test recap" in body and b"/__status" in body
    status, body = get(server, "/email.txt")
    assert status == 200 and b"Minimal test recap" in body


@pytest.mark.parametrize("path", [
    "/../recap.yaml", "/..%2frecap.yaml", "/%2e%2e/recap.yaml", "/%2E%2E%2Frecap.yaml",
    "/..\\recap.yaml", "/..%5crecap.yaml", "//etc/passwd", "/etc/passwd", "/./email.txt",
    "/cards/../../recap.yaml", "/email.txt%00.png", "/nonexistent.html",
])
def test_nothing_outside_the_build_is_served(server: PreviewServer, path: str) -> None:
    status, body = get(server, path)
    assert status == 404
    assert b"version: 1" not in body and b"root:" not in body


def test_symlinks_out_of_the_campaign_are_not_served(server: PreviewServer,
                                                     campaign: Path) -> None:
    # The server answers from the build it holds in memory, never from the disk.
    (campaign / "etc").symlink_to("/etc")
    (campaign / "recap-link.yaml").symlink_to(campaign / "recap.yaml")
    for path in ("/etc/passwd", "/etc/hostname", "/recap-link.yaml", "/recap.yaml"):
        assert get(server, path)[0] == 404


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example",
                                  "localhost:1", ""])
def test_foreign_host_header_is_refused(server: PreviewServer, host: str) -> None:
    status, _ = get(server, "/", host=host)
    assert status == 403


def test_local_host_names_are_accepted(server: PreviewServer) -> None:
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        assert get(server, "/", host=host)[0] == 200


def test_binds_loopback_by_default(server: PreviewServer) -> None:
    assert server.httpd.server_address[0] == "127.0.0.1"


def test_change_rebuilds_and_a_broken_source_keeps_the_last_good_build(
        server: PreviewServer, campaign: Path) -> None:
    source = campaign / "recap.yaml"
    status = json.loads(get(server, "/__status")[1])
    source.write_text(source.read_text(encoding="utf-8").replace(
        "Minimal test recap", "Edited recap"), encoding="utf-8")
    wait_for(lambda: b"Edited recap" in get(server, "/")[1])
    after = json.loads(get(server, "/__status")[1])
    assert after["generation"] > status["generation"] and after["error"] is None

    source.write_text(source.read_text(encoding="utf-8").replace(
        "timezone: UTC", "timezone: Mars/Olympus"), encoding="utf-8")
    # Wait for the error of the whole edited file (the server reads a file that failed again
    # before reporting it, so a half-written one is not reported).
    wait_for(lambda: "unknown time zone" in (json.loads(get(server, "/__status")[1])["error"]
                                             or ""))
    page = get(server, "/")[1].decode("utf-8")
    assert 'id="build-error"' in page
    assert f"{source}:16:13: error: event.timezone: unknown time zone" in page
    assert "Edited recap" in page  # the last good build stays
    assert get(server, "/email.txt")[0] == 200


def test_template_change_rebuilds(server: PreviewServer, campaign: Path) -> None:
    (campaign / "templates" / "partials").mkdir(parents=True)
    (campaign / "templates" / "partials" / "footer.mjml").write_text(
        "<mj-section><mj-column><mj-text>Brand new footer</mj-text></mj-column></mj-section>\n",
        encoding="utf-8")
    wait_for(lambda: b"Brand new footer" in get(server, "/email.html")[1])


def test_first_build_failing_still_serves_the_error(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "recap.yaml").write_text("version: 1\nemail: [\n", encoding="utf-8")
    running = PreviewServer(folder, lambda d, seen: build_campaign(d, previous=seen).files, port=0)
    running.start()
    try:
        status, body = get(running, "/")
        assert status == 200 and b"no good build yet" in body and b"recap.yaml:3:1" in body
    finally:
        running.stop()


@pytest.mark.parametrize(("raw", "expected"), [
    ("/", "preview.html"), ("/email.html?x=1", "email.html"), ("/cards/a.png", "cards/a.png"),
    ("/../x", None), ("/%2e%2e/x", None), ("/a\\b", None), ("//x", None),
])
def test_request_paths(raw: str, expected: str | None) -> None:
    assert resolve_request_path(raw) == expected


def test_allowed_hosts() -> None:
    assert allowed_hosts("127.0.0.1", 8000) == {"127.0.0.1:8000", "localhost:8000",
                                                 "[::1]:8000"}


def test_status_long_poll_answers_when_a_rebuild_is_published(server: PreviewServer,
                                                              campaign: Path) -> None:
    current = json.loads(get(server, "/__status")[1])["generation"]
    answers: list[dict] = []
    waiting = threading.Thread(
        target=lambda: answers.append(json.loads(get(server, f"/__status?after={current}")[1])))
    waiting.start()
    time.sleep(0.3)
    assert answers == []  # still waiting: nothing has changed
    source = campaign / "recap.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "Minimal test recap", "Long-polled recap"), encoding="utf-8")
    waiting.join(timeout=15)
    assert answers and answers[0]["generation"] > current
    assert b"Long-polled recap" in get(server, "/")[1]


def edit(source: Path, old: str, new: str) -> None:
    source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_source_caught_half_written_is_read_again_before_any_error_is_shown(
        campaign: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = campaign / "recap.yaml"
    whole = source.read_text(encoding="utf-8").replace("Minimal test recap", "Completed recap")
    failures: list[str] = []

    def build(folder: Path, seen: object) -> dict[str, bytes]:
        try:
            return build_campaign(folder).files
        except RecapError as exc:
            failures.append(str(exc))
            # The editor finishes writing while the server waits to read the file again.
            source.write_text(whole, encoding="utf-8")
            raise

    running = PreviewServer(campaign, build, port=0)
    published: list[str | None] = []
    publish = running.state.publish
    monkeypatch.setattr(running.state, "publish",
                        lambda files, error: (published.append(error), publish(files, error)))
    running.start()
    try:
        source.write_text(whole[:len(whole) // 2], encoding="utf-8")  # caught half written
        wait_for(lambda: b"Completed recap" in get(running, "/")[1])
    finally:
        running.stop()
    assert failures  # the half was read, and failed
    assert published and published == [None] * len(published)


def test_200_concurrent_requests_are_all_answered(server: PreviewServer) -> None:
    paths = ["/", "/email.txt", "/email.html", "/__status", "/nonexistent.html"] * 40
    expected = {path: get(server, path) for path in set(paths)}
    start = threading.Barrier(len(paths))
    answers: list[tuple[str, tuple[int, bytes]]] = []

    def ask(path: str) -> None:
        start.wait()
        answers.append((path, get(server, path)))

    clients = [threading.Thread(target=ask, args=(path,)) for path in paths]
    for client in clients:
        client.start()
    for client in clients:
        client.join(60)
    assert len(answers) == 200
    assert all(answer == expected[path] for path, answer in answers)


def test_stalled_connections_are_closed_and_the_server_still_answers(
        server: PreviewServer) -> None:
    stalled = []
    for i in range(50):
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        if i % 2:  # half a request; the others send nothing at all
            conn.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}".encode())
        stalled.append(conn)
    # Each is closed by the server once its timeout passes, with nothing sent back.
    for conn in stalled:
        assert conn.recv(1024) == b""
        conn.close()
    status, body = get(server, "/")
    assert status == 200 and b"Minimal test recap" in body


@pytest.mark.parametrize("query", [
    "after=abc", "after=", "after=1.5", "after=%C2%B2", "after=%D9%A1%D9%A2", "after=+1",
    "after=1&after=2", "after=99999999999999999999", "after=1%00",
], ids=["word", "empty", "decimal", "superscript", "arabic-digits", "plus", "twice", "huge",
        "nul"])
def test_a_bad_status_query_is_400(server: PreviewServer, query: str,
                                   capfd: pytest.CaptureFixture[str]) -> None:
    assert get(server, f"/__status?{query}") == (
        400, b"bad request: after= takes one generation number\n")
    assert get(server, "/__status")[0] == 200
    assert capfd.readouterr() == ("", "")


def reset(conn: socket.socket) -> None:
    """Close with a reset, as a browser tab that goes away does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def handling() -> bool:
    return any(t.name.endswith("(process_request_thread)") for t in threading.enumerate())


def test_clients_that_go_away_print_nothing(server: PreviewServer, campaign: Path,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    # One goes away mid-page, reading little of it through a small receive buffer.
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    reader.connect(("127.0.0.1", server.port))
    reader.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    assert reader.recv(16).startswith(b"HTTP/1.0 200")
    reset(reader)
    # One goes away while its status request waits for a rebuild, which is then answered.
    generation = json.loads(get(server, "/__status")[1])["generation"]
    waiter = socket.create_connection(("127.0.0.1", server.port))
    waiter.sendall(f"GET /__status?after={generation} HTTP/1.1\r\n"
                   f"Host: 127.0.0.1:{server.port}\r\n\r\n".encode())
    reset(waiter)
    edit(campaign / "recap.yaml", "Minimal test recap", "Rebuilt recap")
    wait_for(lambda: json.loads(get(server, "/__status")[1])["generation"] > generation)
    wait_for(lambda: not handling())
    assert capfd.readouterr() == ("", "")
    assert b"Rebuilt recap" in get(server, "/")[1]
