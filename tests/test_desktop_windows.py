"""Windows, focus and typing on real GTK programs from Debian (mousepad, zenity) under a bare
Xvfb: keys reach the program, its dialogs are followed, typing where focus is clears nothing,
and keys that land nowhere fail the step."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from actions.display import environ, find_window, list_windows
from agent.api import Agent
from agent.errors import StepFailed

pytestmark = pytest.mark.skipif(
    shutil.which("mousepad") is None or shutil.which("zenity") is None,
    reason="needs mousepad and zenity (scripts/setup.sh --test installs them)",
)


def test_typing_where_focus_is_reaches_the_program_and_clears_nothing(
    x_display: Any, tmp_path: Path
) -> None:
    # On a bare X server nothing has the keyboard focus until it is given; the keys went
    # nowhere and the steps passed. Typing without `into` used to send Control+A, Backspace.
    note = tmp_path / "note.txt"
    note.write_text("keep me\n")
    with Agent.desktop(f"mousepad {note}", window="Mousepad", trace_dir=tmp_path) as ai:
        ai.type("added ")
        ai.press("Control+S")
        ai.expect("added keep me")
    assert note.read_text() == "added keep me\n"


def test_the_programs_dialog_is_followed_and_its_field_found(tmp_path: Path) -> None:
    saved = tmp_path / "saved.txt"
    # Its own virtual display, of the default size: the dialog is taller than the session's.
    with Agent.desktop("mousepad", window="Mousepad", display="virtual", trace_dir=tmp_path) as ai:
        ai.type("hello from a dialog test")
        ai.press("Control+S")  # an untitled document: GTK's Save As dialog opens
        # "Name" is also a column header of the file list; the field beside "Name:" wins.
        ai.type(str(saved), into="Name")
        ai.click("Save")
        # Back in the main window once the dialog has closed.
        for _ in range(50):
            if "Mousepad" in (ai.executor.capture().source or ""):
                break
            time.sleep(0.1)
        assert "Mousepad" in (ai.executor.capture().source or "")
    assert saved.read_text() == "hello from a dialog test"


def test_keys_that_land_nowhere_fail_the_step(x_display: Any, tmp_path: Path) -> None:
    # xmessage shows no typed text: nothing on the screen changes, and the step says so.
    with Agent.desktop(
        "xmessage -buttons OK 'Nothing to type into'", trace_dir=tmp_path, retries=0
    ) as ai:
        with pytest.raises(StepFailed, match="changed nothing"):
            ai.type("lost keys")


def test_menus_and_tooltips_are_not_the_window(x_display: Any, tmp_path: Path) -> None:
    with Agent.desktop("mousepad", window="Mousepad", trace_dir=None) as ai:
        env = ai.executor.env
        before = {w.id for w in list_windows(env)}
        ai.click("File")  # a GTK menu: an override-redirect popup over the window
        ai.expect("Save As")
        assert {w.id for w in list_windows(env)} == before
        chosen = find_window(env, "Mousepad", program=ai.executor.program)
        assert chosen is not None and "Mousepad" in chosen.title
        ai.press("Escape")


def test_a_checkbox_click_must_show_the_box_flipped(tmp_path: Path) -> None:
    # Mousepad's Find and Replace check boxes are bound to GTK settings. With no session bus
    # to store them (a bare virtual display) a ticked box springs back at once: the click
    # changed pixels (the focus ring) and used to pass, and "Replace all" then replaced one
    # of two words. gui-agent now keeps GTK settings in memory on its own virtual displays,
    # so the box stays ticked; with the settings store forced back, the step fails.
    essay = tmp_path / "essay.txt"
    essay.write_text("colour\n")
    command = f"mousepad {essay}"
    with Agent.desktop(command, window="Mousepad", display="virtual", trace_dir=None) as ai:
        ai.press("Control+R")
        ai.type("colour", into="Search for")
        ai.click("the Match case checkbox")
    with (
        environ(GSETTINGS_BACKEND="dconf"),
        Agent.desktop(
            command, window="Mousepad", display="virtual", trace_dir=None, retries=0
        ) as ai,
    ):
        ai.press("Control+R")
        ai.type("colour", into="Search for")
        # The focus ring moves to the box, or some runs nothing shows at all: either way
        # the step fails.
        with pytest.raises(StepFailed, match="left the checkbox as it was|changed nothing"):
            ai.click("the Match case checkbox")


def test_a_slice_of_the_desktop_corpus_passes_with_no_false_pass(tmp_path: Path) -> None:
    # The whole corpus is a benchmark (benchmarks/desktop_realworld.py, several programs,
    # window managers and font set-ups); three of its tasks run here, outcomes read outside.
    from benchmarks.desktop_realworld.runner import CORPUS, run_variant

    names = ("mousepad/save_as", "zenity/checklist_chores", "zenity/account_form")
    tasks = [(name, CORPUS / f"{name}.yaml") for name in names]
    rows = run_variant("none", "built-in", tasks, tmp_path)
    assert [(r["task"], r["passed"], r["false_pass"]) for r in rows] == [
        (name, True, False) for name in names
    ], [r["cause"] for r in rows]
