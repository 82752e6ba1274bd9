"""Desktop automation on real X programs (xcalc, xmessage) and a Tk window of ours, under an
Xvfb the tests start; and the import guard, in fresh processes as a user would meet it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from actions.desktop import _key_names
from agent.api import Agent
from agent.errors import StepFailed
from agent.runner import run_task
from agent.taskfile import load_task
from perception.offline import OfflineEngine
from tests.conftest import ROOT, TASKS

pytest_plugins = ["pytester"]

FORM = ROOT / "tests" / "fixtures" / "desktop" / "unicode_form.py"
TOGGLES = ROOT / "tests" / "fixtures" / "desktop" / "toggles_form.py"


def _task(tmp_path: Path, body: str) -> Any:
    path = tmp_path / "task.yaml"
    path.write_text(body, encoding="utf-8")
    return load_task(path)


def test_every_digit_key_of_xcalc_is_found_and_pressed(x_display: Any, tmp_path: Path) -> None:
    with Agent.desktop("xcalc", window="Calculator", trace_dir=tmp_path) as ai:
        for key in "1234567890":
            ai.click(key)
        ai.expect("1234567890")  # only the display can show it: every key landed, in order
        for key in ("AC", "9", "*", "8", "="):
            ai.click(key, verify=key != "*")  # xcalc shows nothing for an operator
        ai.expect("72")
        shot = ai.executor.capture()
        assert shot.source == "Calculator" and shot.size[0] < 400  # the window, not the screen
    trace = json.loads(next(tmp_path.glob("*/trace.json")).read_text())
    assert trace["status"] == "passed" and trace["target"]["display"] == x_display.name
    assert {s["engine"] for s in trace["steps"]} == {"offline/ocr"}


def test_a_dialog_button_is_clicked_by_its_label(x_display: Any, tmp_path: Path) -> None:
    # xmessage -print writes the label of the button pressed, then exits.
    loaded = _task(
        tmp_path,
        "name: dialog\n"
        "desktop: {launch: 'xmessage -print -buttons Keep,Delete \"Remove all files?\"'}\n"
        "steps:\n  - expect: Remove all files?\n  - click: Delete\n",
    )
    trace, path = run_task(loaded, engine=OfflineEngine(), out=tmp_path)
    assert trace.status == "passed", trace.error or trace.steps
    assert "Delete" in (path.parent / "program.log").read_text().splitlines()
    assert trace.steps[1].element is not None
    assert trace.steps[1].element["text"] == "Delete"


def test_unicode_text_is_typed_into_a_tk_field_replacing_its_text(
    x_display: Any, tmp_path: Path
) -> None:
    out = tmp_path / "saved.txt"
    text = "Grüße aus Köln — 東京 ✓"
    loaded = _task(
        tmp_path,
        "name: unicode\n"
        f"desktop: {{launch: '{sys.executable} {FORM} {out}', window: Unicode form}}\n"
        f"steps:\n  - type: {{text: '{text}', into: old text}}\n"
        "  - click: Save\n  - expect: Saved\n",
    )
    trace, _ = run_task(loaded, engine=OfflineEngine(), out=tmp_path)
    assert trace.status == "passed", trace.error or [s.error for s in trace.steps]
    assert out.read_text(encoding="utf-8") == text


def test_a_click_that_changes_nothing_is_retried_then_reported(
    x_display: Any, tmp_path: Path
) -> None:
    loaded = _task(
        tmp_path,
        "name: inert\nretries: 1\n"
        "desktop: {launch: 'xmessage -buttons OK \"Nothing happens here\"', window: xmessage}\n"
        "steps:\n  - click: Nothing happens here\n  - click: OK\n",
    )
    trace, path = run_task(loaded, engine=OfflineEngine(), out=tmp_path)
    first = trace.steps[0]
    assert trace.status == "failed" and first.status == "failed"
    assert first.attempts == 2 and "changed nothing" in (first.error or "")
    assert trace.steps[1].status == "skipped"
    assert (path.parent / "report.html").exists()


def test_expect_reads_the_screen_until_its_timeout(x_display: Any, tmp_path: Path) -> None:
    with Agent.desktop("xcalc", window="Calculator", trace_dir=tmp_path) as ai:
        ai.click("4")
        ai.expect("4")
        with pytest.raises(StepFailed, match="'41' not visible after 1 s"):
            ai.expect("41", timeout=1)


def test_two_virtual_displays_in_one_process_each_get_their_clicks(
    x_display: Any, tmp_path: Path
) -> None:
    with (
        Agent.desktop("xcalc", window="Calculator", trace_dir=tmp_path) as first,
        Agent.desktop("xcalc", window="Calculator", display="virtual", trace_dir=None) as second,
    ):
        assert second.executor.display != first.executor.display
        first.click("7")
        second.click("3")
        first.click("8")
        first.expect("78")
        second.expect("3")


def test_the_example_runs_on_a_virtual_display_it_starts_and_stops(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY")}
    result = subprocess.run(
        # read-only, as in CI: the run does not rewrite the example's cache in the repository
        [sys.executable, "-m", "agent.cli", "run", str(TASKS / "desktop_calculator.yaml"),
         "--out", str(tmp_path), "--cache", "read-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed: 6/6 steps" in result.stdout
    assert "xauthority" not in result.stdout.lower()
    trace = json.loads(next(tmp_path.glob("*/trace.json")).read_text())
    assert trace["target"]["virtual"] is True
    number = trace["target"]["display"].lstrip(":")
    assert not Path(f"/tmp/.X{number}-lock").exists(), "the virtual display was left running"


# -- the import guard, in fresh processes ---------------------------------------------------------
GUARD = """
import sys
from actions.desktop import DesktopExecutor
assert "pyautogui" not in sys.modules, "importing the executor must not import pyautogui"
try:
    DesktopExecutor(sys.argv[1])
