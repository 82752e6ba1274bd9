"""The distribution: three top-level packages, a console script, and a light `import agent`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

HEAVY = ("torch", "transformers", "playwright", "pyautogui", "cv2", "onnxruntime", "rapidocr")


def test_import_agent_stays_light() -> None:
    code = (
        "import sys, agent, agent.task, agent.taskfile, agent.trace, actions, perception\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_wheel_holds_the_three_packages_and_the_script(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("gui_agent-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "agent = agent.cli:main" in archive.read(entry_points).decode()
    for package in ("agent", "agent/step", "actions", "perception"):
        assert f"{package}/__init__.py" in names
    assert not any(name.startswith("tests/") for name in names)
    # Import all three from the wheel itself, not from the source tree.
    code = (
        "import agent, actions, perception, agent.cli, agent.runner, agent.step.verbs\n"
        "print(agent.__file__, actions.__file__, perception.__file__, agent.step.verbs.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(wheel), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert all(path.startswith(str(wheel)) for path in out.stdout.split()), out.stdout
