"""The ``agent`` command's arguments: the parser, its engine options and exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from agent.engines import ENGINES
from agent.errors import UserError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Parser(argparse.ArgumentParser):
    """Exits with EXIT_USAGE (2) on bad arguments, like every other usage error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"agent: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every ``agent`` subcommand."""
    parser = Parser(prog="agent", description="Automate browsers and desktops from screenshots.")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = sub.add_parser("run", help="run task files")
    run.add_argument("tasks", nargs="+", type=Path, metavar="TASK.yaml")
    engine_options(run)
    run.add_argument("--out", type=Path, default=Path("runs"), help="where run folders go")
    run.add_argument("--headed", action="store_true", help="show the browser window")
    run.add_argument(
        "--workers", type=int, default=1, help="run task files in N parallel processes"
    )
    run.add_argument(
        "--ray", nargs="?", const="", metavar="ADDRESS",
        help="run each task file as a Ray task: on a local cluster started for the run, or at "
        "ADDRESS (auto: the one `ray start` made here; ray://host:10001)",
    )  # fmt: skip
    remote = run.add_mutually_exclusive_group()
    remote.add_argument("--cdp", help="attach to a Chromium at this CDP URL instead of launching")
    remote.add_argument(
        "--connect",
        help="use a Playwright browser server (ws://..., from `playwright run-server`, "
        "Browserless or a grid) instead of launching",
    )
    run.add_argument(
        "--yes", action="store_true", help="confirm every `confirm: true` step without asking"
    )
    run.add_argument(
        "--cache",
        choices=("read-write", "read-only", "write-only", "off"),
        help="the locate cache beside each task (TASK.cache.yaml); default read-write, "
        "read-only when CI is set (GUI_AGENT_CACHE)",
    )
    run.add_argument(
        "--display",
        type=_display_choice,
        help='desktop tasks: "auto" ($DISPLAY, else a virtual one), "virtual" or ":N"',
    )
    run.add_argument("--open", action="store_true", help="open the report in a web browser")
    run.add_argument(
        "--env-file",
        type=Path,
        help="NAME=value lines for ${NAME} and secrets (beside the environment)",
    )

    report = sub.add_parser("report", help="rebuild a run's report.html from its trace")
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    report.add_argument("--open", action="store_true", help="open it in a web browser")

    locate = sub.add_parser("locate", help="find a described element in an image (pixels only)")
    locate.add_argument("image", type=Path)
    locate.add_argument("description")
    engine_options(locate)
    locate.add_argument("--scale", type=float, default=1.0, help="image pixels per screen pixel")

    sub.add_parser("schema", help="print the JSON Schema of task files")

    doctor = sub.add_parser("doctor", help="check this machine, then calibrate clicks")
    doctor.add_argument(
        "--scales", nargs="+", type=_positive, default=[1.0, 2.0], metavar="DSF",
        help="device scale factors to calibrate at (default 1 2)",
    )  # fmt: skip
    doctor.add_argument("--no-calibrate", action="store_true", help="only the checks")
    doctor.add_argument(
        "--desktop", action="store_true",
        help="also calibrate a desktop window (Tk, on a virtual display, from pixels)",
    )  # fmt: skip
    doctor.add_argument(
        "--pixels", action="store_true", help="calibrate from pixels only (no DOM), as on desktops"
    )
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    engine_options(doctor)

    serve = sub.add_parser("serve", help="the REST API and web page for grounding and runs")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--token", help="required off loopback (or GUI_AGENT_TOKEN)")
    serve.add_argument(
        "--capture-domains",
        help="hosts /capture may open, comma-separated (with subdomains); default any, and "
        "off loopback only public addresses",
    )
    serve.add_argument(
        "--max-work-seconds", type=_positive, default=10.0, metavar="S",
        help="stop the engine's work on one request after about S seconds (a 422): one costly "
        "image cannot hold the engine longer (default 10)",
    )  # fmt: skip
    serve.add_argument("--runs", type=Path, default=Path("runs"), help="the runs to list")
    engine_options(serve)

    record = sub.add_parser("record", help="write a task file by doing the task in a browser")
    record.add_argument("url", metavar="URL", help="the start address, or a local HTML file")
    record.add_argument(
        "-o", "--output", type=Path, default=Path("recorded.yaml"), metavar="TASK.yaml",
        help="the task file to write (its cache goes beside it); default recorded.yaml",
    )  # fmt: skip
    record.add_argument("--name", help="the task's name (default: from the page's title)")
    record.add_argument(
        "--headless", action="store_true", help=argparse.SUPPRESS
    )  # for tests: no window, driven through Playwright

    mcp = sub.add_parser("mcp", help="the verbs as Model Context Protocol tools (stdio)")
    mcp.add_argument(
        "--http", type=int, metavar="PORT",
        help="serve streamable HTTP on 127.0.0.1:PORT (/mcp) instead of stdio",
    )  # fmt: skip
    mcp.add_argument(
        "--secret", action="append", default=[], metavar="NAME",
        help="a secret the tools may type as ${NAME} (its value from the environment or "
        "--env-file); repeat for several",
    )  # fmt: skip
    mcp.add_argument("--env-file", type=Path, help="NAME=value lines for the secrets")
    mcp.add_argument(
        "--allowed-domains", help="hosts the browser may load, comma-separated (with subdomains)"
    )
    mcp.add_argument(
        "--yes", action="store_true", help="allow tool calls marked confirm (else refused)"
    )
    mcp.add_argument("--timeout", type=_positive, default=15.0, help="seconds per step")
    mcp.add_argument("--headed", action="store_true", help="show the browser window")
    mcp.add_argument("--out", type=Path, default=Path("runs"), help="where the trace goes")
    engine_options(mcp)
    return parser


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return number


