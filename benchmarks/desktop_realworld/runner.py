"""Running the desktop corpus's task files on one variant's display (the script
benchmarks/desktop_realworld.py and the suite's slice of it share this)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from actions.display import VirtualDisplay, environ, window_manager, x_env
from agent.errors import TaskFileError
from agent.runner import run_task
from agent.taskfile import load_task
from benchmarks.desktop_realworld.checks import CHECKS, ENV, PREPARE
from benchmarks.font_setups import font_path
from perception.offline import OfflineEngine

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "benchmarks" / "desktop_realworld"
PROGRAMS = ("mousepad", "featherpad", "gnumeric", "pcmanfm", "zenity", "yad", "gxmessage",
            "xmessage", "xterm", "idle")  # fmt: skip
FLUXBOX_INIT = "session.screen0.toolbar.visible: false\n"


@contextmanager
def desktop(wm: str, fonts: str, work: Path) -> Iterator[str]:
    """A virtual display for one variant (and its window manager); yields its name."""
    with ExitStack() as stack:
        virtual = stack.enter_context(VirtualDisplay(font_path=font_path(fonts) or None))
        stack.enter_context(environ(DISPLAY=virtual.name, XAUTHORITY=virtual.xauthority))
        if "DBUS_SESSION_BUS_ADDRESS" not in os.environ:
            # As gui-agent does for its own virtual displays (agent/targets.py): GTK settings
            # in memory, since no session bus runs here to store them.
            stack.enter_context(environ(GSETTINGS_BACKEND="memory"))
        if wm == "fluxbox":
            init = work / "fluxbox-init"
            init.write_text(FLUXBOX_INIT)
            # Its wallpaper setter, missing a program to set one with, opens a message box
            # every start; a person's desktop has one, or none: here a setter that does nothing.
            tools = work / "bin"
            tools.mkdir()
            (tools / "fbsetbg").write_text("#!/bin/sh\nexit 0\n")
            (tools / "fbsetbg").chmod(0o755)
            env = x_env(virtual.name, virtual.xauthority)
            env["PATH"] = f"{tools}:{env.get('PATH', '')}"
            stack.enter_context(window_manager(f"fluxbox -rc {init}", env))
        yield virtual.name


def run_variant(
    wm: str, fonts: str, tasks: list[tuple[str, Path]], out: Path
) -> list[dict[str, Any]]:
    """Every task on one variant's display; one result row each."""
    engine = OfflineEngine()
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="desktop-corpus-") as tmp,
        desktop(wm, fonts, Path(tmp)) as display,
    ):
        for task_id, path in tasks:
            work = Path(tmp) / task_id.replace("/", "-")
            work.mkdir(parents=True)
            for name, text in PREPARE.get(task_id, {}).items():
                (work / name).write_text(text)
            started = time.monotonic()
            try:
                loaded = load_task(path, env={"WORK": str(work), **ENV.get(task_id, {})})
            except TaskFileError as exc:  # the corpus's own mistake: say so, go on
                rows.append({"task": task_id, "wm": wm, "fonts": fonts, "agent": "invalid",
                             "outcome": False, "passed": False, "false_pass": False,
                             "failing_step": None, "cause": str(exc), "seconds": 0.0,
                             "steps": [], "trace": None})  # fmt: skip
                _print_row(rows[-1])
                continue
            trace, trace_path = run_task(loaded, engine=engine, out=out, display=display)
            problem = CHECKS[task_id](work, trace_path.parent)
            failing = next((s for s in trace.steps if s.status != "passed"), None)
            agent_passed = trace.status == "passed"
            row = {
                "task": task_id, "wm": wm, "fonts": fonts, "agent": trace.status,
                "outcome": problem is None, "passed": agent_passed and problem is None,
                "false_pass": agent_passed and problem is not None,
                "failing_step": None if failing is None else (
                    f"{failing.index + 1} {failing.verb} {failing.target}"
                ),
                "cause": (failing.error if failing else None) or trace.error or problem,
                "seconds": round(time.monotonic() - started, 1),
                "steps": [{"verb": s.verb, "ms": s.duration_ms} for s in trace.steps
                          if s.status == "passed"],
                "trace": str(trace_path),
            }  # fmt: skip
            rows.append(row)
            _print_row(row)
    return rows


def _print_row(row: dict[str, Any]) -> None:
    mark = "FALSE PASS" if row["false_pass"] else ("pass" if row["passed"] else "fail")
    where = f" at step {row['failing_step']}" if row["failing_step"] else ""
    cause = f": {str(row['cause'])[:150]}" if row["cause"] and not row["passed"] else ""
    print(
        f"{row['wm']:<8} {row['fonts']:<11} {row['task']:<26} {mark:<10} "
        f"{row['seconds']:>5.1f} s{where}{cause}",
        flush=True,
    )
