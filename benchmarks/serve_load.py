"""`agent serve` under load: concurrent clients sending /api/v1/infer requests on 127.0.0.1.

    .venv/bin/python benchmarks/serve_load.py [--clients 50] [--requests 1000] [--rounds 3]

Starts `agent serve` (the offline engine, pixels only) in its own process on a free loopback
port, and sends, in each round, the requests from the clients at once: a screenshot of the login
example with the prompt "Sign in". Counts errors, reports p50/p95 latency per round and the
server's resident memory before and after each round (it should not grow from round to round),
and writes benchmarks/results/serve_load.json. The server ends with the script.
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import write_results  # noqa: E402


def free_port() -> int:
    """A port nobody listens on, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def screenshot_b64() -> str:
    """A 1280x800 PNG of tasks/sites/login.html, base64."""
    from playwright.sync_api import sync_playwright

    from actions.browser_launch import CHROMIUM_ARGS, find_chromium

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto((ROOT / "tasks/sites/login.html").as_uri())
        data = page.screenshot(type="png")
        browser.close()
    return base64.b64encode(data).decode()


def rss_mib(pid: int) -> float:
    """A process's resident memory, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def one(url: str, body: bytes) -> tuple[float, int]:
    """One request: its latency in ms and its HTTP status (0 for a connection error)."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return (time.perf_counter() - started) * 1000, status


def main() -> None:
    """Run the load and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "serve_load.json"
    )
    args = parser.parse_args()

    body = json.dumps({"prompt": "Sign in", "image": screenshot_b64()}).encode()
    port = free_port()
    with tempfile.TemporaryDirectory() as runs:
        server = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "serve", "--engine", "offline", "--port",
             str(port), "--runs", runs],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                        if json.loads(response.read())["state"] == "ready":
                            break
                except OSError:
                    time.sleep(0.2)
            rounds = []
            for number in range(args.rounds):
                before = rss_mib(server.pid)
                started = time.perf_counter()
                with ThreadPoolExecutor(max_workers=args.clients) as pool:
                    results = list(
                        pool.map(lambda _: one(f"{base}/api/v1/infer", body), range(args.requests))
                    )
                wall = time.perf_counter() - started
                latencies = sorted(ms for ms, _ in results)
                errors = sum(1 for _, status in results if status != 200)
                row = {
                    "round": number + 1,
                    "requests": len(results),
                    "errors": errors,
                    "p50_ms": round(statistics.median(latencies), 1),
                    "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
                    "throughput_per_s": round(len(results) / wall, 1),
                    "rss_before_mib": before,
                    "rss_after_mib": rss_mib(server.pid),
                }
                rounds.append(row)
                print(json.dumps(row), file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.stderr is not None:
                server.stderr.close()

    print(f"\n{'round':>5} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'req/s':>7} {'RSS before':>11} {'RSS after':>10}")  # fmt: skip
    for r in rounds:
        print(f"{r['round']:>5} {r['requests']:>9} {r['errors']:>7} {r['p50_ms']:>8} "
              f"{r['p95_ms']:>8} {r['throughput_per_s']:>7} {r['rss_before_mib']:>11} "
              f"{r['rss_after_mib']:>10}")  # fmt: skip
    write_results(
        args.out,
        {
            "clients": args.clients,
            "engine": "offline (pixels only: OCR)",
            "rounds": rounds,
        },
    )


if __name__ == "__main__":
    main()
