"""Patterns the real-application corpus met (sqlite-web, Roundup, Flask-Admin, Datasette),
reproduced on a page of our own (tests/fixtures/pages/apps.html)."""

from __future__ import annotations

from typing import Any

import pytest

from perception.matching import Intent
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import log_lines, run_steps


@pytest.fixture
def apps(executor: Any, site: Any) -> Any:
    executor.page.goto(page_url(site, "apps.html"))
    executor.dialogs.policy = None
    return executor


def _locate(apps: Any, description: str, intent: Intent = Intent.CLICK) -> Any:
    shot = apps.capture()
    return OfflineEngine(use_ocr=False).locate(shot, description, intent=intent, page=apps.page)


def test_an_ordinal_counts_within_a_place(apps: Any) -> None:
    # Roundup's login box: two unnamed fields under the word "Login", and a Login button.
    records = run_steps(
        apps,
        "[{type: {text: admin, into: the first field under Login}},"
        " {type: {text: pw, into: the second field under Login}}, {click: Login button}]",
    )
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    assert log_lines(apps) == ["login admin"]
    assert apps.page.locator("[name=__login_password]").input_value() == "pw"


def test_in_the_row_of_a_word_is_that_row(apps: Any) -> None:
    (record,) = run_steps(apps, "[{click: the Drop link in the year row}]")
    assert record.status == "passed" and log_lines(apps) == ["drop year"]


def test_a_label_and_a_field_of_the_same_name_are_one_anchor(apps: Any) -> None:
    # "year" is a label and the field it names: both lead to the same checkbox.
    found = _locate(apps, "the checkbox next to year")
    assert found.element is not None and found.element.role == "checkbox", found.candidates


def test_a_label_showing_the_words_beats_a_field_whose_name_only_contains_them(
    apps: Any,
) -> None:
    # Roundup's page points both labels at the first field, so the browser names it "Login
    # Password Confirm Password" and the second field not at all.
    (record,) = run_steps(apps, "[{type: {text: secret-2, into: Confirm Password}}]")
    assert record.status == "passed", record.error
    assert apps.page.locator("#confirm").input_value() == "secret-2"
    assert apps.page.locator("#password").input_value() == ""


def test_icons_answer_to_their_tooltip_and_their_picture(apps: Any) -> None:
    records = run_steps(
        apps, "[{click: the edit icon of Kindred}, {click: the pencil icon of Solaris}]"
    )
    assert [r.status for r in records] == ["passed", "passed"], records[-1].error
    assert log_lines(apps) == ["edit Kindred", "edit Solaris"]


def test_typing_into_a_buttons_name_types_into_the_field_it_submits(apps: Any) -> None:
    (record,) = run_steps(apps, "[{type: {text: dune, into: Search, submit: true}}]")
    assert record.status == "passed", record.error
    assert log_lines(apps) == ["search dune"]


def test_an_unlabelled_field_answers_to_its_pages_name_for_it(apps: Any) -> None:
    (record,) = run_steps(apps, "[{type: {text: Lem, into: the filter value field}}]")
    assert record.status == "passed", record.error
    assert apps.page.locator("[name=_filter_value]").input_value() == "Lem"


def test_a_field_named_after_its_help_text_answers_to_its_pages_name(apps: Any) -> None:
    # Trac's comment box: named "You may use WikiFormatting here.", name="comment".
    (record,) = run_steps(apps, "[{type: {text: Seen again., into: the comment box}}]")
    assert record.status == "passed", record.error
    assert apps.page.locator("#comment").input_value() == "Seen again."


def test_a_code_editor_under_its_heading_is_typed_into_and_read_back(apps: Any) -> None:
    # The field that takes the keys lies under the text the editor draws: the click on that
    # text focuses it, and the check reads the editor's own value.
    (record,) = run_steps(apps, "[{type: {text: select 2, into: the SQL editor}}]")
    assert record.status == "passed", record.error
    assert apps.page.locator("#shown").inner_text() == "select 2"


def test_the_number_of_things_is_read_from_the_sentence_that_counts_them(apps: Any) -> None:
    records = run_steps(apps, "[{extract: {what: the number of users, as: int}}]")
    assert records[0].status == "passed" and records[0].output == 3, records[0].error


@pytest.mark.parametrize(("title", "found"), [("Book - Admin", 3), ("Author - Admin", None)])
def test_a_list_tab_counts_what_the_page_title_names(
    executor: Any, title: str, found: int | None
) -> None:
    # Flask-Admin's list view says how many rows it lists only in its tab: "List (3)".
    executor.page.set_content(
        f"<title>{title}</title><ul><li><a href='#'>List (3)</a></li>"
        "<li><a href='#'>Create</a></li></ul><p>2 filters</p>"
    )
    (record,) = run_steps(executor, "[{extract: {what: the number of books found, as: int}}]")
    assert record.output == found, (record.error, record.notes)
    if found is None:
        assert record.status == "failed" and "ElementNotFound" in (record.error or "")


