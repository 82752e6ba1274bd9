"""A fast slice of the real-application corpus (benchmarks/realworld.py): the harness starts
the application, runs task files through the agent and reads the outcome from the
application's own database, so a false pass would show here too."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from perception.offline import OfflineEngine
from tests.conftest import ROOT

pytest.importorskip("django")


def _harness() -> Any:
    # benchmarks/realworld.py beside the benchmarks/realworld/ corpus: loaded by its path.
    spec = importlib.util.spec_from_file_location(
        "realworld_bench", ROOT / "benchmarks/realworld.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_app = _harness().run_app


def test_django_admin_tasks_pass_and_their_outcomes_are_in_its_database(
    tmp_path: Path, browser: Any
) -> None:
    rows = run_app(
        "django_admin", OfflineEngine(), ["add_group", "staff_status"], tmp_path, browser=browser
    )
    assert [(r["task"], r["passed"], r["false_pass"]) for r in rows] == [
        ("add_group", True, False),
        ("staff_status", True, False),
    ], [r["cause"] for r in rows]


def test_a_task_whose_outcome_is_missing_is_counted_as_a_false_pass(
    tmp_path: Path, browser: Any
) -> None:
    # The corpus's own check reads the database: a run that passes without the change it
    # promised must count as a false pass, not a pass.
    import benchmarks.realworld.django_admin.app as django_app

    checks = dict(django_app.CHECKS)
    django_app.CHECKS["log_in"] = checks["add_group"]  # logging in adds no group
    try:
        (row,) = run_app("django_admin", OfflineEngine(), ["log_in"], tmp_path, browser=browser)
    finally:
        django_app.CHECKS.update(checks)
    assert row["agent"] == "passed" and row["false_pass"] and not row["passed"]
