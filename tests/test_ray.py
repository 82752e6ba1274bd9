"""`agent run --ray`: the example task files as Ray tasks on a local cluster started here; the
summary matches `--workers`, traces come back under --out, step lines stream as they happen."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import write_task

TASKS = ROOT / "tasks"
RAY = Path(sys.executable).parent / "ray"


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A local Ray head (2 CPUs) on 127.0.0.1; its address and home. Stopped after the
    module."""
    assert RAY.exists(), "Ray is missing: pip install 'gui-agent[ray]' (make test installs it)"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    temp = tmp_path_factory.mktemp("ray")
    env = _ray_env(temp)
    subprocess.run(
        [str(RAY), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
         "--num-cpus", "2", "--include-dashboard", "false", "--temp-dir", str(temp),
         "--disable-usage-stats"],
        check=True, capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    try:
        yield f"127.0.0.1:{port}", temp
    finally:
        subprocess.run([str(RAY), "stop", "--force"], capture_output=True, timeout=120, env=env)


def _ray_env(home: Path) -> dict[str, str]:
    """The cluster's and its driver's environment: a home of their own, because Ray keeps an
    auth token in ~/.ray that a local cluster started earlier (``--ray`` without an address)
    leaves behind, and a `ray start` cluster then refuses the driver."""
    return {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "HOME": str(home), "COLUMNS": "200"}


def _agent(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = _ray_env(home) if home else {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=600, check=False, env=env,
    )  # fmt: skip


def test_the_examples_run_on_a_ray_cluster_as_with_workers(
    ray_cluster: tuple[str, Path], tmp_path: Path
) -> None:
    address, home = ray_cluster
    failing = write_task(tmp_path, "fail", "retries: 0\nsteps:\n  - click: Nowhere button\n")
    files = [str(TASKS / "login.yaml"), str(TASKS / "todo.yaml"), str(failing)]
    options = ["--engine", "offline", "--cache", "off"]
    out = str(tmp_path / "r")
    on_ray = _agent("run", *files, *options, "--ray", address, "--out", out, home=home)
    pooled = _agent("run", *files, *options, "--workers", "3", "--out", str(tmp_path / "p"))
    assert on_ray.returncode == pooled.returncode == 1, (on_ray.stdout + on_ray.stderr)[-3000:]

    def summary(output: str) -> list[list[str]]:
        """Each task's status and file, in order (traces differ only in their folder)."""
        lines = output.split("summary", 1)[1].strip().splitlines()
        return [line.split("trace:")[0].split() for line in lines]

    assert summary(on_ray.stdout) == summary(pooled.stdout)
    assert "2 passed, 1 failed" in on_ray.stdout
    # step lines streamed, each with its task file's name
    assert "login.yaml:" in on_ray.stdout and "✓ 1/" in on_ray.stdout
    streamed = [
        line for line in on_ray.stdout.splitlines() if ".yaml:" in line and "trace:" in line
    ]
    assert len(streamed) == 3 and all(str(tmp_path / "r") in line for line in streamed)
    traces = sorted(p.parent.name.rsplit("-", 2)[0] for p in (tmp_path / "r").glob("*/trace.json"))
    assert traces == ["fail", "log-in-to-the-demo-shop", "manage-a-to-do-list"]
    assert all((p.parent / "report.html").exists() for p in (tmp_path / "r").glob("*/trace.json"))


def test_without_ray_the_error_says_how_to_get_it(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("ray") is not None:
        blocker = tmp_path / "ray"
        blocker.mkdir()
        (blocker / "__init__.py").write_text("raise ImportError('no ray here')\n")
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "run", str(TASKS / "login.yaml"), "--ray"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode != 0
    assert "pip install 'gui-agent[ray]'" in result.stdout + result.stderr
