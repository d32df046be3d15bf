"""The live preview server: rebuilds on change, reloads the page, keeps the last good build."""

from __future__ import annotations

import json
import posixpath
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import watchfiles
from markupsafe import escape

from recap_mailer.errors import RecapError
from recap_mailer.preview.send import SendDesk
from recap_mailer.render.templating import DEFAULT_TEMPLATES
from recap_mailer.send.test_copy import SentTest

#: How long a page's status request waits for a rebuild before it is answered anyway.
LONG_POLL_SECONDS = 20.0
#: A burst of changes (an editor's truncate and write, a folder copied in) ends after this many
#: milliseconds without another one, and is cut off after DEBOUNCE_MS at the latest.
QUIET_MS = 10
DEBOUNCE_MS = 1000
#: How long to wait before building again when a rebuild fails: a file caught half written
#: fails to parse, and the error is only reported if the file, read again, still fails.
SETTLE_SECONDS = 0.25
#: How long a connection may keep the server waiting on one read or write (a request sent in
#: part, a client that stops reading) before it is closed.
REQUEST_TIMEOUT = 10.0
#: Connections waiting to be accepted: a browser opens many at once when a page loads.
BACKLOG = 128

_GENERATION = re.compile(r"-?[0-9]{1,18}")

_TYPES = {".html": "text/html; charset=utf-8", ".png": "image/png", ".json": "application/json",
          ".txt": "text/plain; charset=utf-8", ".mjml": "text/plain; charset=utf-8",
          ".eml": "message/rfc822", ".csv": "text/csv; charset=utf-8",
          ".ics": "text/calendar; charset=utf-8"}

# Waits on the server (a long poll: answered the moment a rebuild is published) and reloads,
# keeping the reviewer's place: the page's scroll and each email frame's.
_RELOAD_SCRIPT = """<script>
(function () {
  var seen = %d, key = "recap-mailer-scroll";
  var saved = JSON.parse(sessionStorage.getItem(key) || "null");
  sessionStorage.removeItem(key);
  function frames() { return Array.prototype.slice.call(document.querySelectorAll("iframe[id]")); }
  history.scrollRestoration = "manual";
  // The reader's place is the first element with an id that starts in view, and how far
  // down it stood: what comes before it (what changed, a banner) may have grown or shrunk.
  function anchor() {
    return Array.prototype.find.call(document.querySelectorAll("main [id]"), function (e) {
      var top = e.getBoundingClientRect().top;
      return top >= 0 && top < window.innerHeight;
    });
  }
  if (saved) {
    var held = saved.anchor && document.getElementById(saved.anchor);
    if (held) window.scrollBy(0, held.getBoundingClientRect().top - saved.offset);
    else window.scrollTo(0, saved.page);
    // The page's load comes after every frame's, when each has its full height.
    window.addEventListener("load", function () {
      frames().forEach(function (f) {
        var y = saved.frames[f.id];
        try { if (y !== undefined) f.contentWindow.scrollTo(0, y); } catch (e) {}
      });
    });
  }
  function wait() {
    fetch("/__status?after=" + seen, {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.generation === seen) { wait(); return; }
        var at = anchor();
        var place = {page: window.scrollY, frames: {}, anchor: at ? at.id : null,
                     offset: at ? at.getBoundingClientRect().top : 0};
        frames().forEach(function (f) {
          try { place.frames[f.id] = f.contentWindow.scrollY; } catch (e) {}
        });
        sessionStorage.setItem(key, JSON.stringify(place));
        location.reload();
      }).catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})();
</script>"""


@dataclass
class PreviewState:
    """What the server serves: the last good build, and the error of the latest one if it failed."""

    files: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    generation: int = 0
    lock: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, files: dict[str, bytes] | None, error: str | None) -> None:
        """Record a rebuild: new files on success; on failure keep the old ones and the error."""
        with self.lock:
            if files is not None:
                self.files = files
            self.error = error
            self.generation += 1
            self.lock.notify_all()

    def wait_past(self, generation: int, timeout: float) -> None:
        """Block until a build newer than ``generation`` is published, or ``timeout`` passes."""
        with self.lock:
            self.lock.wait_for(lambda: self.generation != generation, timeout)


#: Builds a campaign's files, given the last good build's files (None before the first).
Builder = Callable[[Path, Mapping[str, bytes] | None], dict[str, bytes]]


