"""MiniWoB++ with Playwright alone: grounding, episode and goal tracks, scored by the pages.

    .venv/bin/pip install --no-deps miniwob     # the 130 tasks, as HTML (no Selenium needed)
    .venv/bin/python benchmarks/miniwob.py [--seeds 20] [--tasks click-button ...]
        [--engine offline|qwen3vl|openai] [--model M] [--endpoint URL] [--pixels-only]
        [--tracks grounding episodes goal] [--goal-steps 6]

Each episode (task x seed) is started as MiniWoB's own harness does (``Math.seedrandom``,
``core.startEpisodeReal``) on 127.0.0.1, viewport 500x320. The agent is given the utterance,
and the instruction box stays on the screen (as in MiniWoB itself), so a target's words are
often there twice; ``--hide-instruction`` hides it (the easier setting of earlier runs).

- Grounding: what the utterance names (quoted text, a tab, an option, a field), its true box
  from the DOM; the engine's answer counts when its point falls inside (ScreenSpot's rule).
- Episodes: a small template per task (benchmark/miniwob_tasks.py, benchmark code, not the
  agent's) turns the utterance into instant steps; they run through the real agent, and the
  page's reward decides.
- Goal: the utterance as one goal step (``Agent.act``), planned by a vision-language model;
  only with ``--engine qwen3vl`` or ``openai``.

Prints the hit rate and success per task and writes
benchmarks/results/miniwob-VARIANT.json (offline, offline-pixels, qwen3vl, openai...).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from actions.browser_launch import CHROMIUM_ARGS, find_chromium  # noqa: E402
from actions.playwright import PlaywrightExecutor  # noqa: E402
from agent.api import Agent  # noqa: E402
from agent.engines import EngineSettings, make_engine  # noqa: E402
from agent.errors import AgentError  # noqa: E402
from agent.site import LocalSite  # noqa: E402
from benchmarks.common import write_results  # noqa: E402
from benchmarks.miniwob_tasks import TASKS, Target  # noqa: E402

TRACKS = ("grounding", "episodes", "goal")


def miniwob_html() -> Path:
    """The folder of MiniWoB's HTML (found without importing the package, which needs gym)."""
    # This script is itself "miniwob": look for the package everywhere but its folder.
    here = Path(__file__).resolve().parent
    path = [p for p in sys.path if Path(p or ".").resolve() != here]
    spec = importlib.machinery.PathFinder.find_spec("miniwob", path)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("MiniWoB++ is not installed: .venv/bin/pip install --no-deps miniwob")
    return Path(list(spec.submodule_search_locations)[0]) / "html"


def start(page: Any, url: str, seed: int, *, hide_instruction: bool = False) -> str:
    """Open a task and start a seeded episode; returns its utterance."""
    page.goto(url)
    page.wait_for_selector("#sync-task-cover")
    page.evaluate(f"Math.seedrandom({seed}); core.setDataMode('train'); core.startEpisodeReal();")
    page.wait_for_function("WOB_TASK_READY === true")
    # jQuery UI dialogs and accordions may still be sliding into place: let them settle, so
    # that what the engine sees and the truth read after it are the same screen.
    page.wait_for_function("!window.jQuery || jQuery(':animated').length === 0")
    if hide_instruction:  # the easy setting: the targets' words are on the screen once
        page.evaluate("document.getElementById('query').style.visibility = 'hidden'")
    return str(page.evaluate("core.getUtterance()"))


def reward(page: Any) -> float:
    """The episode's raw reward (1 success, -1 failure, 0 not done)."""
    try:
        page.wait_for_function("WOB_DONE_GLOBAL === true", timeout=2000)
    except Exception:  # noqa: BLE001 - not done: no reward
        return 0.0
    return float(page.evaluate("WOB_RAW_REWARD_GLOBAL"))


def hit(page: Any, target: Target, point: tuple[float, float] | None, scale: float) -> bool:
    """Whether ``point`` (screenshot pixels) falls inside the target's true box in the DOM."""
    area = page.locator("#area, .ui-dialog")  # jQuery UI dialogs live outside the area
    truth_locator = area.get_by_text(target.text, exact=True) if target.text else None
    if truth_locator is None:
        truth_locator = area.locator(target.css or "*")
    truth = truth_locator.first.bounding_box()
    if truth is None or point is None:
        return False
    x, y = point[0] / scale, point[1] / scale
    return bool(
        truth["x"] <= x <= truth["x"] + truth["width"]
        and truth["y"] <= y <= truth["y"] + truth["height"]
    )


def variant(engine: str, pixels_only: bool, hidden: bool = False) -> str:
    """The results' name for an engine setting: ``offline``, ``offline-pixels``, ``qwen3vl``,
    with ``-hidden`` when the instruction was hidden."""
    return engine + ("-pixels" if pixels_only else "") + ("-hidden" if hidden else "")


def rate(outcomes: list[bool]) -> dict[str, float]:
    """How many tries, how many succeeded, and the share."""
    hits = sum(outcomes)
    return {"n": len(outcomes), "hits": hits,
            "rate": round(hits / len(outcomes), 3) if outcomes else 0.0}  # fmt: skip


