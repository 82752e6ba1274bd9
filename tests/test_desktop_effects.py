"""On a desktop too, a click passes only on an effect of its own (a Tk window of ours,
tests/fixtures/desktop/effects_form.py, under the session's Xvfb): dead buttons beside a
ticking clock, a hover colour and a blinking caret fail; a checkbox and a counter pass."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from agent.api import Agent
from agent.errors import StepFailed
from tests.conftest import ROOT

FORM = ROOT / "tests" / "fixtures" / "desktop" / "effects_form.py"


def _form(tmp_path: Path, *args: str) -> Agent:
    out = tmp_path / "events.txt"
    command = " ".join([sys.executable, str(FORM), str(out), *args])
    return Agent.desktop(
        command, window="Effects form", trace_dir=tmp_path, retries=0, engine="offline"
    )


@pytest.mark.parametrize(
    ("target", "args"),
    [
        ("Export", ("clock",)),  # the clock ticks five times a second
        ("Help", ()),  # hovering recolours it
        ("Connect", ()),  # the field's caret blinks
    ],
)
def test_a_dead_button_fails_whatever_else_changes(
    x_display: Any, tmp_path: Path, target: str, args: tuple[str, ...]
) -> None:
    with _form(tmp_path, *args) as ai, pytest.raises(StepFailed) as failed:
        ai.click(f"{target} button")
    assert "changed nothing" in str(failed.value.cause), failed.value.step.notes
    assert (tmp_path / "events.txt").read_text() == ""


def test_small_real_effects_pass_while_the_clock_ticks(x_display: Any, tmp_path: Path) -> None:
    with _form(tmp_path, "clock") as ai:
        ai.click("Remember me")  # only its box changes
        ai.click("Like button")  # only a number elsewhere changes
        steps = ai.trace.steps
    assert (tmp_path / "events.txt").read_text().split("\n")[:2] == ["remember on", "like 4"]
    assert all(any(n.startswith("effects: ") for n in s.notes) for s in steps), steps
