"""MiniWoB++ with Playwright alone: a grounding track and an episode track, scored by the pages.

    .venv/bin/pip install --no-deps miniwob     # the 130 tasks, as HTML (no Selenium needed)
    .venv/bin/python benchmarks/miniwob.py [--seeds 10] [--tasks click-button ...]
                                           [--engine offline|qwen3vl|openai] [--pixels-only]

Each episode (task x seed) is started as MiniWoB's own harness does (``Math.seedrandom``,
``core.startEpisodeReal``) on 127.0.0.1, viewport 500x320. The agent is given the utterance,
and the instruction box is hidden, so that its words are not mistaken for targets.

- Grounding: the target the utterance names (the quoted text, a tab, an option), its true box
  from the DOM; the engine's answer counts when its point falls inside.
- Episodes: a small template per task turns the utterance into instant steps (benchmark code,
  not the agent's); the steps run through the real agent, and the page's reward decides.

Prints hit rates and success per task and writes benchmarks/results/miniwob.json.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import re
import sys
import time
from collections.abc import Callable
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

QUOTED = re.compile(r'"([^"]+)"')


def _quoted(utterance: str) -> list[str]:
    return QUOTED.findall(utterance)


def _selected(utterance: str) -> list[str]:
    """``Select A, B and C and click Submit.`` -> ``["A", "B", "C"]``."""
    match = re.match(r"Select (.*?)(?: from the list)? and click Submit", utterance)
    if not match or match.group(1) == "nothing":
        return []
    return [w.strip() for w in re.split(r",| and ", match.group(1)) if w.strip()]


# task -> (the targets an utterance names, for grounding; the steps, for episodes)
Targets = Callable[[str], list[str]]
Steps = Callable[[Agent, str], None]


def _click_button(ai: Agent, u: str) -> None:
    ai.click(f'"{_quoted(u)[0]}" button')


def _click_link(ai: Agent, u: str) -> None:
    ai.click(f'"{_quoted(u)[0]}" link')


def _click_tab(ai: Agent, u: str) -> None:
    ai.click(re.search(r"Tab #\d+", u).group(0))  # type: ignore[union-attr]


def _enter_text(ai: Agent, u: str) -> None:
    ai.type(_quoted(u)[0], into="the field")
    ai.click("Submit button")


def _login_user(ai: Agent, u: str) -> None:
    user, password = _quoted(u)[:2]
    ai.type(user, into="Username")
    ai.type(password, into="Password")
    ai.click("Login button")


def _focus_text(ai: Agent, u: str) -> None:
    ai.click("the field")


def _click_option(ai: Agent, u: str) -> None:
    ai.click(f'"{_selected(u)[0]}" radio')
    ai.click("Submit button")


def _click_checkboxes(ai: Agent, u: str) -> None:
    for word in _selected(u):
        ai.click(f'"{word}" checkbox')
    ai.click("Submit button")


def _choose_list(ai: Agent, u: str) -> None:
    ai.select(_selected(u)[0], in_="the dropdown")
    ai.click("Submit button")


TASKS: dict[str, tuple[Targets | None, Steps]] = {
    "click-button": (lambda u: _quoted(u)[:1], _click_button),
    "click-link": (lambda u: _quoted(u)[:1], _click_link),
    "click-tab": (lambda u: re.findall(r"Tab #\d+", u)[:1], _click_tab),
    "enter-text": (None, _enter_text),
    "login-user": (None, _login_user),
    "focus-text": (None, _focus_text),
    "click-option": (_selected, _click_option),
    "click-checkboxes": (_selected, _click_checkboxes),
    "choose-list": (None, _choose_list),
}


def miniwob_html() -> Path:
    """The folder of MiniWoB's HTML (found without importing the package, which needs gym)."""
    # This script is itself "miniwob": look for the package everywhere but its folder.
    here = Path(__file__).resolve().parent
    path = [p for p in sys.path if Path(p or ".").resolve() != here]
    spec = importlib.machinery.PathFinder.find_spec("miniwob", path)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("MiniWoB++ is not installed: .venv/bin/pip install --no-deps miniwob")
    return Path(list(spec.submodule_search_locations)[0]) / "html"


