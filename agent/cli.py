"""The ``agent`` command: parse, call the library, render with rich.

Exit codes: 0 all passed, 1 a task failed (or nothing matched, for ``locate``), 2 bad input or
usage, 130 interrupted.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from agent.cli_args import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    build_parser,
    engine_settings,
)
from agent.errors import AgentError, TaskFileError, UserError
from agent.signals import Stopped, stop_on_signals

_ICONS = {
    "passed": "[green]✓[/]",
    "failed": "[red]✗[/]",
    "error": "[red]![/]",
    "skipped": "[dim]-[/]",
}


def _confirmer(args: Any, console: Console, status: Any) -> Any:
    """How ``confirm: true`` steps are confirmed: --yes, a question in a terminal, or not at
    all (the step fails and says how to confirm it)."""
    if args.yes:
        return lambda what: True
    if not sys.stdin.isatty():
        return None

    def ask(what: str) -> bool:
        from rich.prompt import Confirm

        status.stop()
        try:
            return Confirm.ask(f"[bold]confirm[/] {escape(what)}?", console=console, default=False)
        finally:
            status.start()

    return ask


def _check_writable(out: Path) -> None:
    """Fail before any run starts if run folders cannot be written under ``out``."""
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None


def _engine_for(layers: list[dict[str, Any]], cache: dict[str, Any], console: Console) -> Any:
    """Build (once per settings) and load the engine, showing progress while a model loads."""
    from agent.engines import EngineSettings, load_engine, make_engine

    settings = EngineSettings.resolve(*layers)
    key = settings.model_dump_json()
    if key not in cache:
        status = console.status(f"loading {settings.model} (a minute or more on a CPU)")
        cache[key] = load_engine(make_engine(settings=settings), status=status)
    return cache[key]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``agent`` console script."""
    args = build_parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for package in ("agent", "actions", "perception"):  # -v is about us, not PIL or urllib3
        logging.getLogger(package).setLevel(level)
    # soft_wrap: paths and messages stay on one line, whatever the terminal width (greppable).
    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        with stop_on_signals():
            return _command(args, console, errors)
    except Stopped as exc:
        errors.print(f"[yellow]{exc}[/]")
        return 128 + exc.signal
    except KeyboardInterrupt:
        errors.print("[yellow]interrupted[/]")
        return EXIT_INTERRUPTED
    except UserError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_USAGE
    except AgentError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_FAILED


def _command(args: Any, console: Console, errors: Console) -> int:
    """Run the parsed command; its exit code."""
    if args.command == "schema":
        from agent.task import task_json_schema

        print(json.dumps(task_json_schema(), indent=2))
        return EXIT_OK
    if args.command == "locate":
        return _locate(args, console)
    if args.command == "report":
        return _report(args, console)
    if args.command == "serve":
        return _serve(args, console)
    if args.command == "record":
        from agent.recorder import run_record

        return run_record(args, sys.stderr)
    if args.command == "mcp":
        from agent.mcp_server import run_mcp

        return run_mcp(args, sys.stderr)
    if args.command == "doctor":
        from agent.doctor import run_doctor

        return run_doctor(args, console)
    return _run(args, console, errors)


def _locate(args: Any, console: Console) -> int:
    from perception.screen import Screenshot

    try:
        shot = Screenshot.open(args.image, scale=args.scale)
    except (OSError, ValueError) as exc:
        raise UserError(f"{args.image}: cannot read it as an image ({exc})") from None
    settings = {**engine_settings(args), "pixels_only": True}
    engine = _engine_for([settings], {}, console)
    found = engine.locate(shot, args.description)
    if found.element is None:
        near = [c.summary() for c in found.candidates[:3]]
        error = found.ambiguity(args.description) if found.tie else "no match"
        console.print(json.dumps({"error": error, "closest": near}, ensure_ascii=False))
        return EXIT_FAILED
    result = found.element.summary()
    result.pop("handle", None)
    console.print(json.dumps(result, ensure_ascii=False), soft_wrap=True)
    return EXIT_OK


