"""Every verb against a real Chromium page served on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import page_url
from tests.helpers import log_lines, run_steps


@pytest.fixture
def verbs(executor: Any, site: Any) -> Any:
    executor.page.goto(page_url(site, "verbs.html"))
    return executor


def passed(records: list[Any]) -> bool:
    return all(r.status == "passed" for r in records) and bool(records)


def test_click_double_click_right_click_and_link(verbs: Any) -> None:
    records = run_steps(
        verbs,
        "[{click: One}, {double_click: Two button}, {right_click: Three}, {click: Docs link}]",
    )
    assert passed(records), records[-1].error
    assert log_lines(verbs) == [
        "clicked One",
        "double clicked Two",
        "right clicked Three",
        "followed Docs",
    ]
    assert verbs.page.url.endswith("#anchor")
    assert records[0].element["role"] == "button" and records[0].engine == "offline/dom"
    assert records[1].action["clicks"] == 2 and records[2].action["button"] == "right"


def test_hover_shows_the_tooltip(verbs: Any) -> None:
    records = run_steps(verbs, "[{hover: Help}, {expect: Helpful tip}]")
    assert passed(records), records[-1].error
    assert "hovered Help" in log_lines(verbs)


def test_type_clears_by_default_appends_when_asked_and_submits(verbs: Any) -> None:
    records = run_steps(
        verbs,
        """
        - type: {text: Ada, into: the Name field}
        - type: {text: " Lovelace", into: Name, clear: false}
        - type: {text: pytest fixtures, into: Search, submit: true}
        """,
    )
    assert passed(records), records[-1].error
    assert verbs.page.input_value("#name") == "Ada Lovelace"
    assert "searched pytest fixtures" in log_lines(verbs)
    assert records[2].action["submit"] is True


def test_press_a_chord(verbs: Any) -> None:
    records = run_steps(verbs, "[{type: {text: some words, into: Notes}}, {press: Control+A}]")
    assert passed(records), records[-1].error
    assert "chord Control+A" in log_lines(verbs)


def test_press_an_unknown_key_fails_clearly(verbs: Any) -> None:
    records = run_steps(verbs, "[{press: Ctrl+Banana}]")
    assert records[-1].status == "failed"
    assert "Ctrl+Banana" in (records[-1].error or "")


def test_select_by_label_and_verify(verbs: Any) -> None:
    records = run_steps(verbs, "[{select: {option: Cherry, in: Fruit}}]")
    assert passed(records), records[-1].error
    assert verbs.page.input_value("#fruit") == "c"
    assert "picked Cherry" in log_lines(verbs)


def test_select_a_missing_option_lists_the_options(verbs: Any) -> None:
    records = run_steps(verbs, "[{select: {option: Durian, in: Fruit}}]", retries=0)
    assert records[-1].status == "failed"
    assert "Apple, Banana, Cherry" in (records[-1].error or "")


def test_scroll_the_page_and_inside_an_element(verbs: Any) -> None:
    assert passed(run_steps(verbs, "[{scroll: down}]"))
    assert verbs.page.evaluate("window.scrollY") > 300
    assert passed(run_steps(verbs, "[{scroll: up}]"))
    assert verbs.page.evaluate("window.scrollY") == 0
    records = run_steps(verbs, "[{scroll: {direction: down, within: Scroll pane}}]")
    assert passed(records), records[-1].error
    assert verbs.page.eval_on_selector("#pane", "el => el.scrollTop") > 50
    assert records[0].action["point"] is not None


def test_drag_and_drop(verbs: Any) -> None:
    records = run_steps(verbs, "[{drag: {from: Card, to: Archive}}]")
    assert passed(records), records[-1].error
    assert "dropped in Archive" in log_lines(verbs)


def test_goto_wait_and_wait_for(verbs: Any) -> None:
    records = run_steps(
        verbs,
        "[{click: Load later}, {wait_for: Late arrival}, {goto: second.html}, {wait: 0.2},"
        " {expect: The second page}]",
        timeout=10.0,  # before the text is there, each look may read the screen (OCR)
    )
    assert passed(records), records[-1].error
    # The click waits for its own effect (the paragraph, 0.8 s later), or wait_for does.
    waited = records[0].duration_ms + records[1].duration_ms
    assert waited >= 600, "wait_for returned before the text appeared"
    assert verbs.page.url.endswith("/second.html")


def test_a_link_to_another_page_then_the_next_step_sees_it(verbs: Any) -> None:
    records = run_steps(
        verbs, "[{goto: second.html}, {click: Back to verbs}, {click: One}, {expect: clicked One}]"
    )
    assert passed(records), records[-1].error
    assert verbs.page.url.endswith("/verbs.html")


def test_expect_url_waits_for_the_address_and_fails_on_another(verbs: Any) -> None:
    records = run_steps(verbs, "[{click: Docs link}, {expect_url: '#anchor'}]")
    assert passed(records), records[-1].error
    records = run_steps(verbs, "[{expect_url: {url: /second.html, timeout: 0.5}}]")
    assert records[-1].status == "failed"
    assert "does not contain '/second.html'" in (records[-1].error or "")
    assert records[-1].attempts == 1, "a polling verb is not retried on top of its own wait"


def test_expect_a_described_element(verbs: Any) -> None:
    assert passed(run_steps(verbs, "[{expect: the Fruit dropdown}, {expect: Docs link}]"))
    records = run_steps(verbs, "[{expect: {text: the Checkout button, timeout: 0.5}}]")
    assert records[-1].status == "failed"


def test_expect_sees_text_below_the_fold_but_not_hidden_text(verbs: Any) -> None:
    assert passed(run_steps(verbs, "[{expect: Far below the fold}]"))
    records = run_steps(verbs, "[{expect: {text: Secret hidden text, timeout: 0.5}}]")
    assert records[-1].status == "failed"
    assert "not visible" in (records[-1].error or "")


def test_click_scrolls_an_element_below_the_fold_into_view(verbs: Any) -> None:
    records = run_steps(verbs, "[{click: Bottom button}]")
    assert passed(records), records[-1].error
    assert "clicked Bottom button" in log_lines(verbs)


def test_extract_text_and_numbers(verbs: Any) -> None:
    records = run_steps(
        verbs,
        "[{extract: {what: Total, as: int}}, {extract: Docs},"
        " {type: {text: Grace, into: Name}}, {extract: the Name field}]",
    )
    assert passed(records), records[-1].error
    assert records[0].output == 1234
    assert records[1].output == "Docs"
    assert records[3].output == "Grace", "a field's value, not its label"


def test_extract_a_checkbox_state(executor: Any) -> None:
    executor.page.set_content("<label><input type=checkbox checked> Subscribe</label>")
    records = run_steps(executor, "[{extract: {what: Subscribe checkbox, as: bool}}]")
    assert passed(records), records[-1].error
    assert records[0].output is True


def test_a_click_that_changes_nothing_is_retried_then_fails(verbs: Any) -> None:
    # The click focuses the button, which every click on a button does: no effect of its own.
    records = run_steps(verbs, "[{click: Does nothing button}]", retries=1)
    assert records[-1].status == "failed"
    assert records[-1].attempts == 2
    assert "changed nothing" in (records[-1].error or "")


def test_an_occluded_target_is_noticed(verbs: Any) -> None:
    records = run_steps(verbs, "[{click: Show cover}, {click: One}]", retries=1)
    assert records[-1].status == "failed"
    assert "covered by" in (records[-1].error or "")
    assert "clicked One" not in log_lines(verbs)


def test_a_target_partly_covered_is_clicked_where_it_shows(executor: Any) -> None:
    # MiniWoB's click-test-2: one button overlaps the centre of the other.
    executor.page.set_content(
        "<button id=one style='position:absolute;left:20px;top:20px;width:80px;height:80px' "
        "onclick=\"document.title='one'\">ONE</button>"
        "<button id=two style='position:absolute;left:50px;top:50px;width:80px;height:80px' "
        "onclick=\"document.title='two'\">TWO</button>"
    )
    records = run_steps(executor, "[{click: 'ONE button'}]", retries=0)
    assert passed(records), records[-1].error
    assert executor.page.title() == "one"
    assert any("acted on a visible part" in note for note in records[0].notes)
    x, y = records[0].action["point"]["x"], records[0].action["point"]["y"]
    assert not (50 <= x <= 130 and 50 <= y <= 130), "the trace shows the point really clicked"


def test_a_field_partly_covered_is_typed_into_where_it_shows(executor: Any) -> None:
    # A badge over the middle of a field: typing clicks the part of the field that shows.
    executor.page.set_content(
        "<label>Coupon <input id=code style='width:300px;height:30px'></label>"
        "<div style='position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none'>"
        "</div><span id=badge style='position:absolute;left:120px;top:0;width:160px;"
        "height:60px;background:gold'>NEW</span>"
    )
    records = run_steps(executor, "[{type: {text: SAVE10, into: Coupon}}]", retries=0)
    assert passed(records), records[-1].error
    assert executor.page.input_value("#code") == "SAVE10"
    assert any("acted on a visible part" in note for note in records[0].notes)


def test_high_dpi_clicks_land_in_css_pixels(make_executor: Any, site: Any) -> None:
    executor = make_executor(viewport=(800, 600), scale=2.0)
    executor.page.goto(page_url(site, "verbs.html"))
    records = run_steps(executor, "[{right_click: Three}, {type: {text: hi, into: Name}}]")
    # Three logs only on contextmenu (a left click on it changes nothing); One on a click.
    records += run_steps(executor, "[{click: One}]")
    assert passed(records), records[-1].error
    shot = executor.capture()
    assert shot.size == (1600, 1200) and shot.scale == 2.0
    assert records[-1].element["box"][2] > 50  # screenshot pixels, twice the CSS box
    assert "clicked One" in log_lines(executor)


def test_typing_into_something_that_is_not_a_field_fails(verbs: Any) -> None:
    records = run_steps(verbs, "[{type: {text: hello, into: Docs link}}]", retries=0)
    assert records[-1].status == "failed"
    assert "no text field has focus" in (records[-1].error or "")