def start(page: Any, url: str, seed: int) -> str:
    """Open a task and start a seeded episode; returns its utterance."""
    page.goto(url)
    page.wait_for_selector("#sync-task-cover")
    page.evaluate(f"Math.seedrandom({seed}); core.setDataMode('train'); core.startEpisodeReal();")
    page.wait_for_function("WOB_TASK_READY === true")
    # The agent is given the utterance; it must not find its targets in the instruction box.
    page.evaluate("document.getElementById('query').style.visibility = 'hidden'")
    return str(page.evaluate("core.getUtterance()"))


def reward(page: Any) -> float:
    """The episode's raw reward (1 success, -1 failure, 0 not done)."""
    try:
        page.wait_for_function("WOB_DONE_GLOBAL === true", timeout=2000)
    except Exception:  # noqa: BLE001 - not done: no reward
        return 0.0
    return float(page.evaluate("WOB_RAW_REWARD_GLOBAL"))


def main() -> None:
    """Run the tracks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--engine", default="offline", choices=("offline", "qwen3vl", "openai"))
    parser.add_argument("--model")
    parser.add_argument("--endpoint")
    parser.add_argument("--pixels-only", action="store_true", help="no DOM: OCR (or the model)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/miniwob.json")
    args = parser.parse_args()

    settings = EngineSettings(engine=args.engine, model=args.model, endpoint=args.endpoint,
                              pixels_only=args.pixels_only)  # fmt: skip
    engine = make_engine(settings=settings)
    grounding: dict[str, list[bool]] = {}
    episodes: dict[str, list[bool]] = {}
    started = time.monotonic()
    with sync_playwright() as p, LocalSite(miniwob_html()) as site:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        for task in args.tasks:
            targets, steps = TASKS[task]
            url = site.url_for(f"miniwob/{task}.html")
            for seed in range(args.seeds):
                context = browser.new_context(viewport={"width": 500, "height": 320})
                context.set_default_timeout(5000)
                page = context.new_page()
                utterance = start(page, url, seed)
                executor = PlaywrightExecutor(page)
                if targets is not None:
                    shot = executor.capture()
                    for target in targets(utterance):
                        box = page.locator("#area").get_by_text(target, exact=True).first
                        truth = box.bounding_box()
                        found = engine.locate(shot, target, page=executor.page).element
                        hit = bool(truth and found) and (
                            truth["x"] <= found.point[0] / shot.scale <= truth["x"] + truth["width"]
                            and truth["y"] <= found.point[1] / shot.scale
                            <= truth["y"] + truth["height"]
                        )  # fmt: skip
                        grounding.setdefault(task, []).append(hit)
                    utterance = start(page, url, seed)  # the same episode, fresh
                ai = Agent(executor, engine, trace_dir=None, timeout=5, retries=1)
                try:
                    steps(ai, utterance)
                except (AgentError, IndexError, AttributeError):
                    pass  # the reward says it failed
                success = reward(page) > 0
                episodes.setdefault(task, []).append(success)
                print(f"{task} seed {seed}: {'success' if success else 'failure'}"
                      f" ({utterance})", file=sys.stderr)  # fmt: skip
                context.close()
        browser.close()

    def rates(table: dict[str, list[bool]]) -> dict[str, dict[str, float]]:
        return {t: {"n": len(v), "rate": round(sum(v) / len(v), 3)} for t, v in table.items()}

    summary = {"grounding": rates(grounding), "episodes": rates(episodes)}
    for track, table in summary.items():
        print(f"\n{track:18} {'n':>4} {'rate':>6}")
        for task, row in table.items():
            print(f"{task:18} {row['n']:>4} {row['rate']:>6.0%}")
        if table:
            total = [
                x for t in (grounding if track == "grounding" else episodes).values() for x in t
            ]
            print(f"{'all':18} {len(total):>4} {sum(total) / len(total):>6.0%}")
    write_results(
        args.out,
        {
            "engine": args.engine + (" (pixels only)" if args.pixels_only else ""),
            "seeds": args.seeds,
            "seconds": round(time.monotonic() - started, 1),
            **summary,
        },
    )


if __name__ == "__main__":
    main()
