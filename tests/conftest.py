"""Shared fixtures: one real Chromium per session, a fresh page per test, pages on loopback."""

from __future__ import annotations

from collections.abc import Iterator
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
