"""The real-application corpus: task files on applications nobody in this project wrote.

    python benchmarks/realworld.py [--apps django_admin ...] [--tasks NAME ...]
        [--engine offline|auto|qwen3vl|openai] [--model M] [--endpoint URL] [--pixels-only]

Each application (``benchmarks/realworld/<app>/app.py``) is installed from a registry (PyPI,
Debian or npm), started by this script on 127.0.0.1, and reset before every task. Every task
file there is run through ``agent run``'s own code, and then its outcome is read from the
application itself (its database), never from the agent. A task passes only when both say
so; a run the agent reports passed whose outcome is missing is a **false pass**.

Prints one row per task (passed, failing step, cause) and writes
benchmarks/results/realworld-VARIANT.json.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.engines import EngineSettings, load_engine, make_engine  # noqa: E402
from agent.errors import TaskFileError  # noqa: E402
from agent.runner import run_task  # noqa: E402
from agent.taskfile import load_task  # noqa: E402
from benchmarks.common import write_results  # noqa: E402

CORPUS = ROOT / "benchmarks" / "realworld"
APPS = (
    "django_admin",
    "datasette",
    "sqlite_web",
    "roundup",
    "flask_admin",
    "trac",
    "streamlit_app",
)


def run_app(
    name: str, engine: Any, tasks: list[str] | None, out: Path, *, browser: Any = None
) -> list[dict[str, Any]]:
    """Run one application's task files; one result row per task (``browser``: a running
    Playwright browser to reuse, else each task launches its own)."""
    module = importlib.import_module(f"benchmarks.realworld.{name}.app")
    paths = sorted((CORPUS / name).glob("*.yaml"))
    if tasks:
        paths = [p for p in paths if p.stem in tasks]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix=f"realworld-{name}-") as work:
        with module.App(Path(work)) as app:
            for path in paths:
                app.reset()
                started = time.monotonic()
                try:
                    loaded = load_task(path, env={**app.env})
                except TaskFileError as exc:  # the corpus's own mistake: say so, go on
                    rows.append({"app": name, "task": path.stem, "agent": "invalid",
                                 "outcome": False, "passed": False, "false_pass": False,
                                 "failing_step": None, "cause": str(exc), "seconds": 0.0,
                                 "trace": None})  # fmt: skip
                    _print_row(rows[-1])
                    continue
                trace, trace_path = run_task(loaded, engine=engine, out=out / name, browser=browser)
                problem = module.CHECKS[path.stem](app, trace)
                failing = next((s for s in trace.steps if s.status != "passed"), None)
                agent_passed = trace.status == "passed"
                rows.append(
                    {
                        "app": name,
                        "task": path.stem,
                        "agent": trace.status,
                        "outcome": problem is None,
                        "passed": agent_passed and problem is None,
                        "false_pass": agent_passed and problem is not None,
                        "failing_step": None if failing is None else (
                            f"{failing.index + 1} {failing.verb} {failing.target}"
                        ),
                        "cause": (failing.error if failing else None) or trace.error or problem,
                        "seconds": round(time.monotonic() - started, 1),
                        "trace": str(trace_path),
                    }
                )  # fmt: skip
                _print_row(rows[-1])
    return rows


def _print_row(row: dict[str, Any]) -> None:
    mark = "FALSE PASS" if row["false_pass"] else ("pass" if row["passed"] else "fail")
    where = f" at step {row['failing_step']}" if row["failing_step"] else ""
    cause = f": {str(row['cause'])[:160]}" if row["cause"] and not row["passed"] else ""
    print(f"{row['app']:<14} {row['task']:<18} {mark:<10} {row['seconds']:>5.1f} s{where}{cause}")


def main() -> None:
    """Run the corpus and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", nargs="+", default=list(APPS), choices=APPS)
    parser.add_argument("--tasks", nargs="+", help="task file names (without .yaml)")
    parser.add_argument(
        "--engine", default="offline", choices=("offline", "auto", "qwen3vl", "openai")
    )
    parser.add_argument("--model")
    parser.add_argument("--endpoint")
    parser.add_argument("--pixels-only", action="store_true")
    parser.add_argument("--out", type=Path, help="results JSON (default by variant)")
    args = parser.parse_args()
    settings = EngineSettings.resolve(
        {"engine": args.engine, "model": args.model, "endpoint": args.endpoint,
         "pixels_only": args.pixels_only or None}
    )  # fmt: skip
    engine = load_engine(make_engine(settings=settings))
    variant = args.engine + ("-pixels" if args.pixels_only else "")
    rows: list[dict[str, Any]] = []
    for app in args.apps:  # the traces and reports stay, for reading the failures
        rows += run_app(app, engine, args.tasks, ROOT / "runs" / "realworld")
    passed = sum(r["passed"] for r in rows)
    false = sum(r["false_pass"] for r in rows)
    print(f"\n{passed}/{len(rows)} tasks passed ({100 * passed / max(1, len(rows)):.0f}%), "
          f"{false} false passes")  # fmt: skip
    out = args.out or ROOT / "benchmarks" / "results" / f"realworld-{variant}.json"
    summary = {"tasks": len(rows), "passed": passed, "false_passes": false}
    write_results(out, {"engine": variant, "summary": summary, "rows": rows})


if __name__ == "__main__":
    main()