def rebuild(campaign_dir: Path, state: PreviewState, build: Builder, settle: float = 0.0,
            on_failure: Callable[[RecapError], None] | None = None) -> None:
    """Build and publish the result; after a failure, try once more ``settle`` seconds later."""
    # The new build is compared with the last good one, the build the reviewer has seen.
    with state.lock:
        seen = state.files or None
    files, error = _attempt(campaign_dir, build, seen)
    if error is not None and settle > 0:
        time.sleep(settle)
        files, error = _attempt(campaign_dir, build, seen)
    if isinstance(error, RecapError) and on_failure is not None:
        on_failure(error)
    state.publish(files, None if error is None else _describe(error))


def _attempt(campaign_dir: Path, build: Builder, seen: Mapping[str, bytes] | None
             ) -> tuple[dict[str, bytes] | None, Exception | None]:
    """Build once; a failure is returned, never raised, so it cannot stop the server."""
    try:
        return build(campaign_dir, seen), None
    except Exception as exc:  # a bug must show in the page, not kill the preview
        return None, exc


def _describe(error: Exception) -> str:
    if isinstance(error, RecapError):
        return str(error)
    return f"internal error: {type(error).__name__}: {error}"


class _SourceFilter(watchfiles.DefaultFilter):
    """Changes that can make a new build: not editors' hidden files nor folders' own."""

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        parts = Path(path).parts[-2:]
        return super().__call__(change, path) and not any(p.startswith(".") for p in parts)


def watch(roots: list[Path], on_change: Callable[[], None], stop: threading.Event) -> None:
    """Call ``on_change`` after each burst of changes under ``roots``, until ``stop`` is set."""
    for _changes in watchfiles.watch(*roots, watch_filter=_SourceFilter(), debounce=DEBOUNCE_MS,
                                     step=QUIET_MS, stop_event=stop, rust_timeout=0):
        on_change()


def resolve_request_path(raw: str) -> str | None:
    """Map a request path to an output name, or None for anything that could leave the build."""
    path = unquote(urlsplit(raw).path)
    if "\\" in path or "\x00" in path or not path.startswith("/") or path.startswith("//"):
        return None
    parts = path.split("/")[1:]
    if any(part in ("..", ".") for part in parts):
        return None
    name = posixpath.normpath(path).lstrip("/")
    return name or "preview.html"


def allowed_hosts(host: str, port: int) -> set[str]:
    """Return the Host header values this server answers to (a defence against DNS rebinding)."""
    names = {host, "127.0.0.1", "localhost", "[::1]"}
    return {f"{name}:{port}" for name in names} | (names if port == 80 else set())


def make_handler(state: PreviewState, hosts: set[str],
                 request_timeout: float = REQUEST_TIMEOUT,
                 desk: SendDesk | None = None) -> type[BaseHTTPRequestHandler]:
    """Return a request handler bound to the preview state (and its test sends, if any)."""
    origins = {f"http://{host}" for host in hosts}

    class Handler(BaseHTTPRequestHandler):
        server_version = "recap-mailer-preview"
        timeout = request_timeout  # put on each connection's socket by StreamRequestHandler

        def do_GET(self) -> None:
            if self.headers.get("Host", "") not in hosts:
                self._send(403, b"forbidden: unexpected Host header\n", "text/plain")
                return
            if self.path.split("?")[0] == "/__status":
                self._status()
                return
            name = resolve_request_path(self.path)
            with state.lock:
                files, error, generation = state.files, state.error, state.generation
            if self.path.split("?")[0] == "/__send" and desk is not None:
                self._json(405, {"ok": False, "error": "method not allowed: POST to /__send"},
                           allow="POST")
                return
            if name == "preview.html":
                form = desk.form() if desk is not None and files else ""
                self._send(200, _page(files.get(name), error, generation, form), _TYPES[".html"])
                return
            if name is None or name not in files:
                self._send(404, b"not found\n", "text/plain")
                return
            # Any other page (email.html) is the campaign's markup: shown in a sandbox of its
            # own, it runs nothing in the review page's origin, where the send token is.
            sandbox = "sandbox" if Path(name).suffix == ".html" else None
            self._send(200, files[name], _TYPES.get(Path(name).suffix, "application/octet-stream"),
                       policy=sandbox)

        def do_POST(self) -> None:
            # Whatever of the body is not read must not be taken for the next request.
            self.close_connection = True
            if self.headers.get("Host", "") not in hosts:
                self._json(403, {"ok": False, "error": "forbidden: unexpected Host header"})
                return
            if desk is None or self.path.split("?")[0] != "/__send":
                where = ("a test send is a POST to /__send" if desk is not None
                         else "the preview is read only")
                self._json(405, {"ok": False, "error": f"method not allowed: {where}"},
                           allow="GET")
                return
            with state.lock:
                has_build, broken = bool(state.files), state.error is not None
            answer = desk.answer(self.headers, self.rfile, origins, has_build, broken)
            self._json(answer.status, answer.body)

        def _json(self, status: int, body: dict[str, object], allow: str | None = None) -> None:
            self._send(status, json.dumps(body).encode(), "application/json", allow)

        def _status(self) -> None:
            query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
            after = query.get("after", [])
            if len(after) > 1 or (after and not _GENERATION.fullmatch(after[0])):
                self._send(400, b"bad request: after= takes one generation number\n",
                           "text/plain")
                return
            if after:
                state.wait_past(int(after[0]), LONG_POLL_SECONDS)
            with state.lock:
                body = {"generation": state.generation, "error": state.error}
            self._send(200, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str,
                  allow: str | None = None, policy: str | None = None) -> None:
            self.send_response(status)
            if allow is not None:
                self.send_header("Allow", allow)
            if policy is not None:
                self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the terminal is for build results, not access logs

    return Handler


