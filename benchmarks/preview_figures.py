"""Measure the live preview server: save to new page, 200 concurrent requests, stalled memory.

    .venv/bin/python benchmarks/preview_figures.py [--saves N]

Runs `recap-mailer preview` on a copy of the sample campaign in a temporary folder, as its own
process (so its memory is its own), and prints:

- save to new page: from writing the edited recap.yaml to the new page having been served
  (the page's own way: its status request answers, then the page is fetched), median of N;
- 200 concurrent requests (a mix of the page, the email, its text, cards and the status):
  latency of each from the moment all are released, p50 and p99;
- the server's resident memory and threads before, during and after 50 stalled connections
  (half a request sent, or nothing), which the server closes after its request timeout.

Speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "campaigns" / "soc23-day1"
#: The edit a writer makes between saves: a word added to the first session's summary.
EDITED_LINE = "      Professor Mark Considine opened SOC23"
CONCURRENT = 200
STALLED = 50


def get(port: int, path: str, timeout: float = 60.0) -> tuple[int, bytes]:
    """GET ``path`` from the server on 127.0.0.1 and return status and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_server(folder: Path, out: Path, builds: list[float],
                 env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    """Start `recap-mailer preview` on ``folder``; return it and its port.

    The milliseconds of each rebuild it reports ("built ... in N ms") go into ``builds``.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "recap_mailer", "preview", str(folder), "--port", "0",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=folder.parent, env=env)
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r" at http://127\.0\.0\.1:(\d+)/", line)
        if found:
            # Keep reading its output, so a full pipe never holds the server up.
            threading.Thread(target=_read_builds, args=(process.stdout, builds),
                             daemon=True).start()
            return process, int(found[1])
    raise SystemExit(f"benchmark: the preview server did not start (exit {process.wait()})")


def _read_builds(lines: object, builds: list[float]) -> None:
    for line in lines:  # type: ignore[attr-defined]
        found = re.match(r"built .* in (\d+) ms$", line.strip())
        if found:
            builds.append(float(found[1]))


def generation(port: int) -> int:
    return json.loads(get(port, "/__status")[1])["generation"]


def save_to_page(port: int, source: Path, saves: int) -> list[float]:
    """Edit the summary ``saves`` times; return each save's milliseconds to the new page.

    The clock runs from the write of recap.yaml until the page carrying the edit has been
    served, the way the page itself learns of it: a waiting status request answers with a
    newer generation, then the page is fetched. Should a build come first that lacks the
    edit (the watcher saw the file half-written, say), the wait goes on to the next one.
    """
    original = source.read_text(encoding="utf-8")
    if EDITED_LINE not in original:
        raise SystemExit(f"benchmark: {EDITED_LINE.strip()!r} is no longer in the sample")
    times = []
    for turn in range(saves + 1):  # the first is a warm-up
        marker = f"edit{turn}x"
        text = original.replace(EDITED_LINE, EDITED_LINE.replace("opened", f"{marker} opened"))
        seen = generation(port)
        answered: list[int] = []
        waiting = threading.Thread(target=lambda s=seen, into=answered: into.append(
            json.loads(get(port, f"/__status?after={s}")[1])["generation"]))
        waiting.start()
        time.sleep(0.05)  # the status request is waiting on the server before the save
        started = time.perf_counter()
        source.write_text(text, encoding="utf-8")
        waiting.join()
        status, page = get(port, "/")
        for _ in range(5):
            if status == 200 and marker.encode() in page and b'id="build-error"' not in page:
                break
            later = json.loads(get(port, f"/__status?after={answered[-1]}")[1])["generation"]
            answered.append(later)
            status, page = get(port, "/")
        else:
            raise SystemExit(f"benchmark: save {turn} did not reach the page")
        took = time.perf_counter() - started
        if turn:
            times.append(took * 1000)
        time.sleep(0.1)
    return times


def concurrent(port: int, card: str) -> tuple[list[float], int]:
    """Send 200 requests at once; return each one's milliseconds and how many failed."""
    paths = ["/", "/email.html", "/email.txt", "/__status", f"/{card}"]
    chosen = [paths[i % len(paths)] for i in range(CONCURRENT)]
    expected = {path: get(port, path) for path in paths}
    barrier = threading.Barrier(CONCURRENT + 1)
    latencies: list[float] = []
    failed = [0]
    released = [0.0]

    def ask(path: str) -> None:
        barrier.wait()
        try:
            answer = get(port, path)
        except OSError:
            failed[0] += 1
            return
        latencies.append((time.perf_counter() - released[0]) * 1000)
        if answer != expected[path]:
            failed[0] += 1

    clients = [threading.Thread(target=ask, args=(path,)) for path in chosen]
    for client in clients:
        client.start()
    released[0] = time.perf_counter()
    barrier.wait()
    for client in clients:
        client.join()
    return latencies, failed[0]


def process_status(pid: int) -> tuple[float, int]:
    """Return a process's resident memory (MB) and thread count, from /proc."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


def stalled(port: int, pid: int) -> list[tuple[str, float, int]]:
    """Hold 50 stalled connections open; return memory and threads before, with and after."""
    figures = [("before", *process_status(pid))]
    held = []
    for i in range(STALLED):
        conn = socket.create_connection(("127.0.0.1", port), timeout=60)
        if i % 2:
            conn.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}".encode())
        held.append(conn)
    time.sleep(1.0)
    figures.append((f"{STALLED} stalled", *process_status(pid)))
    closed = sum(conn.recv(1024) == b"" for conn in held)  # each waits for the server's close
    for conn in held:
        conn.close()
    time.sleep(0.5)
    if get(port, "/")[0] != 200:
        raise SystemExit("benchmark: the server stopped answering after the stalled connections")
    figures.append((f"after ({closed} closed by the server)", *process_status(pid)))
    return figures


def percentile(values: list[float], share: float) -> float:
    """Return the value at ``share`` (0 to 1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class PreviewFigures:
    """What the preview server measured."""

    saves_ms: list[float]
    rebuilds_ms: list[float]
    latencies_ms: list[float]
    failed: int
    memory: list[tuple[str, float, int]]

    def as_json(self) -> dict[str, object]:
        return {"save_to_page_ms": self.saves_ms, "rebuild_reported_ms": self.rebuilds_ms,
                "save_to_page_median_ms": statistics.median(self.saves_ms),
                "concurrent": {"requests": CONCURRENT, "answered": len(self.latencies_ms),
                               "failed_or_wrong": self.failed,
                               "p50_ms": percentile(self.latencies_ms, 0.5),
                               "p99_ms": percentile(self.latencies_ms, 0.99)},
                "stalled_memory": [{"when": label, "rss_mb": rss, "threads": threads}
                                   for label, rss, threads in self.memory]}


def measure(saves: int, env: dict[str, str]) -> PreviewFigures:
    """Run the preview server on a copy of the sample and take every figure, with ``env``."""
    with tempfile.TemporaryDirectory(prefix="recap-preview-bench-") as scratch:
        folder = Path(scratch) / SAMPLE.name
        shutil.copytree(SAMPLE, folder)
        out = Path(scratch) / "out"
        # A build first, so the server reuses its cards as `preview` does after `build`.
        subprocess.run([sys.executable, "-m", "recap_mailer", "build", str(folder),
                        "--out", str(out)], check=True, capture_output=True, env=env)
        builds: list[float] = []
        process, port = start_server(folder, out, builds, env)
        try:
            times = save_to_page(port, folder / "recap.yaml", saves)
            rebuilds = builds[-len(times):]
            card = next((out / SAMPLE.name / "cards").glob("*.png")).relative_to(out / SAMPLE.name)
            latencies, failed = concurrent(port, card.as_posix())
            memory = stalled(port, process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(30)
    return PreviewFigures(times, rebuilds, latencies, failed, memory)


def report(figures: PreviewFigures) -> list[str]:
    """Return the figures as lines of text."""
    saves, rebuilds, latencies = figures.saves_ms, figures.rebuilds_ms, figures.latencies_ms
    lines = [
        f"save to new page: median {statistics.median(saves):.1f} ms (min {min(saves):.1f}, "
        f"max {max(saves):.1f}; {len(saves)} saves); the rebuild itself, as the server "
        f"reports it: median {statistics.median(rebuilds):.0f} ms" if rebuilds else "",
        f"{CONCURRENT} concurrent requests: {len(latencies)} answered, {figures.failed} failed "
        f"or wrong; p50 {percentile(latencies, 0.5):.1f} ms, p99 "
        f"{percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms",
    ]
    lines += [f"server memory, {label}: {rss:.1f} MB RSS, {threads} threads"
              for label, rss, threads in figures.memory]
    return [line for line in lines if line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=15, help="saves timed (default 15)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="recap-preview-env-") as scratch:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=str(Path(scratch) / "pycache"),
                   XDG_CACHE_HOME=str(Path(scratch) / "xdg"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        figures = measure(args.saves, env)
    print("\n".join(report(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
