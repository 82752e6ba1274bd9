"""Assertions a task file makes without Python: a text gone (`expect_not`), a text shown by one
element (`expect: {text, in}`), a reading compared (`expect: {extract, equals | greater_than |
less_than}`), read again until their timeouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from agent.errors import StepFailed
from perception.offline import OfflineEngine
from tests.helpers import run_steps

PAGE = """<title>Order</title><h1>Order 17</h1>
<p id="busy">Saving...</p>
<label>Status <input id="state" value="Pending"></label>
<p>Total: <span id="total">1,234</span> EUR</p>
<script>setTimeout(() => { busy.remove(); state.value = 'Shipped'; total.textContent = '1,240'; },
  700)</script>"""


@pytest.fixture
def order(executor: Any) -> Any:
    executor.page.set_content(PAGE)
    return executor


def test_expectations_wait_for_the_page_to_come_true(order: Any) -> None:
    records = run_steps(
        order,
        "[{expect_not: Saving...}, {expect: {text: Shipped, in: the Status field}},"
        " {expect: {extract: Total, equals: 1240}}, {expect: {extract: Total, greater_than: 1000,"
        " less_than: 2000}}]",
    )
    assert [r.status for r in records] == ["passed"] * 4, records[-1].error
    assert records[2].output == 1240


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ("{expect_not: {text: Order 17, timeout: 0.5}}", "'Order 17' is still visible"),
        (
            "{expect: {text: Delivered, in: the Status field, timeout: 1.5}}",
            "'the Status field' does not show 'Delivered': it shows 'Shipped'",
        ),
        (
            "{expect: {extract: Total, less_than: 100, timeout: 1.5}}",
            "'Total' should be below 100.0: it reads 1240.0",
        ),
    ],
)
def test_an_expectation_that_stays_false_fails_saying_what_was_seen(
    order: Any, step: str, error: str
) -> None:
    (record,) = run_steps(order, f"[{step}]", timeout=5.0)
    assert record.status == "failed" and error in (record.error or ""), record.error


def test_the_api_expects_absence_and_values(order: Any, tmp_path: Path) -> None:
    with Agent(order, OfflineEngine(), trace_dir=tmp_path, retries=0) as ai:
        ai.expect_not("Saving...")
        ai.expect("Shipped", in_="the Status field")
        assert ai.expect_value("Total", equals=1240) == 1240
        with pytest.raises(StepFailed, match="should equal 5"):
            ai.expect_value("Total", equals=5, timeout=0.5)


def test_an_expect_with_two_things_to_check_is_refused(order: Any) -> None:
    with pytest.raises(Exception, match="expect takes one of"):
        run_steps(order, "[{expect: {extract: Total, equals: 3, file: a.csv}}]")
    with pytest.raises(Exception, match="`in` goes with a text"):
        run_steps(order, "[{expect: {text: Shipped, in: Status, file: a.csv}}]")
