"""Fixed bars over a target (tests/fixtures/pages/sticky.html): a button under a fixed header
or a cookie banner is scrolled clear of it and clicked; one behind a modal dialog is reported
as such, and nothing is clicked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import log_lines, run_steps


@pytest.fixture
def sticky(executor: Any, site: Any) -> Any:
    executor.page.goto(page_url(site, "sticky.html"))
    return executor


def _place(sticky: Any, selector: str, top: int) -> None:
    """Scroll so that the element's top is ``top`` px from the top of the viewport."""
    sticky.page.evaluate(
        "([sel, top]) => window.scrollBy(0, document.querySelector(sel)"
        ".getBoundingClientRect().top - top)",
        [selector, top],
    )


def test_a_button_under_the_fixed_header_is_scrolled_clear_and_clicked(sticky: Any) -> None:
    _place(sticky, "#archive", 30)  # under the 90 px header
    (record,) = run_steps(sticky, "[{click: Archive order}]", retries=0)
    assert record.status == "passed", record.error
    assert log_lines(sticky) == ["archived"]
    assert any("scrolled it out from under <header>" in n for n in record.notes), record.notes


def test_a_button_under_a_cookie_banner_is_scrolled_clear_and_clicked(sticky: Any) -> None:
    height = sticky.page.evaluate("innerHeight")
    _place(sticky, "#subscribe", height - 50)  # under the 80 px banner at the bottom
    (record,) = run_steps(sticky, "[{click: Subscribe}]", retries=0)
    assert record.status == "passed", record.error
    assert log_lines(sticky) == ["subscribed"]


def test_a_button_behind_a_modal_is_reported_and_not_clicked(sticky: Any) -> None:
    _place(sticky, "#remove", 300)
    sticky.page.evaluate("document.getElementById('modal').showModal()")
    (record,) = run_steps(sticky, "[{click: Remove item}]", retries=0)
    assert record.status == "failed"
    assert "behind a modal dialog: <dialog#modal> Your session ends soon." in (
        record.error or ""
    ), record.error
    assert log_lines(sticky) == []


def test_the_api_clicks_under_a_fixed_header(sticky: Any, tmp_path: Path) -> None:
    _place(sticky, "#archive", 30)
    with Agent(sticky, OfflineEngine(), trace_dir=tmp_path, retries=0) as ai:
        ai.click("Archive order")
    assert log_lines(sticky) == ["archived"]
