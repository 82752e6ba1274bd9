"""Tabs (tests/fixtures/pages/tabs.html): a page a step opens, by a link or a popup on another
origin, is where the next step goes on; switch_tab and close_tab move between them, in task
files and in the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from agent.errors import StepFailed
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import run_steps


@pytest.fixture
def tabs_page(executor: Any, site: Any) -> Any:
    executor.page.goto(page_url(site, "tabs.html"))
    return executor


def test_a_link_to_a_new_tab_is_followed_and_tabs_are_switched_and_closed(tabs_page: Any) -> None:
    records = run_steps(
        tabs_page,
        "[{click: Open the second page in a new tab}, {expect: Back to verbs},"
        " {switch_tab: Tabs home}, {expect: Where tabs start}, {switch_tab: '2'},"
        " {close_tab: }, {expect: Where tabs start}]",
    )
    assert [r.status for r in records] == ["passed"] * 7, (records[-1].error, records[0].notes)
    assert any(n.startswith("effects: ") and "a new tab opened" in n for n in records[0].notes)
    assert any(n.startswith("a new tab opened; now on it") for n in records[0].notes)
    assert len(tabs_page.page.context.pages) == 1
    assert tabs_page.page.url.endswith("/tabs.html")


def test_a_popup_on_another_origin_is_followed(tabs_page: Any) -> None:
    records = run_steps(tabs_page, "[{click: Open a popup}, {expect: Back to verbs}]")
    assert [r.status for r in records] == ["passed"] * 2, records[-1].error
    assert tabs_page.page.url.startswith("http://localhost:")


def test_a_popup_that_closes_itself_returns_to_the_tab_that_opened_it(tabs_page: Any) -> None:
    records = run_steps(
        tabs_page, "[{click: Open the picker}, {click: Pick blue}, {expect: 'Colour: blue'}]"
    )
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    assert any(n.startswith("the tab closed; back on") for n in records[1].notes)
    assert tabs_page.page.url.endswith("/tabs.html")


def test_a_tab_no_one_opened_is_a_clear_error(tabs_page: Any) -> None:
    (record,) = run_steps(tabs_page, "[{switch_tab: Invoices}]")
    assert record.status == "failed"
    assert "no tab's title or address contains 'Invoices'; open tabs: 1: Tabs home" in (
        record.error or ""
    )
    (record,) = run_steps(tabs_page, "[{close_tab: }]")
    assert record.status == "failed" and "the last tab" in (record.error or "")


def test_the_api_switches_and_closes_tabs(tabs_page: Any, tmp_path: Path) -> None:
    with Agent(tabs_page, OfflineEngine(), trace_dir=tmp_path) as ai:
        ai.click("Open the second page in a new tab")
        ai.expect("Back to verbs")
        ai.switch_tab("1")
        ai.expect("Where tabs start")
        ai.close_tab("Second page")
        with pytest.raises(StepFailed, match="there is no tab 2"):
            ai.switch_tab("2")
