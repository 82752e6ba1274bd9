"""The pytest plugin (a ``pytest11`` entry point): the ``ai`` fixture, options, task files as tests.

- ``ai``: an :class:`~agent.api.Agent` over pytest-playwright's ``page``, so
  ``def test_login(page, ai): page.goto(url); ai.click("Sign in")`` works with no conftest.
- ``desktop_ai``: an Agent on a desktop (``--agent-display``: $DISPLAY, else a virtual one);
  ``@pytest.mark.agent(launch="xcalc", window="Calculator")`` starts a program for the test.
  Where Playwright's own Chromium is not installed but a system one is, pytest-playwright's
  launch is pointed at the system one.
- Options, each with an ini twin: ``--agent-engine``, ``--agent-model``, ``--agent-endpoint``,
  ``--agent-trace-dir``, ``--agent-cache``, ``--agent-display``, ``--agent-secrets``;
  ``@pytest.mark.agent(engine=..., ...)`` overrides them per test.
- A failing test's report names the failing step, its screenshot and the trace (attached to
  pytest-html when it is installed).
- ``--agent-tasks`` (ini ``agent_tasks = true``) collects task YAML files as tests, each run as
  ``agent run`` runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

OPTIONS = {
    "engine": "engine: auto (default), offline, qwen3vl or openai",
    "model": "Qwen3-VL folder or hub id; with an endpoint, the served model's name",
    "endpoint": "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1",
    "trace_dir": "where runs write their trace (default: runs)",
    "cache": "the locate cache: read-write, read-only, write-only or off (default off; "
    "fixtures keep it in gui-agent-cache/ under the rootdir, task files beside them)",
    "display": "desktop_ai and desktop task files: auto (default: $DISPLAY, else a virtual "
    "display), virtual, or :N",
    "cdp": "task files: attach to a Chromium at this CDP URL (the ai fixture uses "
    "pytest-playwright's browser: see its connect options)",
    "secrets": "names of environment variables the fixtures type as ${NAME} and never show "
    "(comma-separated)",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--agent-*`` options and their ini twins."""
    group = parser.getgroup("gui-agent", "gui-agent: describe targets, the agent finds them")
    for name, help_text in OPTIONS.items():
        flag = "--agent-" + name.replace("_", "-")
        group.addoption(flag, dest=f"agent_{name}", default=None, help=help_text)
        parser.addini(f"agent_{name}", help=help_text, default=None)
    group.addoption(
        "--agent-tasks", action="store_true", default=None,
        help="collect task files (*.yaml with steps:) as tests",
    )  # fmt: skip
    parser.addini("agent_tasks", help="collect task files as tests", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker; point pytest-playwright at a system Chromium when needed."""
    config.addinivalue_line(
        "markers", "agent(engine=None, model=None, endpoint=None, trace_dir=None, cache=None, "
        "launch=None, window=None, secrets=None): gui-agent options for this test (launch "
        "and window: the program desktop_ai starts, and its window; secrets: names read from "
        "the environment, or a dict of values)",
    )  # fmt: skip
    if config.pluginmanager.hasplugin("playwright"):
        # Registered after pytest-playwright, so this fixture overrides (and wraps) its own.
        from agent import pytest_chromium

        config.pluginmanager.register(pytest_chromium, "gui-agent-system-chromium")


def setting(config: pytest.Config, name: str, marker: pytest.Mark | None = None) -> Any:
    """A gui-agent option: the test's marker, then the command line, then the ini file."""
    if marker is not None and marker.kwargs.get(name) is not None:
        return marker.kwargs[name]
    value = config.getoption(f"agent_{name}", default=None)
    if value is None:
        value = config.getini(f"agent_{name}")
    return value or None


@pytest.fixture
def ai(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An Agent over pytest-playwright's ``page`` (its browser, its context)."""
    from agent.api import Agent

    try:
        page = request.getfixturevalue("page")
    except pytest.FixtureLookupError:
        raise pytest.UsageError(
            "the `ai` fixture needs pytest-playwright's `page`: pip install pytest-playwright"
        ) from None
    marker = request.node.get_closest_marker("agent")
    agent = Agent.for_page(
        page,
        engine=setting(request.config, "engine", marker) or "auto",
        model=setting(request.config, "model", marker),
        endpoint=setting(request.config, "endpoint", marker),
        trace_dir=setting(request.config, "trace_dir", marker) or "runs",
        name=request.node.name,
        **_run_options(request, marker),
    )
    request.node.stash[_AGENT] = agent
    yield agent
    report = request.node.stash.get(_CALL_REPORT, None)
    agent.close("failed" if report is not None and report.failed else None)


def _run_options(request: pytest.FixtureRequest, marker: pytest.Mark | None) -> dict[str, Any]:
    """The cache mode and a folder per test module (test names repeat across modules), and
    the secrets."""
    module = Path(str(request.node.path)).stem
    return {
        "cache": setting(request.config, "cache", marker) or "off",
        "cache_dir": request.config.rootpath / "gui-agent-cache" / module,
        "secrets": _secrets(request.config, marker),
    }


def _secrets(config: pytest.Config, marker: pytest.Mark | None) -> Any:
    """The marker's ``secrets`` (names, or a dict of values), else ``--agent-secrets`` names,
    each name's value read from the environment."""
    from agent.errors import UserError
    from agent.secrets import Secrets

    declared = setting(config, "secrets", marker)
    if isinstance(declared, dict):
        return Secrets(declared)
    names = declared.split(",") if isinstance(declared, str) else list(declared or [])
    try:
        return Secrets.from_env([n.strip() for n in names if n.strip()], os.environ)
    except UserError as exc:
        raise pytest.UsageError(f"gui-agent secrets: {exc}") from None


@pytest.fixture
def desktop_ai(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An Agent on a desktop; the marker's ``launch``/``window`` start a program for the test."""
    from agent.api import Agent

    marker = request.node.get_closest_marker("agent")
    agent = Agent.desktop(
        marker.kwargs.get("launch") if marker else None,
        window=marker.kwargs.get("window") if marker else None,
        display=setting(request.config, "display", marker) or "auto",
        engine=setting(request.config, "engine", marker) or "auto",
        model=setting(request.config, "model", marker),
        endpoint=setting(request.config, "endpoint", marker),
        trace_dir=setting(request.config, "trace_dir", marker) or "runs",
        name=request.node.name,
        **_run_options(request, marker),
    )
    request.node.stash[_AGENT] = agent
    yield agent
    report = request.node.stash.get(_CALL_REPORT, None)
    agent.close("failed" if report is not None and report.failed else None)


_AGENT = pytest.StashKey[Any]()
_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Name the failing step, its screenshot and the trace in a failed test's report."""
    report: pytest.TestReport = yield
    if report.when != "call":
        return report
    item.stash[_CALL_REPORT] = report
    agent = item.stash.get(_AGENT, None)
    if agent is None or not report.failed:
        return report
    failed = [s for s in agent.trace.steps if s.status == "failed"]
    lines = []
    shot = None
    if failed:
        step = failed[-1]
        lines.append(f"failing step: {step.index + 1} {step.verb} {step.target}: {step.error}")
        if step.screenshot and agent.trace_path:
            shot = agent.trace_path.parent / step.screenshot
            lines.append(f"screenshot: {shot}")
    if agent.trace_path:
        lines.append(f"trace: {agent.trace_path}")
    if lines:
        report.sections.append(("gui-agent", "\n".join(lines)))
    if item.config.pluginmanager.hasplugin("html"):
        try:
            from pytest_html import extras

            attached = list(getattr(report, "extras", []))
            if shot is not None:
                attached.append(extras.image(str(shot)))
            if agent.trace_path:
                attached.append(extras.url(str(agent.trace_path), name="gui-agent trace"))
            report.extras = attached  # type: ignore[attr-defined]
        except ImportError:  # pragma: no cover
            pass
    return report


# -- task files as tests ------------------------------------------------------------------------
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Task YAML files, when ``--agent-tasks`` or ``agent_tasks = true`` asks for them."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    wanted = config.getoption("agent_tasks", default=None) or config.getini("agent_tasks")
    if not wanted or not _looks_like_task(file_path):
        return None
    return TaskFile.from_parent(parent, path=file_path)


def _looks_like_task(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        return False
    return any(line.startswith("steps:") for line in head.splitlines())


class TaskFile(pytest.File):
    """A task file: one test."""

    def collect(self) -> Iterator[pytest.Item]:
        """The one item of the file."""
        yield TaskItem.from_parent(self, name=self.path.stem)


class TaskFailed(Exception):
    """``agent run`` did not pass; the message is its output."""


class TaskItem(pytest.Item):
    """Runs the task as ``agent run`` does (its own process and browser), same pass/fail rules."""

    def runtest(self) -> None:
        """Run ``agent run FILE`` with the session's engine options."""
        config = self.config
        command = [sys.executable, "-m", "agent.cli", "run", str(self.path)]
        for name in ("engine", "model", "endpoint"):
            value = setting(config, name)
            if value:
                command += [f"--{name}", str(value)]
        for name in ("cdp", "display", "cache"):
            value = setting(config, name)
            command += [f"--{name}", str(value)] if value else []
        command += ["--out", str(setting(config, "trace_dir") or "runs")]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise TaskFailed((result.stdout + result.stderr).strip())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The run's own lines (steps, error, trace path) instead of a traceback."""
        if isinstance(excinfo.value, TaskFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the test comes from."""
        return self.path, 0, f"task file: {self.path.name}"
