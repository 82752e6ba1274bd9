"""`agent mcp`: a real MCP client session (the official SDK) over stdio, and over streamable
HTTP on 127.0.0.1, drives the login example; a failing tool call carries the step's own error,
the one a task file gives."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp.client.stdio")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from tests.helpers import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOGIN = str(ROOT / "tasks" / "sites" / "login.html")


def _server(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "agent", "mcp", "--engine", "offline", "--out", str(tmp_path), *extra],
        env={**os.environ, **(env or {})},
        cwd=str(ROOT),
    )


async def _calls(params: Any, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    results = []
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        results.append(sorted(tool.name for tool in (await session.list_tools()).tools))
        for name, arguments in calls:
            results.append(await session.call_tool(name, arguments))
    return results


def _run(coroutine: Any) -> Any:
    """asyncio.run on a thread of its own: Playwright's sync API (the session's browser
    fixture, in the same worker) keeps an event loop running on the test's thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _text(result: Any) -> str:
    return "\n".join(getattr(part, "text", "") for part in result.content)


def test_an_mcp_session_logs_in_and_fails_a_step_as_a_task_file_does(tmp_path: Path) -> None:
    task = tmp_path / "export.yaml"
    task.write_text(
        f"name: Export after login\nbrowser: {{url: {LOGIN}}}\nsteps:\n"
        "  - type: {text: alice, into: Username}\n"
        "  - type: {text: hunter2, into: the Password field}\n"
        "  - click: Sign in\n  - click: Export\n"
    )
    tools, *results = _run(
        _calls(
            _server(tmp_path),
            [
                ("open", {"url": LOGIN}),
                ("type", {"text": "alice", "into": "Username"}),
                ("type", {"text": "hunter2", "into": "the Password field"}),
                ("click", {"target": "Sign in"}),
                ("expect", {"text": "Welcome, alice"}),
                ("click", {"target": "Export"}),
                ("screenshot", {}),
                ("run_task", {"path": str(task)}),
            ],
        )
    )
    assert {"open", "click", "type", "press", "scroll", "select", "upload", "expect",
            "extract", "locate", "screenshot", "run_task"} <= set(tools)  # fmt: skip
    opened, typed, _, clicked, expected, failed, shot, ran = results
    assert not opened.is_error and "login.html" in _text(opened)
    assert "element: textbox 'Username'" in _text(typed)
    assert "element: button 'Sign in'" in _text(clicked) and "effects:" in _text(clicked)
    assert not expected.is_error and "Welcome, alice" in _text(expected)
    assert failed.is_error, _text(failed)
    tool_error = re.search(r"ElementNotFound: [^\n]*", _text(failed))
    task_error = re.search(r"4\. failed click Export: (ElementNotFound: [^\n]*)", _text(ran))
    assert tool_error and task_error, (_text(failed), _text(ran))
    assert tool_error.group(0) == task_error.group(1)
    assert shot.content[0].mime_type == "image/jpeg" and len(shot.content[0].data) > 1000


def test_secrets_confirm_and_allowed_domains_hold_for_tool_calls(tmp_path: Path) -> None:
    params = _server(
        tmp_path, "--secret", "SHOP_PASSWORD", "--allowed-domains", "example.com",
        env={"SHOP_PASSWORD": "hunter2"},
    )  # fmt: skip
    _, opened, typed, refused, blocked = _run(
        _calls(
            params,
            [
                ("open", {"url": LOGIN}),
                ("type", {"text": "${SHOP_PASSWORD}", "into": "the Password field"}),
                ("click", {"target": "Sign in", "confirm": True}),
                ("open", {"url": "http://203.0.113.9/"}),
            ],
        )
    )
    assert not opened.is_error and not typed.is_error, _text(typed)
    assert refused.is_error and "confirm" in _text(refused).lower(), _text(refused)
    assert blocked.is_error and "203.0.113.9" in _text(blocked), _text(blocked)
    said = "".join(_text(r) for r in (opened, typed, refused, blocked))
    written = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*.json"))
    assert "hunter2" not in said and "hunter2" not in written
    assert "${SHOP_PASSWORD}" in written


def test_streamable_http_serves_the_same_tools_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "mcp", "--engine", "offline", "--out", str(tmp_path),
         "--http", str(port)],
        cwd=ROOT, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    async def session() -> list[Any]:
        url = f"http://127.0.0.1:{port}/mcp"
        deadline = time.monotonic() + 60
        while True:
            try:
                async with streamable_http_client(url) as (read, write, *_):
                    async with ClientSession(read, write) as client:
                        await client.initialize()
                        return [
                            await client.call_tool("open", {"url": LOGIN}),
                            await client.call_tool("locate", {"target": "Sign in"}),
                        ]
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                await asyncio.sleep(0.5)

    try:
        opened, located = _run(session())
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not opened.is_error and "login.html" in _text(opened)
    assert _text(located).startswith("button 'Sign in' at ["), _text(located)
