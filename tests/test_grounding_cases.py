"""Grounding cases from real applications, reproduced on a page of our own."""

from __future__ import annotations

from typing import Any

import pytest

from perception.aria import parse_snapshot
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import log_lines, run_steps


@pytest.fixture
def cases(executor: Any, site: Any) -> Any:
    executor.page.goto(page_url(site, "grounding.html"))
    return executor


def test_a_snapshot_line_yaml_refuses_drops_nothing() -> None:
    # Playwright writes an element whose text is `=` as `: =`, which YAML refuses.
    (node,) = parse_snapshot("- generic [ref=e2] [box=1,2,3,4]: =")
    assert (node.role, node.text, node.ref, node.box) == ("generic", "=", "e2", (1, 2, 3, 4))


@pytest.mark.parametrize(
    "page", ["grounding.html", "verbs.html", "hostile.html"], ids=lambda p: p.split(".")[0]
)
def test_the_line_reader_reads_real_snapshots_as_yaml_does(
    executor: Any, site: Any, page: str
) -> None:
    from perception import aria

    executor.page.goto(page_url(site, page))
    snapshot = executor.page.aria_snapshot(mode="ai", boxes=True)
    by_lines: list[aria.AriaNode] = []
    aria._walk(aria._lines_to_items(snapshot), by_lines, 0, None)
    assert parse_snapshot(snapshot) == by_lines
    if page == "grounding.html":  # its `=` key makes YAML refuse the whole snapshot
        assert any(n.text == "=" for n in by_lines)


def test_a_page_yaml_refuses_is_still_read_from_the_dom(cases: Any) -> None:
    shot = cases.capture()
    found = OfflineEngine(use_ocr=False).locate(shot, "Save as", page=cases.page)
    assert found.element is not None and found.element.engine == "offline/dom"
    assert found.element.text == "Save as"


def test_a_target_that_appears_later_is_waited_for(cases: Any) -> None:
    records = run_steps(
        cases, "[{click: Load later}, {click: Continue button}]", retries=0, timeout=10.0
    )
    assert [r.status for r in records] == ["passed", "passed"], records[-1].error
    assert "late clicked" in log_lines(cases)
    assert records[1].attempts == 1, "found by waiting within the try, not by a retry"


def test_two_equal_buttons_fail_with_both_listed_and_nothing_clicked(cases: Any) -> None:
    (record,) = run_steps(cases, "[{click: Export}]", retries=0)
    assert record.status == "failed"
    assert record.error and record.error.startswith("AmbiguousTarget: 'Export' matches 2")
    assert record.tie and [c["text"] for c in record.candidates[:2]] == ["Export", "Export"]
    assert record.action is None and log_lines(cases) == []


def test_a_search_box_and_a_search_button_are_told_apart_by_what_the_step_wants(
    cases: Any,
) -> None:
    (clicked,) = run_steps(cases, "[{click: Search}]", retries=0)
    assert clicked.status == "failed" and "AmbiguousTarget" in (clicked.error or "")
    records = run_steps(
        cases, "[{type: {text: pens, into: Search}}, {click: Search button}]", retries=0
    )
    assert [r.status for r in records] == ["passed", "passed"], records[-1].error
    assert records[0].element["role"] == "textbox" and log_lines(cases) == ["searched"]


def test_an_exact_match_beats_a_near_one(cases: Any) -> None:
    (record,) = run_steps(cases, "[{click: Save}]", retries=0)
    assert record.status == "passed", record.error
    assert log_lines(cases) == ["saved"]


def test_a_description_without_all_does_not_mean_the_all_button(executor: Any) -> None:
    # Django admin's two-list picker: an arrow button named "Choose selected permissions"
    # (its text hidden behind the arrow) and a "Choose all permissions" button.
    executor.page.set_content(
        "<select multiple size=4 aria-label='Available permissions'><option>Can view user"
        "</option></select>"
        "<button style='width:24px;overflow:hidden;text-indent:-999px'"
        " onclick=\"document.title='selected'\">Choose selected permissions</button>"
        "<br><button onclick=\"document.title='all'\">Choose all permissions</button>"
    )
    (record,) = run_steps(executor, "[{click: Choose}]", retries=0)
    assert record.status == "passed", record.error
    assert executor.page.title() == "selected"
    (record,) = run_steps(executor, "[{click: Choose all}]", retries=0)
    assert record.status == "passed" and executor.page.title() == "all", record.error


def test_of_two_equal_buttons_the_one_behind_a_dialog_is_not_a_candidate(
    executor: Any,
) -> None:
    executor.page.set_content(
        "<button onclick=\"document.title='page'\">Authorize</button>"
        "<div style='position:fixed;inset:0;background:rgba(0,0,0,.4)'>"
        "<div style='margin:200px auto;width:300px;background:#fff;padding:20px'>"
        "<button onclick=\"document.title='dialog'\">Authorize</button></div></div>"
    )
    (record,) = run_steps(executor, "[{click: Authorize}]", retries=0)
    assert record.status == "passed", record.error
    assert executor.page.title() == "dialog"
    assert any("covered" in note for note in record.notes)


class _Picker:
    """A stand-in model engine that answers with the last of the offline candidates: it tests
    only that `auto` hands a tie to the model and uses its answer."""

    name = "picker"
    last_raw: str | None = None

    def __init__(self) -> None:
        self.asked: list[str] = []

    def locate(self, screenshot: Any, description: str, **_: Any) -> Any:
        from perception.engine import Located

        self.asked.append(description)
        found = OfflineEngine(use_ocr=False).locate(screenshot, description, page=self.page)
        return Located(element=found.candidates[1], candidates=found.candidates[:2])


