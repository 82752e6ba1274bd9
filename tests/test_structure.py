"""The shape of the code: no import cycles, lower packages stay below, modules stay small, the
error tree is drawn and exported, and every place that lists the verbs lists the same ones."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import agent
import agent.errors
from agent.api import Agent
from agent.step.catalog import VERBS
from agent.task import STEP_MODELS, task_json_schema

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "actions", "perception")
MAX_LINES = 400

# Where the shared contracts live. `agent` (the top) may import anything. `actions` and
# `perception` may import each other only for the contracts: Screenshot and Box/Element
# (perception.screen, perception.elements) and the Action union and retry policies
# (actions.schema, actions.retry); from `agent` they may import the error tree only.
ALLOWED = {
    "actions": {"perception.screen", "perception.elements", "agent.errors"},
    "perception": {"actions.schema", "actions.retry", "agent.errors"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports at run time, anywhere in it (a function-level import
    is an import too), leaving out ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            if name in known:
                out.add(name)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    # `from agent.errors import X` runs agent/__init__ too, but that is the package's light
    # entry point (it imports only the error tree), not a dependency to follow.
    return {name: _imports(path, known) - {name, *PACKAGES} for name, path in modules.items()}


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = path[path.index(dep) :] + [dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_lower_packages_import_only_the_shared_contracts() -> None:
    wrong = []
    for name, deps in _graph().items():
        package = name.split(".")[0]
        if package == "agent":
            continue
        for dep in deps:
            if dep.split(".")[0] != package and dep not in ALLOWED[package]:
                wrong.append(f"{name} imports {dep}")
    assert not wrong, wrong


def test_library_modules_stay_small() -> None:
    big = {
        str(path.relative_to(ROOT)): lines
        for path in _modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def _error_classes() -> set[type[agent.AgentError]]:
    for name in _modules():  # a subclass defined anywhere must be found
        importlib.import_module(name)
    seen: set[type[agent.AgentError]] = set()
    todo = [agent.AgentError]
    while todo:
        cls = todo.pop()
        seen.add(cls)
        todo += cls.__subclasses__()
    return {c for c in seen if c.__module__.split(".")[0] in PACKAGES}


def test_every_error_is_in_the_drawn_tree_and_exported() -> None:
    tree = agent.errors.__doc__ or ""
    drawn = set(re.findall(r"[├└]── (\w+)", tree)) | {"AgentError"}
    for cls in _error_classes():
        assert cls.__module__ == "agent.errors", f"{cls.__name__} lives in {cls.__module__}"
        assert cls.__name__ in drawn, f"{cls.__name__} is not drawn in agent/errors.py"
        assert cls.__name__ in agent.__all__, f"{cls.__name__} is not in agent.__all__"
        assert getattr(agent, cls.__name__) is cls
    # and the tree draws each class under its real parent
    lines = tree.splitlines()
    root = next(line.index("AgentError") for line in lines if line.strip() == "AgentError")
    for line in lines:
        match = re.search(r"[├└]── (\w+)", line)
        if match:
            cls = getattr(agent.errors, match.group(1))
            depth = (line.index(match.group(0)) - root) // 4
            parents = [c.__name__ for c in cls.__mro__[1:] if issubclass(c, agent.AgentError)]
            assert len(parents) == depth + 1, f"{cls.__name__} drawn at the wrong depth"


def test_registry_schema_api_and_readme_name_the_same_verbs() -> None:
    verbs = list(VERBS)
    assert list(STEP_MODELS) == verbs
    schema = task_json_schema()
    in_schema = {
        next(iter(d["properties"])) for k, d in schema["$defs"].items() if k.endswith("Step")
    }
    assert in_schema == set(verbs)
    methods = {
        name
        for name, member in inspect.getmembers(Agent, inspect.isfunction)
        if not name.startswith("_")
    }
    for entry in VERBS.values():
        assert entry.method in methods, f"Agent has no method {entry.method!r} for {entry.name!r}"
        assert entry.handler.__doc__, f"the {entry.name} handler has no docstring"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", readme, flags=re.MULTILINE)
    documented = {v.strip("`") for row in table for v in row.split(", ")}
    assert set(verbs) <= documented, (
        f"verbs missing from the README's table: {set(verbs) - documented}"
    )