def _page(preview: bytes | None, error: str | None, generation: int, form: str = "") -> bytes:
    """Return the preview page with the reload script, the send form and any rebuild error."""
    banner = ""
    if error:
        banner = ('<div class="error-banner" id="build-error"><strong>The last rebuild failed; '
                  "showing the last good build.</strong><pre>" + str(escape(error))
                  + "</pre></div>")
    script = _RELOAD_SCRIPT % generation
    if preview is None:
        return ("<!DOCTYPE html><html lang='en'><meta charset='utf-8'><title>Preview: build failed"
                "</title><body style='font-family:system-ui;margin:32px'>"
                + banner.replace("showing the last good build", "no good build yet")
                + script + "</body></html>").encode("utf-8")
    # As bytes: the page is megabytes of UTF-8, and these marks are ASCII.
    page = preview
    if error:  # seen from another tab too; the next good build's page has its own title
        page = page.replace(b"<title>", "<title>Build failed · ".encode(), 1)
    page = page.replace(b"<main>", f"<main>{banner}{form}".encode(), 1)
    return page.replace(b"</body>", f"{script}</body>".encode(), 1)


class _HTTPServer(ThreadingHTTPServer):
    """One daemon thread per connection; a client that goes away is no error of ours."""

    daemon_threads = True
    request_queue_size = BACKLOG

    def handle_error(self, request: object, client_address: object) -> None:
        # A reader that closed its tab mid-page, or a connection timed out mid-response.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class PreviewServer:
    """Serve a campaign's preview, rebuilding when its source or a template changes."""

    def __init__(self, campaign_dir: Path, build: Builder,
                 host: str = "127.0.0.1", port: int = 8000, *,
                 timeout: float = REQUEST_TIMEOUT,
                 on_failure: Callable[[RecapError], None] | None = None,
                 send: Callable[[tuple[str, ...]], SentTest] | None = None,
                 test_recipients: Callable[[], tuple[str, ...]] = tuple) -> None:
        self.campaign_dir = campaign_dir
        #: The page's test sends: only when a ``send`` is given.
        self.desk = SendDesk(send, test_recipients) if send is not None else None
        self.state = PreviewState()
        self._build = build
        self._on_failure = on_failure
        self._stop = threading.Event()
        self._rebuilding = threading.Lock()
        # Watching starts before the first build, so a change made while it runs (or before
        # start()) still makes a rebuild.
        self._watcher = threading.Thread(
            target=watch, args=([campaign_dir, DEFAULT_TEMPLATES], self._changed, self._stop),
            daemon=True)
        self._watcher.start()
        with self._rebuilding:
            rebuild(campaign_dir, self.state, build, on_failure=on_failure)
        try:
            self.httpd = _HTTPServer((host, port), make_handler(self.state, set(), timeout))
        except OSError:
            self._stop.set()
            raise
        self.port = self.httpd.server_address[1]
        self.httpd.RequestHandlerClass = make_handler(
            self.state, allowed_hosts(host, self.port), timeout, self.desk)
        self.url = f"http://{host}:{self.port}/"

    def _changed(self) -> None:
        with self._rebuilding:
            rebuild(self.campaign_dir, self.state, self._build, settle=SETTLE_SECONDS,
                    on_failure=self._on_failure)

    def start(self) -> None:
        """Serve in a background thread (watching began when the server was made)."""
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def stop(self) -> None:
        """Stop watching and serving."""
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._watcher.join()
        if self.desk is not None:
            self.desk.close()

    def serve_until_interrupted(self) -> None:
        """Serve in the foreground until Ctrl-C."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