def _run(args: Any, console: Console, errors: Console) -> int:
    import os

    from agent.cache import LocateCache, cache_path_for, default_mode, is_cache_file
    from agent.runner import run_task
    from agent.secrets import read_env_file
    from agent.taskfile import LoadedTask, load_task
    from agent.trace import StepRecord

    env = dict(os.environ)
    if args.env_file:
        env.update(read_env_file(args.env_file))
    loaded: list[LoadedTask] = []
    problems: list[str] = []
    paths = [p for p in args.tasks if not is_cache_file(p)]  # tasks/*.yaml matches them too
    if not paths:
        raise UserError("no task files given (only locate caches, *.cache.yaml)")
    for path in paths:  # every file is checked before any browser starts
        try:
            task = load_task(path, env=env)
        except TaskFileError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append(task)
    if problems:
        for problem in problems:
            errors.print(f"[red]error:[/] {escape(problem)}", soft_wrap=True)
        return EXIT_USAGE
    if args.workers < 1:
        raise UserError("--workers must be 1 or more")
    _check_writable(args.out)
    if args.ray is not None or (args.workers > 1 and len(loaded) > 1):
        return _run_parallel(args, [task.path for task in loaded], console)
    engines: dict[str, Any] = {}
    failed = 0
    for task in loaded:
        file_layer = {
            "engine": task.task.engine,
            "model": task.task.model,
            "endpoint": task.task.endpoint,
        }
        engine = _engine_for([engine_settings(args), file_layer], engines, console)
        total = len(task.task.steps)
        console.print(f"[bold]{escape(task.task.name)}[/] [dim]({task.path}, {total} steps)[/]")
        status = console.status("")

        def start(record: StepRecord, total: int = total, status: Any = status) -> None:
            status.update(f"{record.index + 1}/{total} {record.verb} {escape(record.target)}")
            status.start()

        def end(record: StepRecord, total: int = total, status: Any = status) -> None:
            status.stop()
            console.print(_step_line(record, total), soft_wrap=True)

        cache = None
        mode = args.cache or default_mode()
        if mode != "off":
            cache = LocateCache(cache_path_for(task.path), mode, secrets=task.secrets)
        try:
            trace, path = run_task(
                task,
                cache=cache,
                confirm=_confirmer(args, console, status),
                engine=engine,
                out=args.out,
                headed=args.headed,
                cdp=args.cdp,
                connect=args.connect,
                display=args.display,
                on_step_start=start,
                on_step_end=end,
            )
        finally:
            status.stop()
        if trace.status != "passed":
            failed += 1
        colour = "green" if trace.status == "passed" else "red"
        passed = sum(1 for s in trace.steps if s.status == "passed")
        console.print(
            f"[{colour}]{trace.status}[/]: {passed}/{total} steps"
            f" in {trace.duration_ms / 1000:.1f} s"
            + (f" [red]{escape(trace.error)}[/]" if trace.error else "")
        )
        for name, value in trace.outputs.items():
            console.print(f"  extracted {escape(name)!s}: {escape(repr(value))}")
        console.print(f"  trace: {path}")
        report = path.parent / "report.html"
        if report.exists():
            console.print(f"  report: {report}")
            if args.open:
                _open(report)
    return EXIT_FAILED if failed else EXIT_OK


def _report(args: Any, console: Console) -> int:
    from pydantic import ValidationError

    from agent.report import write_report

    if not (args.run_dir / "trace.json").is_file():
        raise UserError(
            f"{args.run_dir}: no trace.json here (give a run folder, e.g. runs/NAME-DATE)"
        )
    try:
        path = write_report(args.run_dir)
    except ValidationError as exc:
        raise UserError(
            f"{args.run_dir / 'trace.json'}: not a gui-agent trace ({exc.errors()[0]['msg']})"
        ) from None
    console.print(f"report: {path}")
    if args.open:
        _open(path)
    return EXIT_OK


