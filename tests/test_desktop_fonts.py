"""xcalc under the X core font set-ups real desktops have (built from Debian's font packages,
not installed: ``benchmarks/font_setups.py``). Installing xfonts-base or fonts-urw-base35 gives
xcalc other glyphs: "÷" for divide, a "!" apart from its "x", bitmap digits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.display import VirtualDisplay, environ
from agent.api import Agent
from agent.errors import StepFailed
from benchmarks.font_setups import FontsUnavailable, font_path


@pytest.fixture(scope="module", params=["xfonts-base", "urw-base35", "all"])
def font_display(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A virtual display whose core fonts are one set-up's; yields (set-up, display name)."""
    try:
        folders = font_path(request.param)
    except FontsUnavailable as exc:
        pytest.skip(f"font set-up {request.param!r} cannot be built here: {exc}")
    with (
        VirtualDisplay((1024, 768), font_path=folders) as virtual,
        environ(DISPLAY=virtual.name, XAUTHORITY=virtual.xauthority),
    ):
        yield request.param, virtual.name


def test_xcalc_computes_under_every_font_setup(font_display: Any, tmp_path: Path) -> None:
    setup, display = font_display
    with Agent.desktop("xcalc", window="Calculator", display=display, trace_dir=tmp_path) as ai:
        for key in "1234567890":
            ai.click(key)
        ai.expect("1234567890")  # every digit key landed, in order
        for key in ("AC", "6", "*", "7", "="):
            ai.click(key, verify=key != "*")
        ai.expect("42")
        # "x!" is an "x" and a "!" a few pixels apart: one key, not a "1" beside an "x".
        for key in ("AC", "3", "x!"):
            ai.click(key)
        ai.expect("6")
        ai.click("AC")
        ai.click("8")
        if setup == "xfonts-base":
            # No symbol font: the divide key shows a stray ",", and "/" is only inside "1/x",
            # "CE/C" and "+/-". The step says so instead of pressing one of them.
            with pytest.raises(StepFailed, match="AmbiguousTarget"):
                ai.click("/")
            return
        for key in ("/", "2", "="):  # the key shows "÷"
            ai.click(key, verify=key != "/")
        ai.expect("4")


def test_a_sentence_and_buttons_are_read_under_every_font_setup(
    font_display: Any, tmp_path: Path
) -> None:
    # In URW Gothic the label reader reads "Remove all fles?"; the detector reads the sentence
    # right, and both readings of the place are kept.
    _, display = font_display
    command = "xmessage -print -buttons Keep,Delete 'Remove all files?'"
    with Agent.desktop(command, display=display, trace_dir=tmp_path) as ai:
        ai.expect("Remove all files?")
        ai.click("Delete")
    # xmessage -print writes the label of the button pressed (after any font warnings)
    assert next(tmp_path.glob("*/program.log")).read_text().splitlines()[-1] == "Delete"
