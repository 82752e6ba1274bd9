"""Dropdowns built from divs (tests/fixtures/pages/dropdowns.html): `select` opens an ARIA
combobox, or a plain div menu, clicks the option, and checks the control shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import run_steps


@pytest.fixture
def dropdowns(executor: Any, site: Any) -> Any:
    executor.page.goto(page_url(site, "dropdowns.html"))
    return executor


def test_an_aria_combobox_is_opened_and_its_option_chosen(dropdowns: Any) -> None:
    (record,) = run_steps(dropdowns, "[{select: {option: Express, in: Shipping}}]", retries=0)
    assert record.status == "passed", (record.error, record.notes)
    assert dropdowns.page.locator("#ship").inner_text() == "Express"
    assert dropdowns.page.locator("#ship-list").is_hidden()


def test_a_menu_of_plain_divs_through_the_api(dropdowns: Any, tmp_path: Path) -> None:
    with Agent(dropdowns, OfflineEngine(), trace_dir=tmp_path, retries=0) as ai:
        ai.select("Japan", in_="Choose a country")
    assert dropdowns.page.locator("#country").inner_text() == "Japan"


def test_an_option_the_list_does_not_have_fails_clearly(dropdowns: Any) -> None:
    (record,) = run_steps(
        dropdowns, "[{select: {option: Teleport, in: Shipping, timeout: 4}}]", retries=0
    )
    assert record.status == "failed" and "Teleport" in (record.error or ""), record.error