def test_an_unanswered_confirm_is_dismissed_and_fails_its_step(apps: Any) -> None:
    (record,) = run_steps(apps, "[{click: the delete icon of Kindred}]", retries=0)
    assert record.status == "failed"
    assert record.error and record.error.startswith("UnexpectedDialog: the page asked 'Delete")
    assert log_lines(apps) == ["kept Kindred"]


def test_a_dialog_step_answers_the_next_dialog(apps: Any) -> None:
    records = run_steps(
        apps,
        "[{dialog: accept}, {click: the delete icon of Kindred},"
        " {dialog: {answer: accept, text: Ada}}, {click: Rename}, {click: Notify}]",
    )
    assert [r.status for r in records] == ["passed"] * 5, records[-1].error
    assert log_lines(apps) == ["deleted Kindred", "name Ada", "alerted"]
    assert any("confirm dialog 'Delete Kindred?': accepted" in n for n in records[1].notes)
    assert any("alert dialog 'Saved.': accepted" in n for n in records[4].notes)


def test_expect_reads_the_message_of_the_dialog_the_step_before_opened(apps: Any) -> None:
    records = run_steps(
        apps, "[{click: Notify}, {expect: Saved.}, {expect: {text: Saved., timeout: 1}}]"
    )
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    assert "the page's alert dialog said 'Saved.'" in records[1].notes
    (late,) = run_steps(apps, "[{click: Rename}]", retries=0)  # dismissed: fails, no Saved.
    (gone,) = run_steps(apps, "[{expect: {text: Saved., timeout: 0.5}}]")
    assert late.status == "failed" and gone.status == "failed", gone.notes


def test_the_tasks_dialog_policy_answers_every_confirm(apps: Any) -> None:
    for policy in ("dismiss", "accept"):
        apps.dialogs.policy = policy
        (record,) = run_steps(apps, "[{click: the delete icon of Solaris}]", retries=0)
        assert record.status == "passed", record.error
        assert any(f"{policy}ed" in note for note in record.notes)
    assert log_lines(apps) == ["kept Solaris", "deleted Solaris"]


def test_a_disabled_control_is_not_what_a_click_means(apps: Any) -> None:
    # Trac: "resolve as [fixed]", where the select box stays disabled until the radio
    # button is chosen; the select box follows the words, the radio button is named after one.
    (record,) = run_steps(apps, "[{click: resolve as}]", retries=0)
    assert record.status == "passed" and log_lines(apps) == ["resolve chosen"], record.error


def test_the_editor_is_the_large_text_area_and_clear_false_adds_at_its_end(apps: Any) -> None:
    (record,) = run_steps(
        apps, "[{type: {text: Meetings on Tuesdays., into: the editor, clear: false}}]"
    )
    assert record.status == "passed", record.error
    assert (
        apps.page.locator("#wiki").input_value() == "= Welcome =\nFirst line.Meetings on Tuesdays."
    )


def test_a_task_files_dialogs_option_answers_its_confirms(tmp_path: Any, browser: Any) -> None:
    import shutil

    from agent.runner import run_task
    from agent.taskfile import load_task
    from tests.conftest import ROOT

    shutil.copy(ROOT / "tests/fixtures/pages/apps.html", tmp_path / "apps.html")
    task = tmp_path / "delete.yaml"
    task.write_text(
        "name: delete with the task's answer\nbrowser: {url: apps.html}\ndialogs: accept\n"
        "retries: 0\nsteps:\n  - click: the delete icon of Kindred\n  - expect: deleted Kindred\n"
    )
    trace, _ = run_task(load_task(task), engine=OfflineEngine(), out=tmp_path, browser=browser)
    assert trace.status == "passed", [s.error for s in trace.steps]
    assert any("accepted" in note for note in trace.steps[0].notes)


def test_two_different_counts_of_the_same_thing_are_both_kept_for_a_tie() -> None:
    from perception.aria import parse_snapshot
    from perception.counts import counted_noun, counts

    nodes = parse_snapshot(
        "- paragraph [box=0,0,90,10]: 3 users\n- paragraph [box=0,20,90,10]: 5 active users\n"
        "- paragraph [box=0,40,90,10]: 0 of 3 selected"
    )
    noun = counted_noun("how many users")
    assert noun == "user" and sorted(counts(nodes, noun)) == ["3", "5"]


def test_two_executors_on_one_page_share_how_its_dialogs_are_answered(apps: Any) -> None:
    from actions.playwright import PlaywrightExecutor

    again = PlaywrightExecutor(apps.page)
    assert again.dialogs is apps.dialogs  # no stale listener answers for the newer one
    again.dialogs.policy = "accept"
    (record,) = run_steps(again, "[{click: the delete icon of Kindred}]", retries=0)
    assert record.status == "passed" and log_lines(apps) == ["deleted Kindred"], record.error


def test_the_api_answers_a_confirm_and_a_prompt(apps: Any, tmp_path: Any) -> None:
    from agent.api import Agent

    with Agent(apps, OfflineEngine(), trace_dir=tmp_path, retries=0) as ai:
        ai.dialog("accept")
        ai.click("the delete icon of Kindred")
        ai.dialog("accept", text="Grace")
        ai.click("Rename")
    assert log_lines(apps) == ["deleted Kindred", "name Grace"]
