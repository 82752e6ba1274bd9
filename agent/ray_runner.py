"""``agent run --ray [ADDRESS]``: each task file a Ray task on a cluster.

Ray (an extra: ``pip install 'gui-agent[ray]'``) schedules; gui-agent does not. Each task file
travels with its folder (the pages it serves, its locate cache), runs as ``agent run`` on a
worker with its own browser or virtual display, streams its step lines back as it goes, and
sends its run folder back, which is unpacked under ``--out`` on this machine. Without an
address a local cluster is started for the run (and stopped after); ``auto`` joins the one
``ray start`` made here; ``ray://host:10001`` reaches a remote one. Workers need gui-agent
installed in the same version. Secrets are not sent: a worker reads them from its own
environment, so they never pass through Ray's object store.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agent.errors import MissingDependency, UsageError
from agent.parallel import TaskResult

MAX_BUNDLE_BYTES = 50_000_000
"""A task file's folder larger than this is refused (it is sent to a worker with each task)."""
_SKIP = {"runs", ".git", ".venv", "__pycache__", "node_modules"}
TASK_CPUS = 1
"""Ray resources each task declares: one core (a browser, or a display and a program)."""


def bundle(path: Path) -> bytes:
    """The task file's folder as a gzipped tar (run folders and environments left out).

    Raises:
        UsageError: The folder is larger than MAX_BUNDLE_BYTES.
    """
    buffer = io.BytesIO()
    root = path.resolve().parent
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for item in sorted(root.rglob("*")):
            if item.is_file() and not _SKIP & set(item.relative_to(root).parts):
                tar.add(item, arcname=item.relative_to(root).as_posix())
            if buffer.tell() > MAX_BUNDLE_BYTES:
                raise UsageError(
                    f"{path}: its folder {root} is over {MAX_BUNDLE_BYTES // 1_000_000} MB, and "
                    "it travels with the task to a Ray worker: keep task files in a folder of "
                    "their own"
                )
    return buffer.getvalue()


def run_task_on_worker(
    files: bytes, name: str, options: list[str]
) -> Iterator[tuple[str, Any, Any]]:
    """On a worker: unpack, run ``agent run``, yield ``("line", text, None)`` per output line,
    then ``("done", exit code, the run folders as a gzipped tar)``."""
    with tempfile.TemporaryDirectory(prefix="gui-agent-ray-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(files), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        process = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "run", name, "--out", "runs", *options],
            cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            yield "line", line.rstrip("\n"), None
        code = process.wait()
        runs = io.BytesIO()
        with tarfile.open(fileobj=runs, mode="w:gz") as tar:
            if (Path(tmp) / "runs").is_dir():
                tar.add(Path(tmp) / "runs", arcname=".")
        yield "done", code, runs.getvalue()


def run_on_ray(
    paths: list[Path],
    options: list[str],
    *,
    address: str | None,
    out: Path,
    on_line: Callable[[Path, str], None] | None = None,
    on_done: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Run each task file as a Ray task; results in the order of ``paths``.

    Raises:
        MissingDependency: Ray is not installed.
    """
    try:
        import ray
    except ImportError as exc:
        raise MissingDependency(f"--ray needs Ray: pip install 'gui-agent[ray]' ({exc})") from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address or None, logging_level=logging.WARNING, log_to_driver=False,
                 include_dashboard=False)  # fmt: skip
    remote = ray.remote(num_cpus=TASK_CPUS)(run_task_on_worker).options(num_returns="streaming")
    results: dict[Path, TaskResult] = {}
    lock = threading.Lock()

    def follow(path: Path) -> None:
        lines: list[str] = []
        code, trace = 1, None
        refs: Any = []  # Ray's streaming generator of the task's outputs
        try:
            refs = remote.remote(bundle(path), path.name, options)
        except UsageError as exc:
            lines.append(f"error: {exc}")
        for ref in refs:
            try:
                kind, value, runs = ray.get(ref)
            except Exception as exc:  # the worker died or Ray failed: the task's outcome
                lines.append(f"the Ray task failed: {str(exc).splitlines()[0]}")
                break
            if kind == "line":
                # The worker's run folders arrive under --out: its lines say where they land.
                for label in ("trace: runs/", "report: runs/"):
                    value = value.replace(label, f"{label[:-5]}{out}/")
                lines.append(value)
                if "trace:" in value:
                    trace = value.split("trace:", 1)[1].strip()
                if on_line:
                    on_line(path, value)
            else:
                code = value
                out.mkdir(parents=True, exist_ok=True)
                with tarfile.open(fileobj=io.BytesIO(runs), mode="r:gz") as tar:
                    tar.extractall(out, filter="data")
        result = TaskResult(path=path, returncode=code, output="\n".join(lines), trace=trace)
        with lock:
            results[path] = result
            if on_done:
                on_done(result)

    try:
        threads = [threading.Thread(target=follow, args=(p,), daemon=True) for p in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if started_here:
            ray.shutdown()
    missing = [p for p in paths if p not in results]
    for path in missing:  # a worker that died: said, never silently dropped
        results[path] = TaskResult(path=path, returncode=1, output="the Ray task died", trace=None)
    return [results[p] for p in paths]
