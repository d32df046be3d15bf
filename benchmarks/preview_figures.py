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


def start_server(folder: Path, out: Path,
                 builds: list[float]) -> tuple[subprocess.Popen[str], int]:
    """Start `recap-mailer preview` on ``folder``; return it and its port.

    The milliseconds of each rebuild it reports ("built ... in N ms") go into ``builds``.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "recap_mailer", "preview", str(folder), "--port", "0",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=folder.parent)
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
    """Edit the summary ``saves`` times; return each save's milliseconds to the new page."""
    original = source.read_text(encoding="utf-8")
    if EDITED_LINE not in original:
        raise SystemExit(f"benchmark: {EDITED_LINE.strip()!r} is no longer in the sample")
    times = []
    for turn in range(saves + 1):  # the first is a warm-up
        marker = f"edit{turn}x"
        text = original.replace(EDITED_LINE, EDITED_LINE.replace("opened", f"{marker} opened"))
        seen = generation(port)
        waiting = threading.Thread(target=get, args=(port, f"/__status?after={seen}"))
        waiting.start()
        time.sleep(0.05)  # the status request is waiting on the server before the save
        started = time.perf_counter()
        source.write_text(text, encoding="utf-8")
        waiting.join()
        status, page = get(port, "/")
        took = time.perf_counter() - started
        if status != 200 or marker.encode() not in page or b'id="build-error"' in page:
            raise SystemExit(f"benchmark: save {turn} did not reach the page")
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
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=15, help="saves timed (default 15)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="recap-preview-bench-") as scratch:
        folder = Path(scratch) / SAMPLE.name
        shutil.copytree(SAMPLE, folder)
        out = Path(scratch) / "out"
        # A build first, so the server reuses its cards as `preview` does after `build`.
        subprocess.run([sys.executable, "-m", "recap_mailer", "build", str(folder),
                        "--out", str(out)], check=True, capture_output=True)
        builds: list[float] = []
        process, port = start_server(folder, out, builds)
        try:
            saves = save_to_page(port, folder / "recap.yaml", args.saves)
            rebuilds = builds[-len(saves):]
            card = next((out / SAMPLE.name / "cards").glob("*.png")).relative_to(out / SAMPLE.name)
            latencies, failed = concurrent(port, card.as_posix())
            memory = stalled(port, process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(30)
    print(f"preview, save to new page: median {statistics.median(saves):.1f} ms "
          f"(min {min(saves):.1f}, max {max(saves):.1f}; {len(saves)} saves), of which the "
          f"rebuild itself (as the server reports it) median {statistics.median(rebuilds):.0f} ms")
    print(f"{CONCURRENT} concurrent requests: p50 {percentile(latencies, 0.5):.1f} ms, "
          f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms; "
          f"{failed} failed or wrong")
    for label, rss, threads in memory:
        print(f"server memory, {label}: {rss:.1f} MB RSS, {threads} threads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
