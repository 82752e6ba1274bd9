"""``allowed_domains`` holds where the browser's network stack goes, not only where a page
asks: a 302 from an allowed address, a WebSocket, a ``file:`` address and an international
name. "Another host" is 127.0.0.2 (loopback, but not the always-allowed 127.0.0.1), served by
a recorder that notes every request reaching it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from actions.domains import DomainRule
from agent.errors import UsageError
from agent.runner import run_task
from agent.taskfile import load_task
from perception.offline import OfflineEngine

SECRET = "pw-Kestrel-4471"


class _Server:
    """A threaded HTTP server on ``host``; ``hits`` are the paths that reached it."""

    def __init__(self, host: str, page: str = "") -> None:
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.hits.append(self.path)
                query = parse_qs(urlsplit(self.path).query)
                if self.path.startswith("/to?"):
                    self.send_response(302)
                    self.send_header("Location", query["u"][0])
                    self.end_headers()
                    return
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def other() -> Iterator[_Server]:
    server = _Server("127.0.0.2")
    yield server
    server.close()


@pytest.fixture
def allowed(other: _Server) -> Iterator[_Server]:
    away = f"http://127.0.0.2:{other.port}"
    page = (
        "<!doctype html><title>Shop</title><p id=s>Shop page</p>"
        f"<img src='/to?u={away}/img?typed={SECRET}'>"
        f"<script>fetch('/to?u={away}/fetch').catch(() => 0);"
        f"try {{ new WebSocket('ws://127.0.0.2:{other.port}/socket'); }} catch (e) {{}}"
        "setTimeout(() => s.textContent = 'Shop ready', 800);</script>"
    )
    server = _Server("127.0.0.1", page)
    yield server
    server.close()


def _run(tmp_path: Path, browser: Any, url: str, steps: str, domains: str = "[example.org]"):
    task = tmp_path / "task.yaml"
    task.write_text(
        f"name: limit\nbrowser: {{url: '{url}'}}\nallowed_domains: {domains}\nsteps:\n{steps}",
        encoding="utf-8",
    )
    return run_task(load_task(task), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser)


def test_redirects_and_websockets_to_another_host_never_leave(
    tmp_path: Path, browser: Any, allowed: _Server, other: _Server
) -> None:
    start = f"http://127.0.0.1:{allowed.port}/shop"
    away = f"http://127.0.0.2:{other.port}"
    trace, path = _run(
        tmp_path, browser, start,
        f"  - expect: Shop ready\n  - goto: /to?u={away}/nav\n",
    )  # fmt: skip
    assert other.hits == []  # nothing reached the other host: not the image, fetch, socket, page
    assert trace.steps[0].status == "passed", trace.steps[0].error
    assert trace.steps[1].status == "failed"  # the navigation's hop was refused
    blocked = set(trace.blocked_requests)
    assert {f"{away}/img", f"{away}/fetch", f"{away}/nav", f"127.0.0.2:{other.port}"} <= blocked
    assert SECRET not in path.read_text(encoding="utf-8")  # the query is not kept


def test_a_start_address_that_redirects_elsewhere_is_refused(
    tmp_path: Path, browser: Any, allowed: _Server, other: _Server
) -> None:
    start = f"http://127.0.0.1:{allowed.port}/to?u=http://127.0.0.2:{other.port}/start"
    trace, _ = _run(tmp_path, browser, start, "  - expect: Shop page\n")
    assert other.hits == []
    assert trace.status == "error"  # the run ends with a plain reason, no traceback
    assert f"it led to http://127.0.0.2:{other.port}/start, outside allowed_domains" in (
        trace.error or ""
    )


def test_file_addresses_are_refused_as_start_and_as_goto(
    tmp_path: Path, browser: Any, allowed: _Server
) -> None:
    start = f"http://127.0.0.1:{allowed.port}/shop"
    trace, path = _run(
        tmp_path, browser, start, "  - goto: file:///etc/passwd\n  - extract: root\n"
    )
    assert trace.steps[0].status == "failed"
    assert "file:///etc/passwd is outside allowed_domains" in (trace.steps[0].error or "")
    assert "root:x:0" not in path.read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="outside allowed_domains"):
        _run(tmp_path, browser, "file:///etc/passwd", "  - extract: root\n")


def test_an_international_name_allows_its_own_host(
    tmp_path: Path, browser: Any, allowed: _Server
) -> None:
    start = f"http://bücher.localhost:{allowed.port}/shop"
    trace, _ = _run(tmp_path, browser, start, "  - expect: Shop page\n", "[bücher.localhost]")
    assert trace.status == "passed", trace.steps[0].error
    assert not [b for b in trace.blocked_requests if "xn--bcher-kva" in b]
    rule = DomainRule(["Bücher.localhost."])
    assert rule.allows_host("xn--bcher-kva.localhost")
    assert rule.allows_host("shop.xn--bcher-kva.localhost")
    assert not rule.allows_host("xn--bcher-kva.localhost.evil.example")