def _display_choice(value: str) -> str:
    from actions.display import DISPLAY_CHOICES, check_display_choice

    try:
        return check_display_choice(value)
    except UserError:
        raise argparse.ArgumentTypeError(f"expected {DISPLAY_CHOICES}, got {value!r}") from None


def engine_options(parser: argparse.ArgumentParser) -> None:
    """Add the engine options (one group) to a subcommand."""
    group = parser.add_argument_group("engine")
    group.add_argument(
        "--engine", choices=ENGINES, help="auto (default): offline, and the model when unsure"
    )
    group.add_argument("--model", help="Qwen3-VL folder or hub id; with --endpoint, its name")
    group.add_argument(
        "--endpoint", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1"
    )
    group.add_argument("--api-key-env", help="variable holding the endpoint's key (OPENAI_API_KEY)")
    group.add_argument("--device", choices=("auto", "cuda", "mps", "cpu"))
    group.add_argument("--max-pixels", type=int, help="image budget for the model, in pixels")
    group.add_argument(
        "--image-budget",
        choices=("small", "medium", "large"),
        help="image budget presets: 256, 512 or 1024 visual tokens (instead of --max-pixels)",
    )
    group.add_argument(
        "--zoom",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ground in two passes (whole screen, then a crop); default: on screens over "
        "twice the image budget",
    )
    group.add_argument("--moe-top-k", type=int, help="experts per token for MoE checkpoints")
    group.add_argument(
        "--quantize",
        choices=("4bit", "8bit", "int8", "int4", "fp16"),
        help="qwen3vl: 4bit/8bit through bitsandbytes (CUDA), int8 dynamic quantisation of the "
        "language model (CPU); openvino: the export's weights, int8 (default), int4 or fp16",
    )
    group.add_argument(
        "--threshold", type=float, help="auto: offline confidence below this asks the model"
    )
    group.add_argument(
        "--temperature",
        type=float,
        help="sample goal plans and element lists at this temperature (Qwen's card: 0.7); "
        "default greedy. Grounding, questions and reading stay greedy",
    )
    group.add_argument(
        "--prompt-profile",
        help="a model's prompts and answer format: a shipped name (qwen3vl) or a JSON file; "
        "default: the model folder's gui-agent-profile.json, else qwen3vl",
    )


def engine_settings(args: Any) -> dict[str, Any]:
    """The engine options given on the command line (None where not given)."""
    keys = ("engine", "model", "endpoint", "api_key_env", "device", "max_pixels", "image_budget",
            "zoom", "moe_top_k", "quantize", "threshold", "temperature",
            "prompt_profile")  # fmt: skip
    return {key: getattr(args, key, None) for key in keys}
