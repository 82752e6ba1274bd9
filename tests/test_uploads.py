"""Uploads (tests/fixtures/pages/uploads.html): files given to a labelled file input and,
through its file chooser, to an input hidden behind a button; a missing file is an error
before the run starts, naming the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from agent.errors import StepFailed, TaskFileError
from agent.runner import run_task
from agent.taskfile import load_task
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import run_steps


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name in ("notes.txt", "cat.png", "dog.png"):
        (tmp_path / name).write_bytes(b"x" * 10)
    return tmp_path


def _names(executor: Any, selector: str) -> list[str]:
    return executor.page.eval_on_selector(  # type: ignore[no-any-return]
        selector, "el => Array.from(el.files).map(f => f.name)"
    )


def test_files_go_to_a_labelled_input_and_through_a_chooser(
    executor: Any, site: Any, files: Path
) -> None:
    executor.page.goto(page_url(site, "uploads.html"))
    records = run_steps(
        executor,
        f"[{{upload: {{file: ['{files / 'cat.png'}', '{files / 'dog.png'}'], into: Attachment}}}},"
        f" {{upload: {{file: '{files / 'notes.txt'}', into: Upload a photo button}}}},"
        " {expect: notes.txt}]",
    )
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    assert _names(executor, "#attach") == ["cat.png", "dog.png"]
    assert _names(executor, "#photo") == ["notes.txt"]


def test_a_task_file_names_files_beside_it_and_a_missing_one_is_refused(
    browser: Any, site: Any, files: Path
) -> None:
    task = files / "send.yaml"
    body = (
        f"name: send\nbrowser: {{url: '{page_url(site, 'uploads.html')}'}}\nsteps:\n"
        "  - upload: {file: FILE, into: Upload a photo}\n  - expect: cat.png\n"
    )
    task.write_text(body.replace("FILE", "cat.png"), encoding="utf-8")
    trace, path = run_task(
        load_task(task), engine=OfflineEngine(), out=files / "runs", browser=browser
    )
    assert trace.status == "passed", [s.error for s in trace.steps]
    assert (path.parent / "report.html").exists()  # the upload's point drawn on its screenshot
    task.write_text(body.replace("FILE", "missing.png"), encoding="utf-8")
    with pytest.raises(TaskFileError, match=r"send.yaml:4:\d+: upload: no such file 'missing.png'"):
        load_task(task)


def test_the_api_uploads_and_says_when_an_element_takes_no_files(
    executor: Any, site: Any, files: Path, tmp_path: Path
) -> None:
    executor.page.goto(page_url(site, "uploads.html"))
    with Agent(executor, OfflineEngine(), trace_dir=tmp_path, retries=0) as ai:
        ai.upload(files / "notes.txt", into="Attachment")
        with pytest.raises(StepFailed, match="takes no files"):
            ai.upload(files / "notes.txt", into="Send files")
    assert _names(executor, "#attach") == ["notes.txt"]


def test_of_two_fields_named_alike_the_file_field_takes_the_upload(
    executor: Any, site: Any, files: Path
) -> None:
    executor.page.goto(page_url(site, "uploads.html"))
    (record,) = run_steps(executor, f"[{{upload: {{file: '{files / 'notes.txt'}', into: File}}}}]")
    assert record.status == "passed", record.error
    assert _names(executor, "#doc") == ["notes.txt"]
    assert "of the equal candidates, one is a file field" in record.notes


def test_a_click_that_opens_a_file_chooser_has_done_something(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "uploads.html"))
    (record,) = run_steps(executor, "[{click: Upload a photo button}]", retries=0)
    assert record.status == "passed", record.error
    assert any("a file chooser opened" in note for note in record.notes), record.notes
    assert _names(executor, "#photo") == []  # nothing given: the chooser was not answered