except Exception as exc:
    print(type(exc).__name__, exc)
else:
    print("no error")
"""


def _guard(display: str, env: dict[str, str], pythonpath: str = "") -> str:
    env = {**env, "PYTHONPATH": os.pathsep.join(p for p in (pythonpath, str(ROOT)) if p)}
    result = subprocess.run(
        [sys.executable, "-c", GUARD, display], capture_output=True, text=True, timeout=60,
        env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY")}
    return {**env, **extra}


def test_guard_without_a_display() -> None:
    out = _guard("", _env())
    assert out.startswith("DisplayUnavailable no display: DISPLAY is not set")
    assert "apt-get install -y xvfb" in out


def test_guard_without_an_x_authority_file(x_display: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    out = _guard(x_display.name, _env(DISPLAY=x_display.name, XAUTHORITY=str(missing)))
    assert out.startswith(f"DisplayUnavailable no X authority file at {missing}")
    assert f"touch {missing}" in out


def test_guard_with_a_display_nobody_runs(x_display: Any) -> None:
    out = _guard(":4321", _env(XAUTHORITY=x_display.xauthority))
    assert out.startswith("DisplayUnavailable cannot reach X display :4321")


def test_guard_without_tkinter(x_display: Any, tmp_path: Path) -> None:
    # A Python whose tkinter is broken, as on a system without python3-tk: mouseinfo, which
    # pyautogui imports, then calls sys.exit.
    shim = tmp_path / "shim" / "tkinter"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('No module named _tkinter')\n")
    env = _env(DISPLAY=x_display.name, XAUTHORITY=x_display.xauthority)
    out = _guard(x_display.name, env, pythonpath=str(shim.parent))
    assert out.startswith("DisplayUnavailable pyautogui could not start")
    assert "tkinter" in out


def test_key_chords_use_pyautogui_names() -> None:
    assert _key_names("Control+A") == ["ctrl", "a"]
    assert _key_names("Shift+ArrowDown") == ["shift", "down"]
    assert _key_names("Enter") == ["enter"]
    assert _key_names("A") == ["A"]
    assert _key_names("+") == ["+"]


# -- the Python API and the pytest plugin ---------------------------------------------------------
def test_the_readme_desktop_example_runs_as_a_script(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    block = next(b for b in blocks if "Agent.desktop(" in b)
    script = tmp_path / "calc.py"
    script.write_text(block, encoding="utf-8")
    # No DISPLAY: the script starts (and stops) its own virtual display.
    env = {**_env(), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    trace = json.loads(next((tmp_path / "runs").glob("*/trace.json")).read_text())
    assert trace["status"] == "passed" and len(trace["steps"]) == 6


def test_the_desktop_ai_fixture_starts_the_marked_program(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.agent(launch="xcalc", window="Calculator")
        def test_product(desktop_ai):
            for key in "6*7=":
                desktop_ai.click(key, verify=key != "*")
            desktop_ai.expect("42")

        @pytest.mark.agent(launch="xcalc", window="Calculator", engine="offline")
        def test_wrong(desktop_ai):
            desktop_ai.click("3")
            desktop_ai.expect("35", timeout=0.5)
        """
    )
    result = pytester.runpytest_subprocess("--agent-display", "virtual", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*failing step: 2 expect 35*not visible*", "*screenshot: *.jpg"])


def test_a_window_capture_carries_its_origin_and_clicks_land_in_it(
    x_display: Any, tmp_path: Path
) -> None:
    out = tmp_path / "saved.txt"
    launch = f"{sys.executable} {FORM} {out}"  # the form asks for its window at +40+40
    with Agent.desktop(launch, window="Unicode form", trace_dir=None) as ai:
        shot = ai.executor.capture()
        assert shot.origin == (40, 40) and shot.size == (520, 160) and shot.scale == 1.0
        save = ai.locate("Save")
        assert save.box.y0 < 120  # in window pixels, not screen pixels
        ai.type("plain ASCII", into="old text")
        ai.click("Save")
        ai.expect("Saved")
    assert out.read_text(encoding="utf-8") == "plain ASCII"


def test_checkboxes_and_radio_buttons_are_found_beside_their_labels(
    x_display: Any, tmp_path: Path
) -> None:
    # Tk widgets whose words are separate labels: only the small box itself toggles.
    out = tmp_path / "choices.json"
    with Agent.desktop(
        f"{sys.executable} {TOGGLES} {out}", window="Toggles form", trace_dir=tmp_path
    ) as ai:
        ai.click('"Send a copy" checkbox')
        ai.click("the Express radio button")
        ai.click("Save")
        ai.expect("Saved")
        steps = ai.trace.steps
    assert json.loads(out.read_text()) == {"copy": True, "delivery": "express"}
    assert steps[0].element is not None and steps[0].element["role"] == "checkbox"
    assert steps[1].element is not None and steps[1].element["role"] == "radio"
    assert "box beside its label" in steps[0].notes


def test_tesseract_reads_a_label_rapidocr_may_doubt(x_display: Any) -> None:
    # The second reader on its own, on a real xcalc key: installed and working in CI.
    from perception.labels import _crop, _tesseract, find_labels

    with Agent.desktop("xcalc", window="Calculator", trace_dir=None) as ai:
        import numpy as np

        shot = ai.executor.capture()
        gray = np.asarray(shot.image.convert("L"))
        # Not "STO": in some fixed fonts its "O" is a "0" to any reader.
        key = ai.locate("RCL")
        (label,) = [lb for lb in find_labels(gray) if lb.box == key.box]
        reading = _tesseract(_crop(gray, label))
    assert reading is not None and reading[0] == "RCL" and reading[1] > 0.5


def test_a_program_that_exits_mid_run_fails_the_run_and_says_so(
    x_display: Any, tmp_path: Path
) -> None:
    loaded = _task(
        tmp_path,
        "name: quits\n"
        "desktop: {launch: 'xmessage -buttons Quit \"Quit me\"'}\n"
        # The second step reads the screen until the program is seen gone: a click there
        # could still land on the window while it closes.
        "steps:\n  - click: Quit\n  - expect: never\n  - click: Quit me\n",
    )
    trace, path = run_task(loaded, engine=OfflineEngine(), out=tmp_path)
    assert trace.status == "failed"
    assert [s.status for s in trace.steps] == ["passed", "failed", "skipped"]
    error = trace.steps[1].error or ""
    assert "TargetClosed" in error and "'xmessage -buttons Quit" in error
    assert "exited (status 101) during the run" in error
    assert trace.steps[1].attempts == 1  # not retried: the program is gone
    assert (path.parent / "report.html").exists()


def test_more_distinct_characters_than_spare_keycodes_are_typed_in_chunks(
    x_display: Any, tmp_path: Path
) -> None:
    from actions.x11_typing import _chunks, _runs, keysym_for

    greek = "αβγδεζηθικλμνξοπρστυφχψω ΑΒΓΔΕΖΗΘ"  # 32 distinct letters, Xvfb has 19 spare keys
    assert keysym_for("ö") == 0xF6 and keysym_for("東") == 0x01000000 + ord("東")
    assert _runs("ab çd") == [(True, "ab "), (False, "ç"), (True, "d")]
    assert all(len(set(c)) <= 5 for c in _chunks(greek, 5)) and "".join(_chunks(greek, 5)) == greek
    out = tmp_path / "saved.txt"
    with Agent.desktop(
        f"{sys.executable} {FORM} {out}", window="Unicode form", trace_dir=None
    ) as ai:
        ai.type(greek, into="old text")
        ai.click("Save")
        ai.expect("Saved")
    assert out.read_text(encoding="utf-8") == greek


class _Seeing(OfflineEngine):
    """The offline engine, keeping every image it is given (what a model would be sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []

    def locate(self, screenshot: Any, *args: Any, **kwargs: Any) -> Any:
        self.seen.append(screenshot)
        return super().locate(screenshot, *args, **kwargs)

    def find_text(self, screenshot: Any, *args: Any, **kwargs: Any) -> Any:
        self.seen.append(screenshot)
        return super().find_text(screenshot, *args, **kwargs)


def test_a_secret_on_a_desktop_is_blacked_out_in_its_field_and_where_it_is_echoed(
    x_display: Any, tmp_path: Path
) -> None:
    from PIL import Image

    from agent.secrets import secret_pattern
    from perception.ocr import RapidOcrReader
    from perception.screen import Screenshot

    secret = "Tangerine42"
    found = secret_pattern(secret)
    out = tmp_path / "saved.txt"
    engine = _Seeing()
    command = f"{sys.executable} {FORM} {out} --echo"
    with Agent.desktop(
        command, engine=engine, window="Unicode form", secrets={"CODE": secret}, trace_dir=tmp_path
    ) as ai:
        ai.type(secret, into="old text")
        ai.click("Save")
        ai.expect("Saved as")
        raw, _ = ai.executor.grab()
        shown = ai.executor.capture()
    assert out.read_text(encoding="utf-8") == secret  # typed for real
    reader = RapidOcrReader()
    unmasked = " ".join(line.text for line in reader.read(Screenshot(image=raw)))
    assert len(found.findall(unmasked)) == 2, unmasked  # the screen shows it twice
    saved = [Screenshot(image=Image.open(p).convert("RGB")) for p in tmp_path.rglob("step-*.jpg")]
    for shot in [shown, *engine.seen, *saved]:
        text = " ".join(line.text for line in reader.read(shot))
        assert not found.search(text), text
    assert len(engine.seen) >= 3 and saved
