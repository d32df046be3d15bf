"""The live preview server: rebuilds on change, reloads the page, keeps the last good build."""

from __future__ import annotations

import json
import posixpath
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from markupsafe import escape

from recap_mailer.errors import RecapError
from recap_mailer.render.templating import DEFAULT_TEMPLATES

POLL_SECONDS = 0.1
#: How long a page's status request waits for a rebuild before it is answered anyway.
LONG_POLL_SECONDS = 20.0

_TYPES = {".html": "text/html; charset=utf-8", ".png": "image/png", ".json": "application/json",
          ".txt": "text/plain; charset=utf-8", ".mjml": "text/plain; charset=utf-8",
          ".eml": "message/rfc822", ".csv": "text/csv; charset=utf-8",
          ".ics": "text/calendar; charset=utf-8"}

# Waits on the server (a long poll: answered the moment a rebuild is published) and reloads,
# keeping the reviewer's scroll position.
_RELOAD_SCRIPT = """<script>
(function () {
  var seen = %d, key = "recap-mailer-scroll";
  var y = sessionStorage.getItem(key);
  if (y !== null) { sessionStorage.removeItem(key); window.scrollTo(0, +y); }
  function wait() {
    fetch("/__status?after=" + seen, {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.generation === seen) { wait(); return; }
        sessionStorage.setItem(key, window.scrollY);
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


def rebuild(campaign_dir: Path, state: PreviewState,
            build: Callable[[Path], dict[str, bytes]]) -> None:
    """Build once and publish the result; a failure never stops the server."""
    try:
        files = build(campaign_dir)
    except RecapError as exc:
        state.publish(None, str(exc))
        return
    except Exception as exc:  # a bug must show in the page, not kill the preview
        state.publish(None, f"internal error: {type(exc).__name__}: {exc}")
        return
    state.publish(files, None)


def _snapshot(roots: list[Path]) -> dict[str, tuple[int, int]]:
    """Return the modification time and size of every file under the watched folders."""
    # The size too: a file rewritten within one clock tick keeps its modification time.
    found: dict[str, tuple[int, int]] = {}
    for root in roots:
        for path in _walk(root):
            try:
                stat = path.stat()
            except OSError:
                continue
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


def _walk(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
    elif root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.parts[-2:]):
                yield path


def watch(roots: list[Path], on_change: Callable[[], None], stop: threading.Event,
          before: dict[str, tuple[int, int]]) -> None:
    """Call ``on_change`` whenever a file under ``roots`` differs from the ``before`` snapshot."""
    while not stop.wait(POLL_SECONDS):
        now = _snapshot(roots)
        if now != before:
            before = now
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


def make_handler(state: PreviewState, hosts: set[str]) -> type[BaseHTTPRequestHandler]:
    """Return a request handler bound to the preview state."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "recap-mailer-preview"

        def do_GET(self) -> None:
            if self.headers.get("Host", "") not in hosts:
                self._send(403, b"forbidden: unexpected Host header\n", "text/plain")
                return
            if self.path.split("?")[0] == "/__status":
                after = parse_qs(urlsplit(self.path).query).get("after", [""])[0]
                if after.lstrip("-").isdigit():
                    state.wait_past(int(after), LONG_POLL_SECONDS)
                with state.lock:
                    body = {"generation": state.generation, "error": state.error}
                self._send(200, json.dumps(body).encode(), "application/json")
                return
            name = resolve_request_path(self.path)
            with state.lock:
                files, error, generation = state.files, state.error, state.generation
            if name == "preview.html":
                self._send(200, _page(files.get(name), error, generation), _TYPES[".html"])
                return
            if name is None or name not in files:
                self._send(404, b"not found\n", "text/plain")
                return
            self._send(200, files[name], _TYPES.get(Path(name).suffix, "application/octet-stream"))

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the terminal is for build results, not access logs

    return Handler


def _page(preview: bytes | None, error: str | None, generation: int) -> bytes:
    """Return the preview page with the reload script and, after a failed rebuild, the error."""
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
    html = preview.decode("utf-8")
    html = html.replace("<main>", "<main>" + banner, 1).replace("</body>", script + "</body>", 1)
    return html.encode("utf-8")


class PreviewServer:
    """Serve a campaign's preview, rebuilding when its source or a template changes."""

    def __init__(self, campaign_dir: Path, build: Callable[[Path], dict[str, bytes]],
                 host: str = "127.0.0.1", port: int = 8000) -> None:
        self.campaign_dir = campaign_dir
        self.state = PreviewState()
        self._build = build
        self._stop = threading.Event()
        self._rebuilding = threading.Lock()
        self._roots = [campaign_dir, DEFAULT_TEMPLATES]
        # Looked at before the first build: any change after this moment triggers a rebuild,
        # even one made before the watcher thread runs.
        self._before = _snapshot(self._roots)
        rebuild(campaign_dir, self.state, build)
        self.httpd = ThreadingHTTPServer((host, port), make_handler(self.state, set()))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.httpd.RequestHandlerClass = make_handler(self.state, allowed_hosts(host, self.port))
        self.url = f"http://{host}:{self.port}/"

    def _changed(self) -> None:
        with self._rebuilding:
            rebuild(self.campaign_dir, self.state, self._build)

    def start(self) -> None:
        """Serve and watch in background threads."""
        threading.Thread(target=watch, args=(self._roots, self._changed, self._stop,
                                             self._before), daemon=True).start()
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def stop(self) -> None:
        """Stop watching and serving."""
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

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
