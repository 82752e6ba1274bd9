"""A click passes only on an effect of its own (tests/fixtures/pages/effects.html): changes a
dead or wrong click would also see (a ticking clock, hover styles, a tooltip, focus moving to
a neighbour, a blinking caret) fail the step; small real effects pass it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import page_url
from tests.helpers import run_steps


def _open(executor: Any, site: Any, query: str = "") -> Any:
    executor.page.goto(page_url(site, "effects.html") + query)
    return executor


@pytest.fixture
def effects_page(executor: Any, site: Any) -> Any:
    return _open(executor, site)


@pytest.mark.parametrize(
    ("target", "query", "discounted"),
    [
        ("Export", "?clock", "span#clock"),  # a clock ticking every 50 ms
        ("Buy milk", "", ""),  # the row's hover highlight (it lands before the click)
        ("Help", "", "under the pointer"),  # a menu item's hover style, landing late
        ("Share", "", "a tooltip"),  # a tooltip that opens a moment after the pointer arrives
        ("Filters", "", "input#search"),  # focus moves to a neighbour
        ("Connect", "?caret", "span.caret"),  # a blinking caret
    ],
)
def test_a_click_that_only_causes_irrelevant_changes_fails(
    executor: Any, site: Any, target: str, query: str, discounted: str
) -> None:
    (record,) = run_steps(_open(executor, site, query), f"[{{click: {target}}}]", retries=0)
    assert record.status == "failed", record.notes
    assert "changed nothing" in (record.error or ""), record.error
    assert discounted in (record.error or ""), record.error


@pytest.mark.parametrize(
    ("target", "check"),
    [
        ("Bold", "document.querySelector('#bold').getAttribute('aria-pressed') === 'true'"),
        ("Remember me", "document.querySelector('#remember').checked"),
        ("Save draft", "true"),  # its only effect is a request
        ("Jump to notes", "location.hash === '#notes'"),
        ("More", "document.querySelector('details').open"),
        ("Like", "document.querySelector('#likes').textContent === '4'"),
        ("Large", "document.querySelectorAll('input[type=radio]')[1].checked"),
        ("Dark mode", "document.body.classList.contains('dark')"),
        ("Later", "document.querySelector('#later').textContent === 'Done'"),
    ],
)
def test_a_click_whose_real_effect_is_small_passes(
    executor: Any, site: Any, target: str, check: str
) -> None:
    # The clock and the caret keep changing meanwhile: background, not the click's effect.
    effects_page = _open(executor, site, "?clock&caret")
    (record,) = run_steps(effects_page, f"[{{click: {target}}}]", retries=0)
    assert record.status == "passed", (record.error, record.notes)
    assert effects_page.page.evaluate(f"() => {check}")
    assert any(n.startswith("effects: ") for n in record.notes), record.notes


def test_a_click_on_the_selected_radio_button_passes_and_says_so(effects_page: Any) -> None:
    (record,) = run_steps(effects_page, "[{click: Small}]", retries=0)
    assert record.status == "passed", record.error
    assert any("already selected" in n for n in record.notes), record.notes


def test_a_checkbox_that_refuses_to_change_fails_the_click(effects_page: Any) -> None:
    (record,) = run_steps(effects_page, "[{click: Locked}]", retries=0)
    assert record.status == "failed"
    assert "left the checkbox unchecked" in (record.error or ""), record.error
