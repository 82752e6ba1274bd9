"""Time per step of the example tasks, read from their traces, by how the target was found.

    .venv/bin/python benchmarks/step_times.py [--repeat 3] [--tasks tasks/*.yaml]

Runs every example task with the offline engine, twice per repeat: as users run it (the DOM
first, OCR when the DOM has no good match) and from pixels only (OCR for every target).
Desktop tasks (pixels only anyway) run once per repeat, on a virtual display when there is no
DISPLAY. Prints the median step time per source (DOM-resolved, OCR-resolved in a browser,
desktop OCR-resolved) and per verb, and writes
benchmarks/results/step_times.json. Figures are medians over all located steps; compare them
as ratios, since this machine's speed varies from run to run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from actions.browser_launch import CHROMIUM_ARGS, find_chromium  # noqa: E402
from agent.cache import is_cache_file  # noqa: E402
from agent.runner import run_task  # noqa: E402
from agent.taskfile import load_task  # noqa: E402
from perception.offline import OfflineEngine  # noqa: E402

LOCATED = ("click", "double_click", "right_click", "hover", "type", "select", "extract")


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--tasks",
        nargs="*",
        type=Path,
        default=sorted(p for p in (ROOT / "tasks").glob("*.yaml") if not is_cache_file(p)),
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "step_times.json"
    )
    args = parser.parse_args()

    rows: list[dict[str, object]] = []
    runs: list[dict[str, str]] = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        for mode in ("dom+ocr", "pixels"):
            for _ in range(args.repeat):
                for path in args.tasks:
                    loaded = load_task(path)
                    desktop = loaded.task.desktop is not None
                    if desktop and mode == "pixels":
                        continue  # the same run as in the other mode
                    # A fresh engine per run: its OCR cache would otherwise answer the repeats.
                    engine = OfflineEngine(use_dom=mode != "pixels")
                    trace, _ = run_task(loaded, engine=engine, out=Path(tmp), browser=browser)
                    for step in trace.steps:
                        if step.verb in LOCATED and step.status == "passed":
                            source = "ocr" if "ocr" in step.engine else "dom"
                            source = "desktop-ocr" if desktop else source
                            rows.append(
                                {
                                    "mode": mode,
                                    "task": path.stem,
                                    "verb": step.verb,
                                    "source": source,
                                    "ms": step.duration_ms,
                                    "locate_ms": step.timings.locate,
                                }
                            )
                    runs.append({"mode": mode, "task": path.stem, "status": trace.status})
                    print(f"{mode:8} {path.stem:10} {trace.status}", file=sys.stderr)
        browser.close()

    groups: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        groups.setdefault(f"{row['source']}-resolved", []).append(row)
        groups.setdefault(f"{row['mode']} / {row['verb']}", []).append(row)
    summary = {
        name: {
            "steps": len(items),
            "median_ms": round(statistics.median(float(str(r["ms"])) for r in items), 1),
            "median_locate_ms": round(
                statistics.median(float(str(r["locate_ms"])) for r in items), 1
            ),
        }
        for name, items in sorted(groups.items())
    }
    print(f"\n{'group':30} {'steps':>6} {'median step ms':>15} {'median locate ms':>17}")
    for name, item in summary.items():
        print(
            f"{name:30} {item['steps']:>6} {item['median_ms']:>15} {item['median_locate_ms']:>17}"
        )
    dom, ocr = summary.get("dom-resolved"), summary.get("ocr-resolved")
    if dom and ocr:
        ratio = ocr["median_ms"] / dom["median_ms"]
        print(f"\nOCR-resolved / DOM-resolved median step time: {ratio:.1f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "date": datetime.now().isoformat(timespec="seconds"),
                "machine": f"{platform.machine()}, {platform.processor() or '?'}, "
                f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}",
                "repeat": args.repeat,
                "summary": summary,
                "runs": runs,
                "steps": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
