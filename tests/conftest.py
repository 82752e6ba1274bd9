"""Shared fixtures: one real Chromium per session, a fresh page per test, pages on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.browser_launch import CHROMIUM_ARGS, find_chromium
from actions.playwright import PlaywrightExecutor
from agent.site import LocalSite

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"
TASKS = ROOT / "tasks"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium for the whole session (the system one, as users run it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        path = find_chromium(p)
        browser = p.chromium.launch(executable_path=path, headless=True, args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site() -> Iterator[LocalSite]:
    """The repository served on 127.0.0.1 (test pages and the example sites)."""
    with LocalSite(ROOT) as served:
        yield served


@pytest.fixture
def make_executor(browser: Any) -> Iterator[Any]:
    """Build executors on fresh pages: ``make_executor(viewport=(w, h), scale=1.0)``."""
    contexts: list[Any] = []

    def make(*, viewport: tuple[int, int] = (1000, 700), scale: float = 1.0) -> PlaywrightExecutor:
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=scale
        )
        context.set_default_timeout(5000)
        contexts.append(context)
        return PlaywrightExecutor(context.new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def executor(make_executor: Any) -> PlaywrightExecutor:
    """An executor on a fresh 1000x700 page."""
    return make_executor()  # type: ignore[no-any-return]


def page_url(site: LocalSite, name: str) -> str:
    """The served URL of a test page."""
    return site.url_for(f"tests/fixtures/pages/{name}")


# -- tiny Qwen3-VL models (built offline, a few seconds) ----------------------------------------
SQUARE_VIEWPORT = (400, 300)
SQUARE_BOX = (230, 120, 330, 220)  # the green square, CSS pixels (see fixtures/pages/square.html)
SQUARE_GOAL = "Press the green square"


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random dense Qwen3-VL checkpoint folder."""
    from tests.fixtures.tiny_qwen import build_tiny_qwen3vl

    return build_tiny_qwen3vl(tmp_path_factory.mktemp("tiny-qwen3vl"))


@pytest.fixture(scope="session")
def tiny_qwen_moe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen3-VL-MoE checkpoint folder (4 experts, 2 per token)."""
    from tests.fixtures.tiny_qwen import build_tiny_qwen3vl

    return build_tiny_qwen3vl(tmp_path_factory.mktemp("tiny-qwen3vl-moe"), moe=True)


@pytest.fixture(scope="session")
def square_shots(browser: Any, site: LocalSite) -> tuple[Any, Any]:
    """Screenshots of the square page before and after the square is clicked."""
    from perception.screen import Screenshot

    context = browser.new_context(
        viewport={"width": SQUARE_VIEWPORT[0], "height": SQUARE_VIEWPORT[1]}
    )
    page = context.new_page()
    page.goto(page_url(site, "square.html"))
    before = Screenshot.from_bytes(page.screenshot())
    page.click("#square")
    after = Screenshot.from_bytes(page.screenshot())
    context.close()
    return before, after


@pytest.fixture(scope="session")
def taught_qwen(
    tmp_path_factory: pytest.TempPathFactory, tiny_qwen: Path, square_shots: tuple[Any, Any]
) -> Path:
    """The tiny model taught, in the official formats, to find the green square, to click it
    for the goal and then end the goal, to see "Square pressed" and to read it: enough for real
    end-to-end runs of every model path."""
    import json

    from perception.coords import pixels_to_grid
    from perception.qwen3vl import Qwen3VLEngine
    from tests.fixtures.overfit import teach

    before, after = square_shots
    size = before.size
    x0, y0 = pixels_to_grid(SQUARE_BOX[0], SQUARE_BOX[1], size)
    x1, y1 = pixels_to_grid(SQUARE_BOX[2], SQUARE_BOX[3], size)
    box = f'```json\n[{{"bbox_2d": [{x0}, {y0}, {x1}, {y1}], "label": "the green square"}}]\n```'
    call = {"action": "left_click", "coordinate": [(x0 + x1) // 2, (y0 + y1) // 2]}
    use = json.dumps({"name": "computer_use", "arguments": call})
    click = f"I click the square.\n<tool_call>\n{use}\n</tool_call>"
    end = {"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}
    stop = f"The square is pressed.\n<tool_call>\n{json.dumps(end)}\n</tool_call>"
    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    seen = engine.ask_messages(engine.visible_question("Square pressed"))
    examples = [
        (engine.locate_messages("the green square"), before.image, box),
        (engine.plan_messages(SQUARE_GOAL, []), before.image, click),
        (engine.plan_messages(SQUARE_GOAL, [json.dumps(call)]), after.image, stop),
        (seen, after.image, '{"answer": "yes", "reason": "it is written at the top"}'),
        (engine.extract_messages("the status text"), after.image, '{"value": "Square pressed"}'),
    ]

    def build(out: Path) -> None:
        loss = teach(engine, examples, steps=400, out=out)
        assert loss < 0.05, f"the tiny model did not learn its answers (loss {loss:.3f})"

    out = built_once(tmp_path_factory, "taught-qwen3vl", build)
    for name in ("config.json", "tokenizer.json", "preprocessor_config.json"):
        assert (out / name).exists()
    return out


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A folder built once per test run: under pytest-xdist, the first worker to ask builds it
    (minutes of teaching a model) and the others wait for it and share it."""
    import os
    import shutil

    from filelock import FileLock

    if "PYTEST_XDIST_WORKER" not in os.environ:
        out = tmp_path_factory.mktemp(name)
        build(out)
        return out
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's
    out, done = shared / name, shared / f"{name}.done"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            build(out)
            done.touch()
    return out


def write_square_task(folder: Path, steps: str, extra: str = "") -> Path:
    """A task file on the square page, 400x300."""
    page = PAGES / "square.html"
    path = folder / "square.yaml"
    path.write_text(
        f"name: Square\nbrowser: {{url: {page}, viewport: {{width: {SQUARE_VIEWPORT[0]}, "
        f"height: {SQUARE_VIEWPORT[1]}}}}}\n{extra}steps:\n{steps}",
        encoding="utf-8",
    )
    return path


# -- desktops (a real Xvfb, started here; DISPLAY set for the session) ----------------------------
@pytest.fixture(scope="session")
def x_display() -> Iterator[Any]:
    """A virtual X display for the session's desktop tests; DISPLAY and XAUTHORITY point at it
    while it lives, as they would on a desktop session."""
    from actions.display import OpenDisplay, VirtualDisplay, environ

    with (
        VirtualDisplay((1024, 768)) as virtual,
        environ(DISPLAY=virtual.name, XAUTHORITY=virtual.xauthority),
    ):
        yield OpenDisplay(virtual.name, virtual.xauthority, virtual=True)
