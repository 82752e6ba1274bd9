"""Per-step overhead: where a step's time goes, against the bare Playwright call as the floor.

    .venv/bin/python benchmarks/overhead.py [--steps 40]

In one run, clicks the "One" button of tests/fixtures/pages/verbs.html (each click adds a line
to the page's log, so every click changes the screen, as verification wants) through: bare
Playwright (`page.get_by_role("button", name="One").click()`), the agent with the offline
engine reading the DOM, and the agent reading pixels only (OCR); and clicks xcalc's "7" on a
virtual display. Prints the median wall time per step (the API call, writing the trace and
the screenshot included) and per phase (capture, locate, act, verify, from the traces), the
ratio to the floor, and the agent process's resident memory (the browser runs in its own
processes); writes benchmarks/results/overhead.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from actions.browser_launch import CHROMIUM_ARGS, find_chromium  # noqa: E402
from actions.playwright import PlaywrightExecutor  # noqa: E402
from agent.api import Agent  # noqa: E402
from agent.site import LocalSite  # noqa: E402
from benchmarks.common import write_results  # noqa: E402
from perception.offline import OfflineEngine  # noqa: E402

PHASES = ("capture", "locate", "act", "verify")


def rss_mib() -> float:
    """This process's resident memory now, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Before each step (outside its timing): a new line at the top of the page, so that every
# step sees a new screen (the page's log grows below the fold, where OCR would not see it
# change, and OCR results are rightly reused for a screen it has read).
_NEW_SCREEN_JS = """(n) => {
  let mark = document.getElementById('bench-mark');
  if (!mark) { mark = document.createElement('p'); mark.id = 'bench-mark';
               document.body.prepend(mark); }
  mark.textContent = 'benchmark step ' + n;
  document.getElementById('log').replaceChildren();
}"""


def agent_rows(ai: Agent, targets: list[str], steps: int) -> list[dict[str, float]]:
    """Click the targets in turn, ``steps`` times; one row per step: the wall time of the call
    (what a script waits for, trace and screenshot writing included) and the phases from the
    trace."""
    rows = []
    for n in range(steps):
        if ai.page is not None:
            ai.page.evaluate(_NEW_SCREEN_JS, len(ai.trace.steps))
        started = time.perf_counter()
        ai.click(targets[n % len(targets)])
        record = ai.trace.steps[-1]
        row = {"total": round((time.perf_counter() - started) * 1000, 2)}
        row.update({phase: getattr(record.timings, phase) for phase in PHASES})
        rows.append(row)
    return rows


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    """Medians per column."""
    return {key: round(statistics.median(r[key] for r in rows), 1) for key in rows[0]}


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--no-desktop", action="store_true", help="skip the xcalc part")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "overhead.json"
    )
    args = parser.parse_args()

    results: dict[str, dict[str, float]] = {}
    memory: dict[str, float] = {"start": round(rss_mib(), 1)}
    with (
        sync_playwright() as p,
        LocalSite(ROOT) as site,
        tempfile.TemporaryDirectory() as tmp,
    ):
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        url = site.url_for("tests/fixtures/pages/verbs.html")

        def fresh_page() -> Any:
            context = browser.new_context(viewport={"width": 1000, "height": 700})
            page = context.new_page()
            page.goto(url)
            return page

        # The floor and the DOM-resolved agent take turns, click for click, so that both see
        # the same machine (a shared 2-core machine drifts by tens of percent over a run).
        floor_page = fresh_page()
        button = floor_page.get_by_role("button", name="One")
        button.click()  # warm-up
        floor: list[dict[str, float]] = []
        dom: list[dict[str, float]] = []
        name = "agent, DOM-resolved"
        ai = Agent(PlaywrightExecutor(fresh_page()), OfflineEngine(), trace_dir=Path(tmp),
                   name=name)  # fmt: skip
        ai.click("One")
        for _ in range(args.steps):
            started = time.perf_counter()
            button.click()
            floor.append({"total": (time.perf_counter() - started) * 1000})
            dom += agent_rows(ai, ["One"], 1)
        results["bare Playwright click"] = summarise(floor)
        results[name] = summarise(dom)
        ai.close()
        memory[name] = round(rss_mib(), 1)

        name = "agent, OCR-resolved (browser)"
        ai = Agent(PlaywrightExecutor(fresh_page()), OfflineEngine(use_dom=False),
                   trace_dir=Path(tmp), name=name)  # fmt: skip
        ai.click("One")  # warm-up: the OCR models load on their first call
        results[name] = summarise(agent_rows(ai, ["One"], args.steps))
        ai.close()
        memory[name] = round(rss_mib(), 1)
        browser.close()

        if not args.no_desktop:
            with Agent.desktop(
                "xcalc", window="Calculator", display="virtual", trace_dir=Path(tmp),
                engine=OfflineEngine(), name="desktop",
            ) as ai:  # fmt: skip
                # "7" then "AC": each click changes the display, which then never shows the
                # key about to be clicked (a "7" on the display would tie with the key).
                results["agent, OCR-resolved (desktop)"] = summarise(
                    agent_rows(ai, ["7", "AC"], args.steps)
                )
            memory["desktop"] = round(rss_mib(), 1)

    floor_ms = results["bare Playwright click"]["total"]
    header = f"{'step':32} {'median ms':>10} {'x floor':>8} " + " ".join(f"{p:>8}" for p in PHASES)
    print("\n" + header)
    for name, row in results.items():
        phases = " ".join(f"{row.get(p, float('nan')):>8}" for p in PHASES)
        print(f"{name:32} {row['total']:>10} {row['total'] / floor_ms:>8.1f} {phases}")
    print(f"\nagent process memory (RSS, MiB): {memory}")
    write_results(
        args.out,
        {
            "steps": args.steps,
            "median_ms": results,
            "ratio_to_floor": {k: round(v["total"] / floor_ms, 2) for k, v in results.items()},
            "rss_mib": memory,
        },
    )


if __name__ == "__main__":
    main()
