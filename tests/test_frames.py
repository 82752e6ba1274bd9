"""Frames and web components: a field and a button inside an iframe (same origin and another
origin, tests/fixtures/pages/frames.html) and inside a shadow root (shadow.html) are typed
into and clicked where they are, in task files and in the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import run_steps

STEPS = (
    "[{type: {text: '4242 4242', into: Card number}}, {click: Confirm order},"
    " {expect: Order confirmed}]"
)


@pytest.mark.parametrize("query", ["", "?cross"])
def test_a_form_inside_a_frame_is_filled_and_submitted(
    executor: Any, site: Any, query: str
) -> None:
    executor.page.goto(page_url(site, "frames.html") + query)
    executor.page.frame_locator("#pay").locator("#card").wait_for()
    records = run_steps(executor, STEPS)
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    inner = executor.page.frame_locator("#pay")
    assert inner.locator("#card").input_value() == "4242 4242"
    assert inner.locator("#done").inner_text() == "Order confirmed"
    if query:
        assert executor.page.frames[1].url.startswith("http://localhost:")


def test_a_web_components_own_field_and_button_are_not_covered_by_it(
    executor: Any, site: Any, tmp_path: Path
) -> None:
    executor.page.goto(page_url(site, "shadow.html"))
    with Agent(executor, OfflineEngine(), trace_dir=tmp_path, retries=0) as ai:
        ai.type("Ada", into="Display name")
        ai.click("Save profile")
        ai.expect("Saved as Ada")


def test_the_api_fills_a_form_in_a_frame_of_another_origin(
    executor: Any, site: Any, tmp_path: Path
) -> None:
    executor.page.goto(page_url(site, "frames.html") + "?cross")
    executor.page.frame_locator("#pay").locator("#card").wait_for()
    with Agent(executor, OfflineEngine(), trace_dir=tmp_path, retries=0) as ai:
        ai.type("4242", into="Card number")
        ai.click("Confirm order")
        ai.expect("Order confirmed")
