"""`agent record`: real input events (Playwright's mouse and keyboard) on a headless page with
the recorder attached become a task file and its cache; the written task is then replayed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.cache import LocateCache, cache_path_for
from agent.recorder import Recorder
from agent.runner import run_task
from agent.site import LocalSite
from agent.taskfile import load_task
from perception.offline import OfflineEngine

SITES = Path(__file__).resolve().parent.parent / "tasks" / "sites"


class _Counting(OfflineEngine):
    """The offline engine, counting its locate calls."""

    locates = 0

    def locate(self, *args: Any, **kwargs: Any) -> Any:
        self.locates += 1
        return super().locate(*args, **kwargs)


def _recording(browser: Any, page: Path, html: str) -> tuple[Any, Recorder]:
    """A page of our own, written to ``page``, open with a recorder attached."""
    page.write_text(html)
    tab = browser.new_page()
    tab.goto(page.as_uri())
    return tab, Recorder(tab, start=page.name)


def _click(recorder: Recorder, selector: str) -> None:
    box = recorder.page.locator(selector).bounding_box()
    recorder.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    recorder.pump()


def _type(recorder: Recorder, selector: str, text: str) -> None:
    _click(recorder, selector)
    recorder.page.keyboard.type(text)
    recorder.pump()


def _expect_selected(recorder: Recorder, selector: str) -> None:
    recorder.page.evaluate(
        "(s) => { const r = document.createRange(); r.selectNodeContents("
        "document.querySelector(s)); getSelection().removeAllRanges();"
        " getSelection().addRange(r) }",
        selector,
    )
    recorder.page.keyboard.press("Control+Shift+E")
    recorder.pump()


def _replay(path: Path, browser: Any, env: dict[str, str] | None = None) -> tuple[Any, int]:
    engine = _Counting()
    cache = LocateCache(cache_path_for(path), "read-only")
    trace, _ = run_task(
        load_task(path, env=env or {}), engine=engine, out=path.parent / "runs", cache=cache,
        browser=browser,
    )  # fmt: skip
    return trace, engine.locates


@pytest.fixture(scope="module")
def sites() -> Any:
    """The example sites served as `agent record` serves a local page: its folder at /."""
    with LocalSite(SITES) as served:
        yield served


def test_a_recorded_registration_replays_green_with_no_locate_calls(
    browser: Any, sites: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(sites.url_for("register.html"))
    recorder = Recorder(page, start=str(SITES / "register.html"))
    _type(recorder, "#name", "Ada Lovelace")
    _type(recorder, "#email", "ada@example.org")
    page.select_option("#country", "pt")
    page.fill("#arrival", "2026-12-03")
    for label in ("Async Python", "Testing with pytest", "Student"):
        _click(recorder, f"text={label}")
    _click(recorder, "button[type=submit]")
    recorder.pump(0.3)
    _expect_selected(recorder, "#r-arrival")
    path = recorder.write(tmp_path / "register.yaml")
    page.close()

    steps = yaml.safe_load(path.read_text())["steps"]
    assert steps == [
        {"type": {"text": "Ada Lovelace", "into": "Full name"}},
        {"type": {"text": "ada@example.org", "into": "Email"}},
        {"select": {"option": "Portugal", "in": "Country"}},
        {"type": {"text": "2026-12-03", "into": "Arrival date"}},
        {"click": "Async Python"},
        {"click": "Testing with pytest"},
        {"click": "Student"},
        {"click": "Register"},
        {"expect": "Arriving on 2026-12-03"},
    ], "clicks that only focused a field are dropped; typing is one step per field"
    assert not recorder.warnings
    trace, locates = _replay(path, browser)
    assert trace.status == "passed", [s.error for s in trace.steps if s.error]
    assert locates == 0, "every located step comes from the recorded cache"
    assert {s.cache for s in trace.steps if s.verb != "expect"} == {"hit"}


def test_a_password_becomes_a_secret_and_its_value_is_written_nowhere(
    browser: Any, sites: Any, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(sites.url_for("login.html"))
    recorder = Recorder(page, start=str(SITES / "login.html"))
    _type(recorder, "#username", "alice")
    _type(recorder, "#password", "hunter2")
    _click(recorder, "text=Remember me")
    _click(recorder, "button:has-text('Sign in')")
    _expect_selected(recorder, "#welcome")
    path = recorder.write(tmp_path / "login.yaml")
    page.close()

    task = yaml.safe_load(path.read_text())
    assert task["secrets"] == ["PASSWORD"]
    assert {"type": {"text": "${PASSWORD}", "into": "Password"}} in task["steps"]
    assert task["steps"][-1] == {"expect": "Welcome, alice"}
    written = path.read_text() + cache_path_for(path).read_text()
    assert "hunter2" not in written
    trace, locates = _replay(path, browser, env={"PASSWORD": "hunter2"})
    assert trace.status == "passed", [s.error for s in trace.steps if s.error]
    assert locates == 0


def test_a_name_used_twice_is_recorded_with_what_tells_it_apart(
    browser: Any, tmp_path: Path
) -> None:
    tab, recorder = _recording(
        browser, tmp_path / "twice.html",
        "<title>Reports</title><p>Sales <button onclick=\"document.title='sales'\">Export"
        "</button></p><p>Stock <button onclick=\"document.title='stock'\">Export</button></p>",
    )  # fmt: skip
    _click(recorder, "text=Stock >> button")
    assert tab.title() == "stock", "the person's click still happens"
    path = recorder.write(tmp_path / "twice.yaml")
    tab.close()
    assert yaml.safe_load(path.read_text())["steps"] == [{"click": "the second Export button"}]


def test_a_pause_for_something_that_came_late_becomes_a_wait_for(
    browser: Any, tmp_path: Path
) -> None:
    tab, recorder = _recording(
        browser, tmp_path / "late.html",
        '<title>Jobs</title><button onclick="setTimeout(() => document.body.insertAdjacentHTML('
        "'beforeend', '<button onclick=&quot;document.title=`done`&quot;>Continue</button>'),"
        " 900)\">Start the job</button> <button onclick=\"this.insertAdjacentHTML('afterend',"
        " '<button onclick=&quot;document.title=`now`&quot;>Right away</button>')\">Add</button>",
    )  # fmt: skip
    _click(recorder, "text=Start the job")
    recorder.pump(1.5)  # the person waits for the job
    _click(recorder, "text=Continue")
    _click(recorder, "text=Add")
    _click(recorder, "text=Right away")  # came at once: nothing to wait for
    assert tab.title() == "now"
    steps = recorder.task()["steps"]
    tab.close()
    assert steps == [
        {"click": "Start the job"},
        {"wait_for": "Continue"},
        {"click": "Continue"},
        {"click": "Add"},
        {"click": "Right away"},
    ]


def test_recording_needs_a_window_to_act_in(monkeypatch: Any, capsys: Any) -> None:
    from agent.cli import main

    monkeypatch.delenv("DISPLAY", raising=False)
    assert main(["record", "https://example.org/"]) == 2
    assert "needs a display" in capsys.readouterr().err


@pytest.mark.parametrize("shortcut", ["Control+Shift+E"])
def test_nothing_selected_adds_no_expectation(browser: Any, sites: Any, shortcut: str) -> None:
    page = browser.new_page()
    page.goto(sites.url_for("login.html"))
    recorder = Recorder(page)
    page.keyboard.press(shortcut)
    recorder.pump()
    assert recorder.steps == []
    page.close()
