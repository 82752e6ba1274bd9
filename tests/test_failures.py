"""A step that cannot succeed fails after its retries, and the run still leaves its record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from agent.runner import run_task
from agent.taskfile import load_task
from perception.offline import OfflineEngine
from tests.conftest import TASKS


def _task(tmp_path: Path, steps: str, extra: str = "", page: str = "login.html") -> Path:
    shutil.copytree(TASKS / "sites", tmp_path / "sites", dirs_exist_ok=True)
    path = tmp_path / "task.yaml"
    path.write_text(
        f"name: Broken checkout\nbrowser: {{url: sites/{page}}}\n{extra}steps:\n{steps}",
        encoding="utf-8",
    )
    return path


def test_a_missing_target_fails_after_the_retries_with_a_complete_trace(
    tmp_path: Path, browser: Any
) -> None:
    path = _task(
        tmp_path,
        "  - type: {text: alice, into: Username}\n"
        "  - click: Proceed to checkout\n"
        "  - expect: Thank you\n",
        extra="retries: 2\ntimeout: 8\n",
    )
    trace, trace_path = run_task(
        load_task(path), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser
    )
    assert trace.status == "failed"
    first, failing, rest = trace.steps
    assert first.status == "passed"
    assert failing.status == "failed" and failing.attempts == 3
    assert "nothing matches 'Proceed to checkout'" in (failing.error or "")
    assert failing.candidates, "the runners-up are kept for the trace"
    assert [n.split(":")[0] for n in failing.notes if n.startswith("try")] == [
        "try 1",
        "try 2",
        "try 3",
    ]
    assert rest.status == "skipped"
    data = json.loads(trace_path.read_text())
    assert data["status"] == "failed" and data["ended"] and data["duration_ms"] > 0
    assert (trace_path.parent / data["steps"][1]["screenshot"]).exists()
    assert data["steps"][1]["timings"]["capture"] > 0


def test_a_goal_step_with_the_offline_engine_names_the_engine_options(
    tmp_path: Path, browser: Any
) -> None:
    path = _task(tmp_path, "  - goal: sign in as alice\n")
    trace, _ = run_task(
        load_task(path), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser
    )
    assert trace.status == "failed"
    error = trace.steps[0].error or ""
    assert "--engine qwen3vl" in error and "--engine openai" in error
    assert trace.steps[0].attempts == 1


def test_requests_outside_allowed_domains_are_blocked(tmp_path: Path, browser: Any) -> None:
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "leaky.html").write_text(
        "<p>Leaky page</p><img src='http://127.0.0.2:9/pixel.png'>"
        "<img src='http://tracker.invalid/t.gif'>",
        encoding="utf-8",
    )
    path = _task(
        tmp_path, "  - expect: Leaky page\n", "allowed_domains: [example.org]\n", "leaky.html"
    )
    trace, _ = run_task(
        load_task(path), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser
    )
    assert trace.status == "passed"
    assert sorted(trace.blocked_requests) == [
        "http://127.0.0.2:9/pixel.png",
        "http://tracker.invalid/t.gif",
    ]


def test_a_start_page_that_refuses_or_never_loads_ends_the_run_with_its_reason(
    tmp_path: Path, browser: Any
) -> None:
    import socket

    quiet = socket.socket()  # listens, never answers: the page never loads
    quiet.bind(("127.0.0.1", 0))
    quiet.listen()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, not listening: the connection is refused
    try:
        for port, reason in ((closed.getsockname()[1], "ERR_CONNECTION_REFUSED"),
                             (quiet.getsockname()[1], "Timeout")):  # fmt: skip
            task = tmp_path / f"{port}.yaml"
            task.write_text(
                f"name: away\nbrowser: {{url: 'http://127.0.0.1:{port}/'}}\ntimeout: 2\n"
                "steps:\n  - expect: Welcome\n",
                encoding="utf-8",
            )
            trace, path = run_task(
                load_task(task), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser
            )
            assert trace.status == "error"
            assert f"the start page: http://127.0.0.1:{port}/ did not load" in (trace.error or "")
            assert reason in (trace.error or "") and "Call log" not in (trace.error or "")
            assert (path.parent / "report.html").exists()
    finally:
        quiet.close()
        closed.close()


def test_a_full_disk_is_said_plainly_and_leaves_no_half_written_file(
    tmp_path: Path, browser: Any, monkeypatch: Any
) -> None:
    import errno

    import pytest

    from agent.errors import TraceUnwritable

    real = Path.write_text

    def full(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name.endswith(".tmp") or self.name == "report.html":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    path = _task(tmp_path, "  - expect: Sign in\n")
    with pytest.raises(TraceUnwritable, match=r"cannot write the trace .*: No space left"):
        run_task(load_task(path), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser)
    assert not list((tmp_path / "runs").rglob("*.tmp"))