def summarise(table: dict[str, list[bool]]) -> dict[str, dict[str, float]]:
    """A rate per task, and ``all`` over every try."""
    return {**{task: rate(row) for task, row in table.items()},
            "all": rate([x for row in table.values() for x in row])}  # fmt: skip


def print_table(title: str, summary: dict[str, dict[str, float]]) -> None:
    """One row per task (n, rate), the overall one last."""
    print(f"\n{title:22} {'n':>4} {'rate':>6}")
    for task, row in summary.items():
        if row["n"]:
            share = f"{row['rate']:>6.1%}" if task == "all" else f"{row['rate']:>6.0%}"
            print(f"{task:22} {row['n']:>4} {share}")


def main() -> None:
    """Run the tracks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS),
                        metavar="TASK", help="default: all templated tasks")  # fmt: skip
    parser.add_argument("--seeds", type=int, default=20, help="episodes per task (default 20)")
    parser.add_argument(
        "--first-seed", type=int, default=0, help="the first seed (100: seeds no template saw)"
    )
    parser.add_argument(
        "--hide-instruction", action="store_true", help="hide the instruction box (easier)"
    )
    parser.add_argument("--engine", default="offline", choices=("offline", "qwen3vl", "openai"))
    parser.add_argument("--model")
    parser.add_argument("--endpoint")
    parser.add_argument("--pixels-only", action="store_true", help="no DOM: OCR (or the model)")
    parser.add_argument("--tracks", nargs="+", choices=TRACKS, metavar="TRACK",
                        help="grounding, episodes, goal (default: the first two, and goal "
                        "with a vision-language model engine)")  # fmt: skip
    parser.add_argument("--goal-steps", type=int, default=6, help="planning steps per goal")
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/miniwob-VARIANT.json")
    args = parser.parse_args()
    tracks = args.tracks or [t for t in TRACKS if t != "goal" or args.engine != "offline"]
    if "goal" in tracks and args.engine == "offline":
        parser.error("the goal track needs a vision-language model: --engine qwen3vl or openai")
    name = variant(args.engine, args.pixels_only, args.hide_instruction)
    out = args.out or ROOT / "benchmarks" / "results" / f"miniwob-{name}.json"

    settings = EngineSettings(engine=args.engine, model=args.model, endpoint=args.endpoint,
                              pixels_only=args.pixels_only)  # fmt: skip
    engine = make_engine(settings=settings)
    results: dict[str, dict[str, list[bool]]] = {track: {} for track in tracks}
    seconds: dict[str, float] = dict.fromkeys(tracks, 0.0)
    with sync_playwright() as p, LocalSite(miniwob_html()) as site:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        for task in args.tasks:
            targets, steps = TASKS[task]
            url = site.url_for(f"miniwob/{task}.html")
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                context = browser.new_context(viewport={"width": 500, "height": 320})
                context.set_default_timeout(5000)
                page = context.new_page()
                executor = PlaywrightExecutor(page)
                if "grounding" in tracks and targets is not None:
                    started = time.monotonic()
                    utterance = start(page, url, seed, hide_instruction=args.hide_instruction)
                    shot = executor.capture()
                    for target in targets(utterance):
                        found = engine.locate(
                            shot, target.description, intent=target.intent, page=executor.page
                        )
                        point = found.element.point if found.element else None
                        good = hit(page, target, point, shot.scale)
                        results["grounding"].setdefault(task, []).append(good)
                        if not good:  # what was found instead, for the next change
                            got = found.element.text if found.element else "nothing"
                            print(f"grounding {task} seed {seed}: missed {target.description!r}"
                                  f" ({utterance}): {'tie' if found.tie else repr(got)}",
                                  file=sys.stderr, flush=True)  # fmt: skip
                    seconds["grounding"] += time.monotonic() - started
                for track in ("episodes", "goal"):
                    if track not in tracks:
                        continue
                    started = time.monotonic()
                    utterance = start(
                        page, url, seed, hide_instruction=args.hide_instruction
                    )  # the same episode, fresh
                    ai = Agent(executor, engine, trace_dir=None, timeout=5, retries=1)
                    why = ""
                    try:
                        if track == "goal":
                            ai.act(utterance, max_steps=args.goal_steps, timeout=600)
                        else:
                            steps(ai, utterance)
                    except (AgentError, IndexError, AttributeError, ValueError) as exc:
                        why = str(exc).splitlines()[0][:160]  # the reward says it failed
                    success = reward(page) > 0
                    results[track].setdefault(task, []).append(success)
                    seconds[track] += time.monotonic() - started
                    print(f"{track} {task} seed {seed}: {'success' if success else 'failure'}"
                          f" ({utterance})" + (f": {why}" if why and not success else ""),
                          file=sys.stderr, flush=True)  # fmt: skip
                context.close()
        browser.close()

    summary = {track: summarise(table) for track, table in results.items()}
    for track, rows in summary.items():
        print_table(f"{track} ({name})", rows)
    write_results(
        out,
        {
            "engine": name,
            "model": args.model,
            "seeds": args.seeds,
            "seconds": {k: round(v, 1) for k, v in seconds.items()},
            **summary,
        },
    )


if __name__ == "__main__":
    main()
