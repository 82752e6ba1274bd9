"""Running task files in parallel processes (``agent run --workers N``), each its own browser."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TaskResult:
    """How one task file's ``agent run`` process ended.

    Attributes:
        path: The task file.
        returncode: The process's exit code (0 passed, 1 failed, 2 bad input, 130 interrupted).
        output: What it printed (its step lines, summary and trace path).
        trace: The trace path it printed, if any.
    """

    path: Path
    returncode: int
    output: str
    trace: str | None


def run_parallel(
    paths: list[Path],
    options: list[str],
    *,
    workers: int,
    on_done: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Run ``agent run PATH OPTIONS`` for each path, at most ``workers`` at a time."""
    running: set[subprocess.Popen[str]] = set()

    def one(path: Path) -> TaskResult:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "run", str(path), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        running.add(process)
        output, _ = process.communicate()
        running.discard(process)
        trace = next(
            (
                line.split("trace:", 1)[1].strip()
                for line in output.splitlines()
                if "trace:" in line
            ),
            None,
        )
        return TaskResult(path=path, returncode=process.returncode, output=output, trace=trace)

    results: list[TaskResult] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(one, path) for path in paths]
        try:
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if on_done:
                    on_done(result)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            for process in list(running):  # each child writes its trace as interrupted
                process.send_signal(signal.SIGINT)
            raise
    order = {path: i for i, path in enumerate(paths)}
    return sorted(results, key=lambda r: order[r.path])


def summary_lines(results: list[TaskResult]) -> Iterator[str]:
    """One line per task: its status and its trace."""
    names = {0: "passed", 1: "failed", 2: "bad input", 130: "interrupted"}
    for result in results:
        status = names.get(result.returncode, f"exit {result.returncode}")
        yield f"{status:11} {result.path}  trace: {result.trace or '-'}"
