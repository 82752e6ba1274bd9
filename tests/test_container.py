"""The container image for ``agent serve``: its Dockerfile passes hadolint, it installs what the
package needs, and the server it starts cannot listen beyond loopback without a token. (No
Docker engine runs here: the image itself is not built.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint is missing: pip install 'gui-agent[test]'"
    return found


def test_the_dockerfile_passes_the_linter() -> None:
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linter_catches_what_it_should(tmp_path: Path) -> None:
    """The check above can fail: an unpinned, root, shell-form image is refused."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nCMD agent serve\n")
    result = subprocess.run(
        [_hadolint(), str(bad)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_the_image_copies_every_package_and_serves_off_loopback_with_a_token() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.split(".")[0] for p in project["tool"]["setuptools"]["packages"]}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", text, re.MULTILINE))
    assert packages <= copied, f"not copied into the image: {packages - copied}"
    entry = re.search(r"^ENTRYPOINT (.+)$", text, re.MULTILINE)
    assert entry is not None and '"--host", "0.0.0.0"' in entry.group(1)
    assert "EXPOSE 7860" in text and "USER 1000" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv*" in ignored and ".git" in ignored and "runs" in ignored


def test_serving_beyond_loopback_without_a_token_is_refused(tmp_path: Path) -> None:
    """What the image's entry point runs when `docker run` forgets -e GUI_AGENT_TOKEN."""
    env = {k: v for k, v in os.environ.items() if k != "GUI_AGENT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "serve", "--host", "0.0.0.0", "--port", "0",
         "--runs", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert result.returncode != 0
    assert "GUI_AGENT_TOKEN" in result.stderr + result.stdout
