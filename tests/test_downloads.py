"""Downloads (tests/fixtures/pages/downloads.html): a file a step downloads is saved into the
run folder's downloads/ (or the task's `downloads` folder), noted with its size, and
`expect: {file: NAME}` checks it, in task files and in the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from agent.errors import StepFailed
from agent.runner import run_task
from agent.taskfile import load_task
from perception.offline import OfflineEngine
from tests.conftest import page_url
from tests.helpers import run_steps


def test_a_downloaded_file_is_saved_and_expected(executor: Any, site: Any, tmp_path: Path) -> None:
    executor.page.goto(page_url(site, "downloads.html"))
    executor.downloads.folder = tmp_path
    records = run_steps(
        executor, "[{click: Export CSV}, {expect: {file: books.csv}}, {click: Download the report}]"
    )
    assert [r.status for r in records] == ["passed"] * 3, records[-1].error
    assert (tmp_path / "books.csv").read_text() == "title,year\nSolaris,1961\n"
    assert any(n.startswith("downloaded books.csv (24 bytes)") for n in records[0].notes), records[
        0
    ].notes
    assert records[1].output == str(tmp_path / "books.csv")
    assert "The second page" in (tmp_path / "report.html").read_text()


def test_expect_checks_what_a_downloaded_file_contains(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "downloads.html"))
    records = run_steps(
        executor,
        "[{click: Export CSV}, {expect: {file: books.csv, text: 'Solaris,1961'}},"
        " {expect: {file: books.csv, text: Stalker, timeout: 0.5}}]",
        retries=0,
    )
    assert [r.status for r in records] == ["passed", "passed", "failed"], records[1].error
    assert "the downloaded books.csv (24 bytes, 2 lines) does not contain 'Stalker'" in (
        records[-1].error or ""
    )
    with Agent(executor, OfflineEngine(), trace_dir=None) as ai:
        assert ai.expect("Solaris", file="books.csv") is not None
        with pytest.raises(StepFailed, match="does not contain 'Stalker'"):
            ai.expect("Stalker", file="books.csv", timeout=0.3)


def test_a_file_never_downloaded_fails_expect_naming_what_was(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "downloads.html"))
    records = run_steps(
        executor, "[{click: Export CSV}, {expect: {file: invoice.pdf, timeout: 0.5}}]"
    )
    assert records[-1].status == "failed"
    assert "no file 'invoice.pdf' was downloaded (downloaded: books.csv)" in (
        records[-1].error or ""
    )


def test_the_api_keeps_downloads_in_the_run_folder(
    executor: Any, site: Any, tmp_path: Path
) -> None:
    executor.page.goto(page_url(site, "downloads.html"))
    with Agent(executor, OfflineEngine(), trace_dir=tmp_path) as ai:
        ai.click("Export CSV")
        path = ai.expect(file="books.csv")
        assert ai.run.run_dir is not None and path == ai.run.run_dir / "downloads" / "books.csv"
        with pytest.raises(StepFailed, match="no file"):
            ai.expect(file="missing.txt", timeout=0.3)
    assert path.read_text().startswith("title,year")


def test_a_task_file_names_its_downloads_folder(browser: Any, site: Any, tmp_path: Path) -> None:
    task = tmp_path / "export.yaml"
    task.write_text(
        f"name: export\nbrowser: {{url: '{page_url(site, 'downloads.html')}'}}\n"
        "downloads: exported\nsteps:\n  - click: Export CSV\n  - expect: {file: books.csv}\n",
        encoding="utf-8",
    )
    trace, _ = run_task(
        load_task(task), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser
    )
    assert trace.status == "passed", [s.error for s in trace.steps]
    assert (tmp_path / "exported" / "books.csv").read_text().startswith("title,year")
