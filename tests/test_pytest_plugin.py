"""The pytest plugin, tested with pytester in subprocesses (each its own Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, TASKS

pytest_plugins = ["pytester"]

LOGIN = (TASKS / "sites" / "login.html").as_uri()


def test_the_ai_fixture_works_over_pytest_playwrights_page(pytester: pytest.Pytester) -> None:
    # Playwright's own Chromium is not installed here: the plugin points at the system one.
    pytester.makepyfile(
        f"""
        def test_login(page, ai):
            page.goto("{LOGIN}")
            ai.type("alice", into="Username")
            ai.type("hunter2", into="Password")
            ai.click("Sign in")
            ai.expect("Welcome, alice")
            assert ai.trace_path.exists()
        """
    )
    traces = pytester.path / "traces"
    result = pytester.runpytest_subprocess("--agent-trace-dir", str(traces))
    result.assert_outcomes(passed=1)
    # (pytest-base-url, a pytest-playwright dependency, warns about its own fixture; ours not.)
    assert "'browser_type_launch_args' fixture" not in result.stdout.str()
    (trace,) = traces.glob("*/trace.json")
    assert '"status": "passed"' in trace.read_text()


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## pytest\n", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(TASKS / "sites", pytester.path / "tasks" / "sites")
    pytester.makepyfile(test_login=block)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_options_ini_and_marker_precedence(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nagent_engine = offline\nagent_trace_dir = from-ini\n")
    pytester.makepyfile(
        """
        import pytest

        def test_ini(ai):
            assert ai.engine.name == "offline"
            assert "from-ini" in str(ai.trace_path)

        @pytest.mark.agent(engine="auto", trace_dir="from-marker")
        def test_marker(ai):
            assert ai.engine.name == "auto"
            assert "from-marker" in str(ai.trace_path)
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=2)
    result = pytester.runpytest_subprocess("--agent-engine", "auto", "-k", "test_ini")
    result.assert_outcomes(failed=1)  # the command line beats the ini file
    result.stdout.fnmatch_lines(["*assert 'auto' == 'offline'*"])


def test_a_failing_test_reports_the_step_screenshot_and_trace(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        def test_checkout(page, ai):
            page.goto("{LOGIN}")
            ai.click("Proceed to checkout")
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*gui-agent*",
            "failing step: 1 click Proceed to checkout: ElementNotFound: nothing matches*",
            "screenshot: *step-001.jpg",
            "trace: *trace.json",
        ]
    )


def test_the_failure_is_attached_to_pytest_html(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        def test_checkout(page, ai):
            page.goto("{LOGIN}")
            ai.click("Proceed to checkout")
        """
    )
    result = pytester.runpytest_subprocess("--html", "report.html")
    result.assert_outcomes(failed=1)
    html = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert "gui-agent trace" in html and "trace.json" in html
    assert "step-001.jpg" in html


def test_task_files_are_collected_as_tests_when_asked(pytester: pytest.Pytester) -> None:
    shutil.copytree(TASKS / "sites", pytester.path / "sites")
    shutil.copy(TASKS / "login.yaml", pytester.path / "login.yaml")
    (pytester.path / "broken.yaml").write_text(
        "name: Broken\nbrowser: {url: sites/login.html}\nsteps:\n  - clik: Sign in\n"
    )
    (pytester.path / "config.yaml").write_text("settings: {colour: blue}\n")
    result = pytester.runpytest_subprocess("--agent-tasks", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*broken.yaml::broken FAILED*", "*login.yaml::login PASSED*"])
    result.stdout.fnmatch_lines(["*broken.yaml:4:5: unknown verb 'clik'*"])
    assert "config.yaml" not in result.stdout.str()
    without = pytester.runpytest_subprocess()
    assert "login.yaml" not in without.stdout.str()


def test_pytest_xdist_gives_each_worker_its_own_browser(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.parametrize("user", ["alice", "bob", "carol", "dave"])
        def test_login(page, ai, user):
            page.goto("{LOGIN}")
            ai.type(user, into="Username")
            ai.type("hunter2", into="Password")
            ai.click("Sign in")
            ai.expect(f"Welcome, {{user}}")
        """
    )
    result = pytester.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_the_entry_point_is_installed() -> None:
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get("gui_agent") == "agent.pytest_plugin"
    assert Path(__file__).exists()


def test_the_cache_option_replays_the_second_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_shop=f"""
        def test_login(page, ai):
            page.goto("{LOGIN}")
            ai.type("alice", into="Username")
            ai.type("hunter2", into="Password")
            ai.click("Sign in")
            ai.expect("Welcome, alice")
            print("cache:", [s.cache for s in ai.trace.steps])
        """
    )
    first = pytester.runpytest_subprocess("--agent-cache", "read-write", "-s")
    first.assert_outcomes(passed=1)
    assert "cache: ['live', 'live', 'live', None]" in first.stdout.str()
    cache_file = pytester.path / "gui-agent-cache" / "test_shop" / "test-login-chromium.cache.yaml"
    assert cache_file.exists()
    pytester.makeini("[pytest]\nagent_cache = read-only\n")
    again = pytester.runpytest_subprocess("-s")
    again.assert_outcomes(passed=1)
    assert "cache: ['hit', 'hit', 'hit', None]" in again.stdout.str()


def test_the_fixtures_take_secrets_and_no_output_shows_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_PASSWORD", "Osprey-5512-pw")
    pytester.makepyfile(
        f"""
        import os
        import pytest

        @pytest.mark.agent(secrets=["SHOP_PASSWORD"])
        def test_checkout(page, ai):
            page.goto("{LOGIN}")
            ai.type("${{SHOP_PASSWORD}}", into="Password")
            assert page.input_value("#password") == os.environ["SHOP_PASSWORD"]  # really typed
            ai.click("Proceed to checkout")
        """
    )
    traces = pytester.path / "traces"
    result = pytester.runpytest_subprocess(
        "--agent-trace-dir", str(traces), "--junitxml", "junit.xml", "-vv"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*failing step: 2 click Proceed to checkout*"])
    shown = result.stdout.str() + result.stderr.str() + (pytester.path / "junit.xml").read_text()
    shown += "".join(p.read_text("latin-1") for p in traces.rglob("*") if p.is_file())
    assert "osprey" not in shown.lower()
    pytester.makepyfile(unset="def test_unset(ai):\n    pass\n")
    result = pytester.runpytest_subprocess("unset.py", "--agent-secrets", "NOT_SET_ANYWHERE")
    assert result.ret != 0
    assert "gui-agent secrets: secret NOT_SET_ANYWHERE is not set" in result.stdout.str()
