"""Typing into a terminal or editor that takes keys in an input nobody sees (xterm.js, Monaco)
is read back from what it shows (tests/fixtures/pages/terminal.html)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import page_url
from tests.helpers import run_steps


def _terminal(executor: Any, site: Any, query: str = "") -> Any:
    executor.page.goto(page_url(site, "terminal.html") + query)
    executor.page.click("#term")
    return executor


def test_typing_into_a_terminal_is_read_back_from_what_it_shows(executor: Any, site: Any) -> None:
    records = run_steps(
        _terminal(executor, site),
        "[{type: echo hello}, {press: Enter}, {expect: hello}]",
        retries=0,
    )
    assert [r.status for r in records] == ["passed"] * 3, records[0].error
    assert "read back from what the editor or terminal shows" in records[0].notes
    assert executor.page.inner_text("#rows").splitlines()[:2] == ["$ echo hello", "hello"]


@pytest.mark.parametrize("query", ["?dead", "?dead&history"])
def test_a_terminal_that_draws_nothing_fails_the_typing(
    executor: Any, site: Any, query: str
) -> None:
    # With history, "ls -l" is on the screen already: only a new one counts.
    (record,) = run_steps(_terminal(executor, site, query), "[{type: ls -l}]", retries=0)
    assert record.status == "failed"
    assert "typed 'ls -l' but the editor or terminal does not show it" in (record.error or "")
    assert "its last line: '$'" in (record.error or ""), record.error
