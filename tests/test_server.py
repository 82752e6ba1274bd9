"""`agent serve`: the REST API over real HTTP on 127.0.0.1, and its web page in real Chromium."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.server import create_app
from perception.offline import OfflineEngine
from tests.conftest import ROOT, TASKS

TOKEN = "t0ken-for-the-tests-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runs folder with one real run of the login example."""
    folder = tmp_path_factory.mktemp("runs")
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "run", str(TASKS / "login.yaml"), "--out", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder


def _serve(app: Any) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(runs_dir: Path) -> Iterator[str]:
    yield from _serve(create_app(OfflineEngine(use_dom=False), runs_dir=runs_dir))


@pytest.fixture(scope="module")
def guarded(runs_dir: Path) -> Iterator[str]:
    yield from _serve(create_app(OfflineEngine(use_dom=False), runs_dir=runs_dir, token=TOKEN))


def call(url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def login_png(runs_dir: Path) -> str:
    (shot,) = sorted(runs_dir.glob("*/step-004.jpg"))  # the login form before Sign in is clicked
    return base64.b64encode(shot.read_bytes()).decode()


def test_locate_and_infer_find_sign_in(
    server: str, login_png: str, make_executor: Any, site: Any
) -> None:
    status, element = call(
        f"{server}/api/v1/locate", {"description": "Sign in", "image": login_png}
    )
    assert status == 200, element
    executor = make_executor(viewport=(1280, 800))  # as the example task's viewport
    executor.page.goto(site.url_for("tasks/sites/login.html"))
    truth = executor.page.get_by_role("button", name="Sign in").bounding_box()
    x, y = element["point"]
    assert truth["x"] <= x <= truth["x"] + truth["width"]
    assert truth["y"] <= y <= truth["y"] + truth["height"]
    assert set(element) >= {"box", "text", "role", "purpose", "confidence", "engine", "ms"}
    status, found = call(
        f"{server}/api/v1/infer", {"prompt": "list every element", "image": login_png}
    )
    assert status == 200 and len(found["elements"]) >= 5
    assert {"Username", "Password"} <= {e["text"] for e in found["elements"]}


def test_error_paths(server: str, guarded: str, login_png: str) -> None:
    assert (
        call(f"{server}/api/v1/locate", {"description": "Quantum flux", "image": login_png})[0]
        == 404
    )
    assert (
        call(f"{server}/api/v1/locate", {"description": "x", "image": "bm90IGFuIGltYWdl"})[0] == 400
    )
    assert call(f"{server}/api/v1/locate", {"description": "x", "image": "%%%"})[0] == 400
    huge = "A" * (30_000_000)
    assert call(f"{server}/api/v1/locate", {"description": "x", "image": huge})[0] == 413
    assert call(f"{server}/api/v1/runs/no-such-run")[0] == 404
    for attempt in ("..", "..%2F..%2Fetc%2Fpasswd", "%2E%2E", ".hidden"):
        assert call(f"{server}/api/v1/runs/{attempt}")[0] == 404
    assert call(f"{guarded}/api/v1/runs")[0] == 401
    assert call(f"{guarded}/api/v1/runs", token="wrong")[0] == 401
    assert call(f"{guarded}/api/v1/runs", token=TOKEN)[0] == 200
    assert call(f"{guarded}/healthz")[1]["state"] == "ready"


def test_runs_and_their_traces_and_reports(server: str) -> None:
    status, runs = call(f"{server}/api/v1/runs")
    assert status == 200 and runs[0]["task"] == "Log in to the demo shop"
    status, trace = call(f"{server}/api/v1/runs/{runs[0]['id']}")
    assert status == 200 and trace["status"] == "passed"
    with urllib.request.urlopen(server + runs[0]["report"], timeout=10) as response:
        assert b"Log in to the demo shop" in response.read()
    assert call(f"{server}/runs/{runs[0]['id']}/trace.json")[0] == 404  # only reports, screenshots


def test_openapi_docs(server: str) -> None:
    status, spec = call(f"{server}/openapi.json")
    assert status == 200 and "/api/v1/infer" in spec["paths"] and "/api/v1/locate" in spec["paths"]


def test_binding_beyond_loopback_needs_a_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "--token" in result.stderr
    for bad in ("0", "-3", "soon", "inf"):
        result = subprocess.run(
            [sys.executable, "-m", "agent.cli", "serve", "--max-work-seconds", bad],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 2 and "positive number of seconds" in result.stderr, bad


def test_the_web_page_draws_the_boxes(
    server: str, runs_dir: Path, executor: Any, tmp_path: Path
) -> None:
    (shot,) = sorted(runs_dir.glob("*/step-004.jpg"))
    image = tmp_path / "login.jpg"
    shutil.copy(shot, image)
    page = executor.page
    page.goto(server + "/")
    page.set_input_files("#file", str(image))
    page.wait_for_selector("#shot")
    page.fill("#prompt", "Sign in")
    page.click("#find")
    page.wait_for_selector(".box")
    boxes = page.locator(".box")
    assert boxes.count() == 1 and boxes.first.get_attribute("data-label") == "Sign in"
    assert "Sign in" in page.locator("#elements").inner_text()
    page.wait_for_selector("#runs a")
    assert "Log in to the demo shop" in page.locator("#runs").inner_text()
    assert "offline: ready" in page.locator("#state").inner_text()
    with page.context.expect_page() as opened:
        page.locator("#runs a").first.click()
    report = opened.value
    report.wait_for_load_state()
    assert report.url.endswith("/report.html") and "Log in to the demo shop" in report.title()
    report.close()


def test_the_server_captures_a_url(server: str, site: Any) -> None:
    from perception.screen import Screenshot

    status, body = call(
        f"{server}/api/v1/capture",
        {"url": site.url_for("tasks/sites/login.html"), "width": 800, "height": 600},
    )
    assert status == 200, body
    shot = Screenshot.from_bytes(base64.b64decode(body["image"]))
    assert shot.size == (800, 600)
    assert call(f"{server}/api/v1/capture", {"url": "file:///etc/passwd"})[0] == 422


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size: its header and a few bytes of image data (never decoded)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def test_bad_requests_are_refused_cleanly(server: str) -> None:
    for body in (b"{not json", b"[]", b'{"description": 5, "image": []}', b"\xff\xfe"):
        request = urllib.request.Request(f"{server}/api/v1/locate", data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=30)
        info.value.close()  # the error holds the response's socket
        assert info.value.code == 422
    for size in ((30_000, 30_000), (8_000, 6_000)):  # a decompression bomb; too many pixels
        bomb = base64.b64encode(_png_header(*size)).decode()
        status, answer = call(f"{server}/api/v1/locate", {"description": "x", "image": bomb})
        assert status == 413 and "pixels" in answer["detail"]
    status, _ = call(f"{server}/api/v1/locate", {"description": "x", "image": "R0lGODlh"})
    assert status == 400
    assert call(f"{server}/healthz")[1]["state"] == "ready"  # and it still serves


def _raw(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_links_and_odd_run_ids_never_lead_out_of_the_runs_folder(
    runs_dir: Path, tmp_path: Path
) -> None:
    from agent.errors import UsageError

    (real,) = [p for p in runs_dir.iterdir() if (p / "trace.json").is_file()]
    hostile = tmp_path / "runs"
    shutil.copytree(real, hostile / "real")
    (hostile / "real" / "report.html").unlink()
    (hostile / "real" / "report.html").symlink_to("/etc/passwd")
    (hostile / "linked").symlink_to(real)  # a run folder that is a link to another
    for served in _serve(create_app(OfflineEngine(use_dom=False), runs_dir=hostile)):
        assert call(f"{served}/runs/real/report.html") == (404, {"detail": "no file 'report.html'"})
        assert [run["id"] for run in call(f"{served}/api/v1/runs")[1]] == ["real"]
        assert call(f"{served}/api/v1/runs/linked")[0] == 404
        assert call(f"{served}/api/v1/runs/real%0A")[0] == 404  # a run id ending in a newline
        assert call(f"{served}/api/v1/runs/real")[0] == 200
    with pytest.raises(UsageError, match="at least 16 characters"):
        create_app(OfflineEngine(), runs_dir=hostile, token="x")


def test_hostile_bodies_get_json_answers_and_the_server_goes_on(server: str) -> None:
    locate = f"{server}/api/v1/locate"
    for body in (
        b'{"description": NaN, "image": "x"}',
        b'{"description": "\\ud800", "image": "x"}',
    ):
        status, answer = _raw(locate, body)
        assert status == 422 and answer["detail"], body  # JSON, not a 500 with a traceback
    big = b'{"description": "' + b"x" * 20_000_000 + b'", "image": "x"}'
    status, answer = _raw(locate, big)
    assert status == 413 and "larger than 16 MB" in answer["detail"]
    with urllib.request.urlopen(f"{server}/docs", timeout=10) as response:
        page = response.read().decode()
    assert "/api/v1/locate" in page and "cdn" not in page.lower()  # readable offline
    assert call(f"{server}/healthz")[1]["state"] == "ready"


def test_the_web_pages_token_cookie_opens_reports(guarded: str) -> None:
    status, runs = call(f"{guarded}/api/v1/runs", token=TOKEN)
    report = guarded + runs[0]["report"]
    request = urllib.request.Request(report, headers={"Cookie": f"gui_agent_token={TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(report, timeout=10)
    refused.value.close()
    assert refused.value.code == 401


def test_captures_at_once_are_bounded(server: str) -> None:
    import http.server

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            time.sleep(4)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<p>slow page</p>")

        def log_message(self, *args: Any) -> None:
            pass

    slow = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{slow.server_address[1]}/"
    answers: list[int] = []
    callers = [
        threading.Thread(
            target=lambda: answers.append(call(f"{server}/api/v1/capture", {"url": url})[0])
        )
        for _ in range(3)
    ]
    try:
        for caller in callers:
            caller.start()
            time.sleep(0.3)
        for caller in callers:
            caller.join(timeout=90)
    finally:
        slow.shutdown()
        slow.server_close()
    assert sorted(answers) == [200, 200, 429]


def test_a_server_off_loopback_captures_no_private_address(runs_dir: Path, site: Any) -> None:
    page = site.url_for("tasks/sites/login.html")
    app = create_app(OfflineEngine(use_dom=False), runs_dir=runs_dir, public_only=True)
    for served in _serve(app):
        status, answer = call(f"{served}/api/v1/capture", {"url": page})
        assert status == 403, answer  # this machine's own service: refused at the proxy
    app = create_app(
        OfflineEngine(use_dom=False), runs_dir=runs_dir, capture_domains=["example.org"]
    )
    for served in _serve(app):
        status, answer = call(f"{served}/api/v1/capture", {"url": "http://127.0.0.2:9/"})
        assert status == 403 and "outside allowed_domains" in answer["detail"], answer


def test_one_costly_image_cannot_hold_the_engine(runs_dir: Path, login_png: str) -> None:
    from benchmarks.serve_load import tiled_text_b64

    app = create_app(OfflineEngine(use_dom=False), runs_dir=runs_dir, max_work_s=5)
    for served in _serve(app):
        ordinary = {"description": "Sign in", "image": login_png}
        assert call(f"{served}/api/v1/locate", ordinary)[0] == 200  # the models load first
        # Unlimited, this 121 KB screenshot tiled with words keeps the engine busy for minutes.
        tiled = {"description": "Sign in", "image": tiled_text_b64((1920, 1080))}
        status, answer = call(f"{served}/api/v1/locate", tiled)
        assert status == 422 and "more than the 5 s of work" in answer["detail"], answer
        status, answer = call(f"{served}/api/v1/locate", ordinary)
        assert status == 200 and answer["text"] == "Sign in", answer
