"""A build never fetches anything: a canary HTTP server on 127.0.0.1 must see no request."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import CASES
from recap_mailer.build import build_campaign
from recap_mailer.errors import SourceError
from recap_mailer.render.email import inline_css


class Canary:
    """An HTTP server that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"p { color: red; }")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request, client_address) -> bool:  # type: ignore[override]
                # Every connection counts, even one that never sends an HTTP request (TLS).
                canary.connections += 1
                return True

        self.connections = 0
        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.close()


def test_premailer_does_not_follow_css_import(canary: Canary, tmp_path: Path) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: #123456; }", encoding="utf-8")
    html = ("<!doctype html><html><head><style>/* inline */"
            f"@import url({canary.url}/import.css); @import url(file://{secret});"
            f"@\\69mport url({canary.url}/escaped.css); p {{ margin: 0; }}</style>"
            f'<link rel="stylesheet" href="{canary.url}/link.css"></head>'
            "<body><p>Hi</p></body></html>")
    out = inline_css(html)
    assert canary.requests == []
    assert "#123456" not in out
    assert '<p style="margin:0">Hi</p>' in out


IMPORT = "a CSS @import (external stylesheets are not allowed)"
HTTP = "an insecure http: address ({url}/{name})"
FILE = "a file: address ({address})"


@pytest.mark.parametrize(("style", "expected"), [
    ("@import url({url}/a.css);", [IMPORT, HTTP.format(url="{url}", name="a.css")]),
    ("@\\69mport url({url}/b.css);", [IMPORT, HTTP.format(url="{url}", name="b.css")]),
    ("@import 'https://example.org/c.css';", [IMPORT]),
    (".x {{ background: url({url}/c.png); }}", [HTTP.format(url="{url}", name="c.png")]),
    (".x {{ background: url(file:///etc/hostname); }}",
     [FILE.format(address="file:///etc/hostname")]),
    (".x {{ background: url(" + "\n" * 70 + "{url}/c.png); }}",
     [HTTP.format(url="{url}", name="c.png")]),
    (".x {{ background: URL( ' " + " " * 70 + "FILE:///etc/hostname' ); }}",
     [FILE.format(address="FILE:///etc/hostname")]),
], ids=["import", "escaped-import", "https-import", "http-background", "file-background",
        "far-after-url", "upper-case-far-after-quote"])
def test_templates_that_would_fetch_are_refused(canary: Canary, tmp_path: Path, style: str,
                                                expected: list[str]) -> None:
    campaign = tmp_path / "fetching"
    shutil.copytree(CASES["minimal"], campaign)
    (campaign / "templates" / "partials").mkdir(parents=True)
    (campaign / "templates" / "partials" / "styles.mjml").write_text(
        "<mj-style>" + style.format(url=canary.url) + "</mj-style>\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        build_campaign(campaign)
    assert [d.message for d in exc.value.diagnostics] == [
        f"the email contains {what.format(url=canary.url)}" for what in expected]
    assert canary.requests == []


def test_sample_build_makes_no_request(canary: Canary) -> None:
    build_campaign(CASES["soc23-day1"])
    assert canary.requests == []


def test_remote_images_and_links_are_never_fetched(canary: Canary, tmp_path: Path) -> None:
    port = canary.server.server_address[1]
    campaign = tmp_path / "images"
    shutil.copytree(CASES["minimal"], campaign)
    source = campaign / "recap.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "    summary: Ada spoke.",
        f"    summary: 'Ada spoke. ![x](https://127.0.0.1:{port}/md.png)'\n"
        f"    image: {{src: 'https://127.0.0.1:{port}/card.png', alt: A photo}}\n"
        f"    recording: https://127.0.0.1:{port}/watch"), encoding="utf-8")
    build = build_campaign(campaign)
    assert f"https://127.0.0.1:{port}/card.png" in build.email.html  # linked, not fetched
    assert canary.connections == 0 and canary.requests == []


def test_the_premailer_seam_refuses_to_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    # The one seam between recap-mailer and premailer's loading: it refuses any stylesheet
    # address before a socket is opened, whatever the guard before it let through.
    import socket

    from recap_mailer.render.email import _OPTIONS, _FetchBlocked, _OfflinePremailer

    attempts: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: attempts.append(addr))
    seam = _OfflinePremailer("", **_OPTIONS)
    for url in ("https://example.org/style.css", "//example.org/style.css", "/etc/passwd"):
        with pytest.raises(_FetchBlocked, match="external stylesheet refused"):
            seam._load_external(url)
    with pytest.raises(_FetchBlocked):
        seam._load_external_url("http://127.0.0.1:9/style.css")
    page = ('<html><head><link rel="stylesheet" href="https://example.org/s.css"></head>'
            "<body><p>x</p></body></html>")
    with pytest.raises(_FetchBlocked):
        _OfflinePremailer(page, **{**_OPTIONS, "allow_network": True}).transform()
    assert attempts == []


@pytest.mark.parametrize("attribute", ['src="' + " " * 70 + "file:///etc/passwd\"",
                                       "href =\n " + " " * 70 + "'{url}/x'"])
def test_an_address_far_from_its_attribute_is_still_found(canary: Canary, tmp_path: Path,
                                                           attribute: str) -> None:
    campaign = tmp_path / "far"
    shutil.copytree(CASES["minimal"], campaign)
    # A dotted I before it: lower-casing the email would shift every position after it.
    source = campaign / "recap.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "subject: ", "subject: İstanbul ", 1), encoding="utf-8")
    (campaign / "templates" / "partials").mkdir(parents=True)
    (campaign / "templates" / "partials" / "footer.mjml").write_text(
        "<mj-section><mj-column><mj-raw><a " + attribute.format(url=canary.url)
        + ">x</a></mj-raw></mj-column></mj-section>\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        build_campaign(campaign)
    expected = (FILE.format(address="file:///etc/passwd") if "file:" in attribute
                else HTTP.format(url=canary.url, name="x"))
    assert [d.message for d in exc.value.diagnostics] == [f"the email contains {expected}"]
    assert canary.requests == []


def test_an_address_written_as_character_references_is_found_after_inlining(
        tmp_path: Path) -> None:
    # MRML passes "&#102;ile:" through as written; inlining (lxml) writes it as "file:".
    campaign = tmp_path / "encoded"
    shutil.copytree(CASES["minimal"], campaign)
    (campaign / "templates" / "partials").mkdir(parents=True)
    (campaign / "templates" / "partials" / "footer.mjml").write_text(
        '<mj-section><mj-column><mj-raw><img src="&#102;ile:///etc/passwd" alt="">'
        "</mj-raw></mj-column></mj-section>\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        build_campaign(campaign)
    assert [d.message for d in exc.value.diagnostics] == [
        "the email contains " + FILE.format(address="file:///etc/passwd")]
