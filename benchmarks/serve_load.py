"""`agent serve` under load: concurrent clients sending /api/v1/infer requests on 127.0.0.1.

    .venv/bin/python benchmarks/serve_load.py [--clients 50] [--requests 1000] [--rounds 3]
        [--no-hostile]

Starts `agent serve` (the offline engine, pixels only) in its own process on a free loopback
port, and sends, in each round, the requests from the clients at once: a screenshot of the login
example with the prompt "Sign in". Counts errors, reports p50/p95 latency per round and the
server's resident memory before and after each round (it should not grow from round to round).
A last round mixes in hostile requests (a screenshot tiled with text, which keeps the OCR
engine busy; four /capture calls at once; a 20 MB body) with ordinary ones sent one a second,
and reports the longest wait an ordinary request saw. Writes benchmarks/results/serve_load.json.
The server ends with the script.
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


def tiled_text_b64(size: tuple[int, int] = (1920, 1080)) -> str:
    """A PNG tiled with small words edge to edge (about 120 KB at 1920x1080), base64."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 11)
    for y in range(0, size[1], 13):
        draw.text((0, y), f"word{y} " * (size[0] // 32), fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def hostile_round(base: str, body: bytes, page_url: str, pid: int) -> dict[str, object]:
    """Ordinary requests, one a second for 40 s, while hostile ones run alongside."""
    tiled = json.dumps({"prompt": "Sign in", "image": tiled_text_b64()}).encode()
    capture = json.dumps({"url": page_url}).encode()
    huge = b'{"prompt": "' + b"x" * 20_000_000 + b'", "image": "x"}'
    before = rss_mib(pid)
    with ThreadPoolExecutor(max_workers=16) as pool:
        hostile = [pool.submit(one, f"{base}/api/v1/infer", tiled)]
        hostile += [pool.submit(one, f"{base}/api/v1/capture", capture) for _ in range(4)]
        hostile.append(pool.submit(one, f"{base}/api/v1/infer", huge))
        ordinary = []
        for _ in range(40):
            ordinary.append(pool.submit(one, f"{base}/api/v1/infer", body))
            time.sleep(1)
        waits = [f.result() for f in ordinary]
        answers = [f.result()[1] for f in hostile]
    return {
        "ordinary": len(waits),
        "ordinary_errors": sum(1 for _, status in waits if status != 200),
        "ordinary_p50_ms": round(statistics.median(ms for ms, _ in waits), 1),
        "ordinary_longest_ms": round(max(ms for ms, _ in waits), 1),
        "tiled_text_status": answers[0],
        "capture_statuses": sorted(answers[1:5]),
        "huge_body_status": answers[5],
        "rss_before_mib": before,
        "rss_after_mib": rss_mib(pid),
    }


def main() -> None:
    """Run the load and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile round")
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
            hostile = None
            if not args.no_hostile:
                import http.server
                import threading
                from functools import partial

                class Quiet(http.server.SimpleHTTPRequestHandler):
                    def log_message(self, *args: object) -> None:
                        pass

                handler = partial(Quiet, directory=str(ROOT))
                pages = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
                threading.Thread(target=pages.serve_forever, daemon=True).start()
                page = f"http://127.0.0.1:{pages.server_address[1]}/tasks/sites/login.html"
                try:
                    hostile = hostile_round(base, body, page, server.pid)
                finally:
                    pages.shutdown()
                    pages.server_close()
                print(json.dumps(hostile), file=sys.stderr)
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
    if hostile is not None:
        print(
            f"\nhostile mix: {hostile['ordinary']} ordinary requests, "
            f"{hostile['ordinary_errors']} errors, p50 {hostile['ordinary_p50_ms']} ms, "
            f"longest wait {hostile['ordinary_longest_ms']} ms; tiled text "
            f"{hostile['tiled_text_status']}, captures {hostile['capture_statuses']}, "
            f"20 MB body {hostile['huge_body_status']}; RSS {hostile['rss_before_mib']} -> "
            f"{hostile['rss_after_mib']} MiB"
        )
    write_results(
        args.out,
        {
            "clients": args.clients,
            "engine": "offline (pixels only: OCR)",
            "rounds": rounds,
            "hostile": hostile,
        },
    )


if __name__ == "__main__":
    main()
