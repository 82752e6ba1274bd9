"""The locate cache: replay without the engine, validation before use, modes, broken files."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent import Agent
from agent.cache import LocateCache
from agent.runner import run_task
from agent.taskfile import load_task
from tests.conftest import ROOT, TASKS
from tests.helpers import CountingEngine


def _copy_tasks(tmp_path: Path) -> Path:
    shutil.copytree(TASKS, tmp_path / "tasks", ignore=shutil.ignore_patterns("*.cache.yaml"))
    return tmp_path / "tasks"


def _run(path: Path, tmp_path: Path, mode: str, browser: Any, **engine: Any) -> Any:
    counting = CountingEngine(**engine)
    cache = LocateCache(path.with_name(path.stem + ".cache.yaml"), mode)  # type: ignore[arg-type]
    trace, _ = run_task(
        load_task(path), engine=counting, out=tmp_path / "runs", browser=browser, cache=cache
    )
    return trace, counting


def test_a_replay_locates_nothing_and_says_so(tmp_path: Path, browser: Any) -> None:
    task = _copy_tasks(tmp_path) / "todo.yaml"
    first, live = _run(task, tmp_path, "read-write", browser)
    assert first.status == "passed" and live.locates >= 7
    assert {s.cache for s in first.steps if s.element and s.verb != "expect"} <= {"live", None}
    written = yaml.safe_load(task.with_name("todo.cache.yaml").read_text())
    assert len(written["entries"]) == 7
    ocr = next(e for e in written["entries"] if e["engine"] == "offline/ocr")
    assert ocr["thumb"] and "name" not in ocr  # found from pixels: validated by its pixels

    again, replay = _run(task, tmp_path, "read-write", browser)
    assert again.status == "passed" and again.outputs == {"items left": 1}
    assert replay.locates == 0
    located = [s for s in again.steps if s.verb in ("click", "type")]
    assert [s.cache for s in located] == ["hit"] * 7


def test_a_renamed_button_is_a_validated_miss_then_refreshed(tmp_path: Path, browser: Any) -> None:
    tasks = _copy_tasks(tmp_path)
    login = tasks / "login.yaml"
    first, _ = _run(login, tmp_path, "read-write", browser)
    assert first.status == "passed"
    page = tasks / "sites" / "login.html"
    page.write_text(page.read_text().replace(">Sign in</button>", ">Sign in now</button>"))
    again, engine = _run(login, tmp_path, "read-write", browser)
    assert again.status == "passed"
    sign_in = next(s for s in again.steps if s.target == "Sign in")
    assert sign_in.cache == "miss" and engine.locates == 1
    assert sign_in.element is not None and sign_in.element["text"] == "Sign in now"
    assert [s.cache for s in again.steps[:3]] == ["hit"] * 3
    entries = yaml.safe_load(login.with_name("login.cache.yaml").read_text())["entries"]
    assert {e["name"] for e in entries if e["step"] == "click Sign in"} == {"Sign in now"}


def test_read_only_never_writes(tmp_path: Path, browser: Any) -> None:
    login = _copy_tasks(tmp_path) / "login.yaml"
    trace, engine = _run(login, tmp_path, "read-only", browser)
    assert trace.status == "passed" and engine.locates == 4
    assert not login.with_name("login.cache.yaml").exists()
    _run(login, tmp_path, "write-only", browser)
    cache_file = login.with_name("login.cache.yaml")
    before = cache_file.read_text()
    (tasks := login.parent / "sites" / "login.html").write_text(
        tasks.read_text().replace(">Sign in</button>", ">Sign in now</button>")
    )
    trace, _ = _run(login, tmp_path, "read-only", browser)
    assert [s.cache for s in trace.steps[:4]] == ["hit", "hit", "hit", "miss"]
    assert cache_file.read_text() == before, "read-only wrote the cache"


def test_write_only_locates_live_and_writes(tmp_path: Path, browser: Any) -> None:
    login = _copy_tasks(tmp_path) / "login.yaml"
    _run(login, tmp_path, "read-write", browser)
    trace, engine = _run(login, tmp_path, "write-only", browser)
    assert engine.locates == 4 and {s.cache for s in trace.steps} == {None}


def test_a_corrupted_cache_file_warns_then_locates_live_and_is_kept(
    tmp_path: Path, browser: Any, caplog: pytest.LogCaptureFixture
) -> None:
    login = _copy_tasks(tmp_path) / "login.yaml"
    broken = login.with_name("login.cache.yaml")
    broken.write_text("version: 1\nentries: [{step: click, box: nope}\n")
    with caplog.at_level(logging.WARNING, logger="agent.cache"):
        trace, engine = _run(login, tmp_path, "read-write", browser)
    assert trace.status == "passed" and engine.locates == 4
    assert f"{broken}: unreadable cache file" in caplog.text
    assert "not overwriting the unreadable cache file" in caplog.text
    assert broken.read_text() == "version: 1\nentries: [{step: click, box: nope}\n"


def test_desktop_entries_are_validated_by_their_pixels(x_display: Any, tmp_path: Path) -> None:
    task = _copy_tasks(tmp_path) / "desktop_calculator.yaml"
    cache_file = task.with_name("desktop_calculator.cache.yaml")
    first, _ = _run(task, tmp_path, "read-write", None)
    assert first.status == "passed"
    data = yaml.safe_load(cache_file.read_text())
    assert data["entries"][0]["where"] == "Calculator" and data["entries"][0]["thumb"]
    again, engine = _run(task, tmp_path, "read-write", None)
    assert again.status == "passed" and engine.locates == 0
    # The "7" entry now remembers other pixels (as if the key had been redrawn): it must not
    # be trusted, but located again.
    seven = next(e for e in data["entries"] if e["step"] == "click 7")
    seven["thumb"] = "ff" * (len(seven["thumb"]) // 2)
    cache_file.write_text(yaml.safe_dump(data))
    third, engine = _run(task, tmp_path, "read-write", None)
    assert third.status == "passed" and engine.locates == 1
    assert next(s for s in third.steps if s.target == "7").cache == "miss"


def test_the_api_keeps_its_cache_in_a_folder(tmp_path: Path, make_executor: Any, site: Any) -> None:
    agents = []
    for _ in range(2):
        page = make_executor().page
        page.goto(site.url_for("tasks/sites/login.html"))
        with Agent.for_page(
            page, engine="offline", trace_dir=None, name="login api", cache="read-write",
            cache_dir=tmp_path / "cache",
        ) as ai:  # fmt: skip
            ai.type("alice", into="Username")
            ai.click("Sign in")
        agents.append(ai)
    assert (tmp_path / "cache" / "login-api.cache.yaml").exists()
    assert agents[0].cache is not None and agents[0].cache.hits == 0
    assert agents[1].cache is not None and agents[1].cache.hits == 2


def test_the_cli_writes_the_cache_beside_the_task_unless_off(tmp_path: Path) -> None:
    login = _copy_tasks(tmp_path) / "login.yaml"
    command = [sys.executable, "-m", "agent.cli", "run", str(login), "--out", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GUI_AGENT_CACHE")}
    off = subprocess.run([*command, "--cache", "off"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=False)  # fmt: skip
    assert off.returncode == 0 and not login.with_name("login.cache.yaml").exists()
    for expected in ("offline/dom 0", "offline/dom cached"):
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120, check=False)  # fmt: skip
        assert run.returncode == 0 and expected in run.stdout, run.stdout
    ci = subprocess.run(command, cwd=ROOT, env={**env, "CI": "true"}, capture_output=True,
                        text=True, timeout=120, check=False)  # fmt: skip
    assert "cached" in ci.stdout  # read-only under CI: replays, never writes