def _serve(args: Any, console: Console) -> int:
    import os

    from agent.engines import EngineSettings, make_engine
    from agent.server import create_app, limit_malloc_arenas

    limit_malloc_arenas()
    token = args.token or os.environ.get("GUI_AGENT_TOKEN")
    if args.host not in ("127.0.0.1", "localhost", "::1") and not token:
        raise UserError(
            f"--host {args.host} exposes the server beyond this machine: give --token "
            "(or GUI_AGENT_TOKEN) so that requests need Authorization: Bearer <token>"
        )
    settings = EngineSettings.resolve({**engine_settings(args), "pixels_only": True})
    beyond = args.host not in ("127.0.0.1", "localhost", "::1")
    app = create_app(
        make_engine(settings=settings), runs_dir=args.runs, token=token,
        capture_domains=args.capture_domains.split(",") if args.capture_domains else None,
        public_only=beyond,  # off loopback: /capture never reaches this machine or its LAN
        max_work_s=args.max_work_seconds,
    )  # fmt: skip
    try:
        import uvicorn
    except ImportError:
        raise UserError(
            "agent serve needs the 'server' extra: pip install 'gui-agent[server]'"
        ) from None
    console.print(f"serving on http://{args.host}:{args.port}/ (API docs: /docs)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _open(path: Path) -> None:
    import webbrowser

    webbrowser.open(path.resolve().as_uri())


def _run_parallel(args: Any, paths: list[Path], console: Console) -> int:
    from agent.parallel import TaskResult, run_parallel, summary_lines

    options = ["--out", str(args.out)]
    for key, value in engine_settings(args).items():
        if value is not None:
            options += ["--" + key.replace("_", "-"), str(value)]
    options += ["--headed"] if args.headed else []
    options += ["--cdp", args.cdp] if args.cdp else []
    options += ["--connect", args.connect] if args.connect else []
    options += ["--display", args.display] if args.display else []
    options += ["--cache", args.cache] if args.cache else []
    options += ["--yes"] if args.yes else []
    if args.ray is not None:
        from agent.ray_runner import run_on_ray

        console.print(f"[bold]{len(paths)} task files[/] on Ray ({args.ray or 'a local cluster'})")

        def stream(path: Path, text: str) -> None:
            console.print(f"[dim]{path.name}:[/] {escape(text)}", highlight=False)

        results = run_on_ray(paths, options[2:], address=args.ray or None, out=args.out,
                             on_line=stream)  # fmt: skip
    else:
        options += ["--env-file", str(args.env_file)] if args.env_file else []
        console.print(f"[bold]{len(paths)} task files[/] on {args.workers} workers")

        def done(result: TaskResult) -> None:
            console.print(result.output.rstrip(), markup=False, highlight=False)

        results = run_parallel(paths, options, workers=args.workers, on_done=done)
    console.print("[bold]summary[/]")
    for line in summary_lines(results):
        console.print("  " + escape(line))
    failed = sum(1 for r in results if r.returncode != 0)
    console.print(f"{len(results) - failed} passed, {failed} failed")
    if any(r.returncode == EXIT_INTERRUPTED for r in results):
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def _step_line(record: Any, total: int) -> str:
    icon = _ICONS.get(record.status, "?")
    seconds = record.duration_ms / 1000
    line = (
        f" {icon} {record.index + 1}/{total} [bold]{record.verb}[/] {escape(record.target)}"
        f" [dim]{record.engine or '-'}{' cached' if record.cache == 'hit' else ''}"
        f" {seconds:.2f} s" + (f", {record.attempts} tries" if record.attempts > 1 else "") + "[/]"
    )
    if record.tie:
        line += " [yellow](tie: see the trace)[/]"
    if record.error:
        line += f"\n     [red]{escape(record.error)}[/]"
    return line


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
