"""The desktop corpus: task files on real X programs from Debian that nobody here wrote.

    python benchmarks/desktop_realworld.py [--programs mousepad zenity ...] [--tasks NAME ...]
        [--wm none fluxbox] [--fonts built-in urw-base35 ...]

Each variant (window manager x font set-up) gets its own virtual display (Xvfb, 1920x1080,
the font set-up from benchmarks/font_setups.py) and, with ``--wm fluxbox``, a window manager.
Every task file (``benchmarks/desktop_realworld/<program>/<task>.yaml``) runs through ``agent
run``'s own code with the offline engine, in a fresh work folder (``${WORK}``) holding the
files it starts from; then its outcome is read outside the agent (the saved file, what the
program printed: ``benchmarks/desktop_realworld/checks.py``). A run the agent reports passed
whose outcome is missing is a **false pass**.

Needs the programs: ``sudo apt-get install -y mousepad featherpad gnumeric pcmanfm zenity yad
gxmessage xterm idle-python3.11 fluxbox xfonts-utils``. Prints one row per task and variant,
a summary per variant, and writes benchmarks/results/desktop_realworld.json.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import write_results  # noqa: E402
from benchmarks.desktop_realworld.runner import CORPUS, PROGRAMS, run_variant  # noqa: E402
from benchmarks.font_setups import SETUPS  # noqa: E402


def main() -> None:
    """Run the corpus under each variant and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", nargs="+", default=list(PROGRAMS), choices=PROGRAMS)
    parser.add_argument("--tasks", nargs="+", help="task names (program/task or task)")
    parser.add_argument("--wm", nargs="+", default=["none", "fluxbox"], choices=("none", "fluxbox"))
    parser.add_argument("--fonts", nargs="+", default=["built-in", "urw-base35"], choices=SETUPS)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results"
                        / "desktop_realworld.json")  # fmt: skip
    args = parser.parse_args()
    tasks = [
        (f"{program}/{path.stem}", path)
        for program in args.programs
        for path in sorted((CORPUS / program).glob("*.yaml"))
        if not args.tasks or path.stem in args.tasks or f"{program}/{path.stem}" in args.tasks
    ]
    missing = sorted({t.split("/")[0] for t, _ in tasks if shutil.which(_command(t)) is None})
    if missing:
        sys.exit(f"not installed: {', '.join(missing)} (see this script's docstring)")
    rows: list[dict[str, Any]] = []
    for wm in args.wm:
        for fonts in args.fonts:
            rows += run_variant(wm, fonts, tasks, ROOT / "runs" / "desktop_realworld")
    print()
    summary = []
    for wm in args.wm:
        for fonts in args.fonts:
            mine = [r for r in rows if r["wm"] == wm and r["fonts"] == fonts]
            passed = sum(r["passed"] for r in mine)
            false = sum(r["false_pass"] for r in mine)
            times = _step_medians(mine)
            summary.append({"wm": wm, "fonts": fonts, "tasks": len(mine), "passed": passed,
                            "false_passes": false, **times})  # fmt: skip
            print(f"{wm:<8} {fonts:<11} {passed}/{len(mine)} passed "
                  f"({100 * passed / max(1, len(mine)):.0f}%), {false} false passes; median s: "
                  + ", ".join(f"{k.removesuffix('_s')} {v}" for k, v in times.items()))  # fmt: skip
    write_results(args.out, {"summary": summary, "rows": rows})


def _step_medians(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Median seconds of passed steps: a task's first (the first read of a new window),
    later clicks, expects, and every step."""

    def median(values: list[float]) -> float | None:
        return round(statistics.median(values) / 1000, 2) if values else None

    steps = [(i, s) for r in rows for i, s in enumerate(r["steps"])]
    return {
        "first_step_s": median([s["ms"] for i, s in steps if i == 0]),
        "later_click_s": median([s["ms"] for i, s in steps if i > 0 and s["verb"] == "click"]),
        "expect_s": median([s["ms"] for _, s in steps if s["verb"] == "expect"]),
        "any_step_s": median([s["ms"] for _, s in steps]),
    }


def _command(task_id: str) -> str:
    program = task_id.split("/")[0]
    return {"idle": "idle-python3.11"}.get(program, program)


if __name__ == "__main__":
    main()