def test_auto_asks_the_model_to_break_a_tie(cases: Any) -> None:
    from perception.auto import AutoEngine

    picker = _Picker()
    picker.page = cases.page  # type: ignore[attr-defined]
    engine = AutoEngine(OfflineEngine(use_ocr=False), picker)  # type: ignore[arg-type]
    (record,) = run_steps(cases, "[{click: Export}]", retries=0, engine=engine)
    assert record.status == "passed", record.error
    assert picker.asked == ["Export"] and log_lines(cases) == ["second Export"]
    assert any("offline tie between" in note for note in record.notes)


RELATIONS_PAGE = """
<h3>Last read</h3><input type=date id=read>
<ul>
  <li><input type=checkbox id=milk> <span>Buy milk</span>
      <button onclick="log('x milk')">x</button></li>
  <li><input type=checkbox id=eggs> <span>Buy eggs</span>
      <button onclick="log('x eggs')">x</button></li>
</ul>
<p>Terms of service</p>
<button onclick="log('page Save')">Save</button>
<div role=dialog aria-label=Confirm style="margin-top:40px;border:1px solid">
  <p>Keep the changes?</p><button onclick="log('dialog Save')">Save</button>
</div>
<ul id=log></ul>
<script>function log(t){const li=document.createElement('li');li.textContent=t;
document.getElementById('log').appendChild(li)}</script>
"""


def test_relations_name_a_control_by_its_place(executor: Any) -> None:
    executor.page.set_content(RELATIONS_PAGE)
    records = run_steps(
        executor,
        """
        - click: the checkbox of Buy eggs
        - click: the x button of Buy milk
        - click: the Save button in the dialog
        - type: {text: "2026-12-03", into: the field under Last read}
        - expect: Terms of service
        """,
        retries=0,
    )
    assert [r.status for r in records] == ["passed"] * 5, records[-1].error
    page = executor.page
    assert page.is_checked("#eggs") and not page.is_checked("#milk")
    assert log_lines(executor) == ["x milk", "dialog Save"]
    assert page.input_value("#read") == "2026-12-03"
    assert any("row 'Buy eggs'" in note for note in records[0].notes)


def test_a_label_with_a_relation_word_in_it_stays_a_label(executor: Any) -> None:
    executor.page.set_content("<button onclick=\"document.title='ok'\">Terms of service</button>"
                              "<a href='#'>service</a>")  # fmt: skip
    (record,) = run_steps(executor, "[{click: Terms of service}]", retries=0)
    assert record.status == "passed" and executor.page.title() == "ok"


def test_extract_a_header_reads_its_cell_not_the_header(executor: Any) -> None:
    executor.page.set_content(
        "<table><tr><th>id</th><th>title</th><th>pages</th></tr>"
        "<tr><td>7</td><td>The Winter of Harbour</td><td>412</td></tr></table>"
        "<table><tr><th scope=row>year</th><td>1969</td></tr></table>"
    )
    records = run_steps(
        executor, "[{extract: title}, {extract: {what: pages, as: int}}, {extract: year}]"
    )
    assert [r.output for r in records] == ["The Winter of Harbour", 412, "1969"]


def test_an_ordinal_picks_among_equals_in_reading_order(cases: Any) -> None:
    records = run_steps(
        cases, "[{click: the second Export button}, {click: the first Export}]", retries=0
    )
    assert [r.status for r in records] == ["passed", "passed"], records[-1].error
    assert log_lines(cases) == ["second Export", "first Export"]
    (too_far,) = run_steps(cases, "[{click: the fifth Export button}]", retries=0)
    assert too_far.status == "failed"


LABELS_PAGE = """
<h3>Last read</h3><input type=date id=read>
<div><b>Request body</b></div><textarea id=body></textarea>
<p>Available permissions</p><input id=filter placeholder="Filter">
<button title="Settings" onclick="log('settings')"><svg width=16 height=16>
  <circle cx=8 cy=8 r=6 /></svg></button>
<button onclick="log('trash')"><span class="material-icons">delete</span></button>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Company logo" width=20 height=20
     onclick="log('logo')">
<ul id=log></ul>
<script>function log(t){const li=document.createElement('li');li.textContent=t;
document.getElementById('log').appendChild(li)}</script>
"""


def test_a_label_names_the_control_beside_or_below_it(executor: Any) -> None:
    executor.page.set_content(LABELS_PAGE)
    records = run_steps(
        executor,
        """
        - type: {text: "2026-12-03", into: Last read}
        - type: {text: '{"name": "x"}', into: Request body}
        - type: {text: view, into: Available permissions}
        """,
        retries=0,
    )
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    page = executor.page
    assert page.input_value("#read") == "2026-12-03"
    assert page.input_value("#body") == '{"name": "x"}'
    assert page.input_value("#filter") == "view"


def test_icons_answer_to_their_title_alt_and_ligature(executor: Any) -> None:
    executor.page.set_content(LABELS_PAGE)
    records = run_steps(
        executor,
        "[{click: the Settings icon}, {click: delete}, {click: Company logo}]",
        retries=0,
    )
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    assert log_lines(executor) == ["settings", "trash", "logo"]
