"""What the locate cache saves: a task located from pixels (OCR), then replayed from its cache.

    .venv/bin/python benchmarks/cache_replay.py [--repeat 3] [--task tasks/register.yaml]

Each repeat runs the task three times with a fresh engine that grounds every target from
pixels (OCR, a model-free stand-in for an expensive engine) and reads `expect` and `extract`
from the page, as `--engine auto` does: uncached, then recording a cache, then replaying it.
Counts the engine's locate calls and its OCR passes, and prints the median time of the located steps
(click, type, select...), of their locate phase and of the whole run, and the ratios; writes
benchmarks/results/cache_replay.json.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from actions.browser_launch import CHROMIUM_ARGS, find_chromium  # noqa: E402
from agent.cache import LocateCache, cache_path_for  # noqa: E402
from agent.runner import run_task  # noqa: E402
from agent.taskfile import load_task  # noqa: E402
from benchmarks.common import write_results  # noqa: E402
from perception.offline import OfflineEngine  # noqa: E402
from perception.screen import Screenshot  # noqa: E402
from tests.helpers import CountingEngine  # noqa: E402

LOCATED = ("click", "double_click", "right_click", "hover", "type", "select", "drag")


class PixelGrounder(CountingEngine):
    """Grounds targets from pixels only and reads text and values (`expect`, `extract`) from
    the page, as the auto engine does with a model behind it; counts its OCR passes (cached
    readings excluded)."""

    def __init__(self) -> None:
        super().__init__(use_dom=False)
        self.ocr_passes = 0
        self._reader = OfflineEngine(use_dom=True, use_ocr=False)
        read = self._ocr.read

        def counted(screenshot: Screenshot) -> Any:
            self.ocr_passes += screenshot.digest not in self._ocr._cache
            return read(screenshot)

        self._ocr.read = counted  # type: ignore[method-assign]

    def find_text(self, screenshot: Screenshot, text: str, *, page: Any = None) -> Any:
        found = self._reader.find_text(screenshot, text, page=page)
        return found or super().find_text(screenshot, text, page=page)

    def extract(self, screenshot: Screenshot, what: str, *, page: Any = None) -> Any:
        found = self._reader.extract(screenshot, what, page=page)
        return found or super().extract(screenshot, what, page=page)


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--task", type=Path, default=ROOT / "tasks" / "register.yaml")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "cache_replay.json"
    )
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        for repeat in range(args.repeat):
            # A copy of the task's folder, so the cache starts empty and the repository's
            # committed cache is left alone.
            folder = Path(tmp) / f"r{repeat}"
            shutil.copytree(args.task.parent, folder, ignore=shutil.ignore_patterns("*.cache.*"))
            task_path = folder / args.task.name
            for mode in ("uncached", "recording", "replay"):
                engine = PixelGrounder()
                cache = None
                if mode != "uncached":
                    cache = LocateCache(cache_path_for(task_path), "read-write")
                trace, _ = run_task(
                    load_task(task_path), engine=engine, out=Path(tmp) / "runs",
                    browser=browser, cache=cache,
                )  # fmt: skip
                located = [s for s in trace.steps if s.verb in LOCATED and s.status == "passed"]
                for step in located:
                    rows.append(
                        {"mode": mode, "verb": step.verb, "ms": step.duration_ms,
                         "locate_ms": step.timings.locate, "cache": step.cache}
                    )  # fmt: skip
                runs.append(
                    {"mode": mode, "status": trace.status, "locate_calls": engine.locates,
                     "ocr_passes": engine.ocr_passes, "run_ms": trace.duration_ms}
                )  # fmt: skip
                print(f"{mode:10} {trace.status:7} locate calls {engine.locates}, "
                      f"OCR passes {engine.ocr_passes}, {trace.duration_ms:.0f} ms",
                      file=sys.stderr)  # fmt: skip
        browser.close()

    summary: dict[str, dict[str, float]] = {}
    for mode in ("uncached", "recording", "replay"):
        items = [r for r in rows if r["mode"] == mode]
        done = [r for r in runs if r["mode"] == mode]
        summary[mode] = {
            "located_steps": len(items),
            "median_step_ms": round(statistics.median(r["ms"] for r in items), 1),
            "median_locate_ms": round(statistics.median(r["locate_ms"] for r in items), 1),
            "locate_calls_per_run": statistics.median(r["locate_calls"] for r in done),
            "ocr_passes_per_run": statistics.median(r["ocr_passes"] for r in done),
            "median_run_ms": round(statistics.median(r["run_ms"] for r in done), 1),
            "hits": sum(1 for r in items if r["cache"] == "hit"),
        }
    print(f"\n{'run':10} {'steps':>6} {'median step ms':>15} {'median locate ms':>17} "
          f"{'locates/run':>12} {'OCR/run':>8} {'hits':>5} {'median run ms':>14}")  # fmt: skip
    for mode, item in summary.items():
        print(f"{mode:10} {item['located_steps']:>6} {item['median_step_ms']:>15} "
              f"{item['median_locate_ms']:>17} {item['locate_calls_per_run']:>12} "
              f"{item['ocr_passes_per_run']:>8} {item['hits']:>5} "
              f"{item['median_run_ms']:>14}")  # fmt: skip
    cold, warm = summary["uncached"], summary["replay"]
    step_ratio = cold["median_step_ms"] / warm["median_step_ms"]
    locate_ratio = cold["median_locate_ms"] / max(warm["median_locate_ms"], 0.1)
    run_ratio = cold["median_run_ms"] / warm["median_run_ms"]
    print(f"\nuncached / replayed: {step_ratio:.1f}x per located step, {locate_ratio:.0f}x "
          f"for the locate phase, {run_ratio:.1f}x for the whole run")  # fmt: skip
    write_results(
        args.out,
        {
            "task": str(args.task.relative_to(ROOT)),
            "repeat": args.repeat,
            "summary": summary,
            "ratios": {
                "step": round(step_ratio, 1),
                "locate": round(locate_ratio, 1),
                "run": round(run_ratio, 1),
            },
            "runs": runs,
            "steps": rows,
        },
    )


if __name__ == "__main__":
    main()
