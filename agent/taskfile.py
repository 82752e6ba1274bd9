"""Reading task files: safe YAML, ``${NAME}`` from the environment, errors with file:line:col.

No input, however broken, produces a traceback: every problem becomes a
:class:`~agent.errors.TaskFileError` whose lines read ``login.yaml:4:5: what was wrong``.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from agent.errors import TaskFileError
from agent.secrets import Secrets
from agent.task import VERBS, Task

_ENV = re.compile(r"\$(\$)?\{([^}]*)\}")
_MAX_BYTES = 5_000_000
_MAX_PROBLEMS = 10
MAX_VALUES = 100_000
"""The most values a task file may hold once its aliases are expanded (``*a`` repeats what
``&a`` names: nested, a few hundred bytes could stand for billions)."""
MAX_DEPTH = 40
"""The deepest nesting of lists and mappings a task file may have."""


class _TooBig(Exception):
    """The file expands past :data:`MAX_VALUES` or nests past :data:`MAX_DEPTH`."""


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
Path_ = tuple[str | int, ...]


@dataclass
class LoadedTask:
    """A validated task and where it came from.

    Attributes:
        task: The validated task.
        path: The task file.
        marks: ``(line, column)`` (1-based) of every key and list item, by its path.
        secrets: The declared secrets' values (the steps keep their ``${NAME}`` placeholders).
    """

    task: Task
    path: Path
    marks: dict[Path_, tuple[int, int]]
    secrets: Secrets = field(default_factory=Secrets)

    def where(self, *path: str | int) -> str:
        """``file:line:col`` of the deepest known part of ``path``."""
        return _where(self.path, self.marks, path)


def _where(file: Path, marks: Mapping[Path_, tuple[int, int]], path: Path_) -> str:
    for end in range(len(path), -1, -1):
        if path[:end] in marks:
            line, col = marks[path[:end]]
            return f"{file.name}:{line}:{col}"
    return f"{file.name}:1:1"


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the file"


class _Reader:
    """Builds plain data from YAML nodes, recording marks and expanding ``${NAME}``."""

    def __init__(self, file: Path, env: Mapping[str, str], secret_names: set[str]) -> None:
        self.file = file
        self.env = env
        self.secret_names = secret_names
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.value_marks: dict[Path_, tuple[int, int]] = {}
        self.problems: list[str] = []
        self.loader: yaml.SafeLoader | None = None
        self.built = 0

    def _mark(self, path: Path_, node: yaml.Node) -> None:
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)

    def _problem(self, path: Path_, message: str) -> None:
        self.problems.append(f"{_where(self.file, self.marks, path)}: {message}")

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.built += 1
        if self.built > MAX_VALUES:
            raise _TooBig(f"more than {MAX_VALUES} values once its aliases are expanded", node)
        if len(path) > MAX_DEPTH:
            raise _TooBig(f"nested more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
            # Collections are walked here, not by the safe constructor: refuse tags ourselves.
            raise yaml.constructor.ConstructorError(
                None, None, f"tag {node.tag!r} is not allowed (plain YAML only)", node.start_mark
            )
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._mark(path, key_node)
                    self._problem(path, "keys must be plain words")
                    continue
                key = str(key_node.value)
                self._mark((*path, key), key_node)
                if isinstance(value_node, yaml.ScalarNode):
                    mark = value_node.start_mark
                    self.value_marks[path + (key,)] = (mark.line + 1, mark.column + 1)
                if key in out:
                    self._problem((*path, key), f"duplicate key {key!r} in {_dotted(path)}")
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self._mark((*path, index), item)
                items.append(self.build(item, (*path, index)))
            return items
        assert self.loader is not None
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, str):
            return self._expand(value, path)
        return value

    def _expand(self, text: str, path: Path_) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(1):  # $${X} stays literally ${X}
                return "${" + match.group(2) + "}"
            name = match.group(2)
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                self._problem(path, f"${{{name}}} is not a valid variable name")
                return match.group(0)
            if name not in self.env:
                what = "secret" if name in self.secret_names else "environment variable"
                self._problem(path, f"{what} {name} is not set (used as ${{{name}}})")
                return match.group(0)
            if name in self.secret_names:
                return match.group(0)  # the value goes in only when it is typed
            return self.env[name]

        return _ENV.sub(replace, text)


def load_task(path: str | Path, *, env: Mapping[str, str] | None = None) -> LoadedTask:
    """Read, expand and validate a task file.

    Raises:
        TaskFileError: The file is missing, unreadable, not YAML, or not a valid task; each
            problem names the file, line and column, what was found and what was expected.
    """
    file = Path(path)
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):  # a device or a pipe could be read forever
            raise TaskFileError([f"{file}: not a regular file (a task file is a YAML file)"])
        if info.st_size > _MAX_BYTES:
            raise TaskFileError([f"{file}: too large ({info.st_size} bytes; at most 5 MB)"])
        with file.open("rb") as handle:
            raw = handle.read(_MAX_BYTES + 1)
        if len(raw) > _MAX_BYTES:  # it grew since
            raise TaskFileError([f"{file}: too large (over 5 MB)"])
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TaskFileError([f"{file}: not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise TaskFileError([f"{file}: cannot read it: {exc.strerror or exc}"]) from None
    environment = os.environ if env is None else env
    reader = _Reader(file, environment, set())
    try:
        loader = yaml.SafeLoader(text)
        reader.loader = loader
        try:
            node = loader.get_single_node()
            reader.secret_names = _secret_names(node)
            data = reader.build(node, ()) if node is not None else None
        finally:
            loader.dispose()
    except _TooBig as exc:
        message, node = exc.args
        mark = node.start_mark
        raise TaskFileError([f"{file.name}:{mark.line + 1}:{mark.column + 1}: {message}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file.name}:{mark.line + 1}:{mark.column + 1}" if mark else file.name
        problem = exc.problem or exc.context or "invalid YAML"
        raise TaskFileError([f"{where}: YAML syntax error: {problem}"]) from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        raise TaskFileError([f"{file.name}: cannot read it as YAML: {exc}"]) from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise TaskFileError(
            [
                f"{file.name}:1:1: a task file is a mapping with name, browser and steps;"
                f" found {found}"
            ]
        )
    bad_steps = _check_steps(data, reader)
    task: Task | None = None
    try:
        task = Task.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors()[:_MAX_PROBLEMS]:
            if tuple(error["loc"][:2]) not in bad_steps:  # already explained better
                reader.problems.append(_explain(error, file, reader))
    except (RecursionError, ValueError, OverflowError) as exc:
        reader.problems.append(f"{file.name}:1:1: invalid task: {exc}")
    _check_targets(data, reader)
    if task is not None:
        _resolve_uploads(task, reader)
    if reader.problems or task is None:
        raise TaskFileError(reader.problems[:_MAX_PROBLEMS])
    secrets = Secrets({n: environment[n] for n in task.secrets or [] if n in environment})
    return LoadedTask(task=task, path=file, marks=reader.marks, secrets=secrets)


def _secret_names(node: yaml.Node | None) -> set[str]:
    """The names under a top-level ``secrets:`` list, read before anything is expanded."""
    if not isinstance(node, yaml.MappingNode):
        return set()
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "secrets":
            if isinstance(value, yaml.SequenceNode):
                return {str(v.value) for v in value.value if isinstance(v, yaml.ScalarNode)}
    return set()


def _check_steps(data: dict[str, Any], reader: _Reader) -> set[Path_]:
    """Clear messages for the step mistakes people make (pydantic's would be generic).

    Returns the paths of the steps explained here.
    """
    steps = data.get("steps")
    bad: set[Path_] = set()
    if not isinstance(steps, list):
        return bad
    for index, step in enumerate(steps):
        path: Path_ = ("steps", index)
        before = len(reader.problems)
        if isinstance(step, str):
            reader._problem(
                path,
                # Collapsed to one line: each problem is one line of file:line:col output.
                f"a step needs a verb, as in `- click: {' '.join(step.split())[:40]}`; "
                "found plain text "
                f"(free text for a model is `- goal: ...`). Verbs: {', '.join(VERBS)}",
            )
        elif not isinstance(step, dict) or not step:
            reader._problem(path, f"a step is a mapping `- verb: arguments`; found {_kind(step)}")
        else:
            unknown = [k for k in step if k not in VERBS]
            for key in unknown:
                hint = difflib.get_close_matches(key, VERBS, n=1)
                maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
                reader._problem(
                    (*path, key), f"unknown verb {key!r}{maybe}; valid verbs: {', '.join(VERBS)}"
                )
            if not unknown and len(step) > 1:
                reader._problem(
                    path,
                    f"a step has one verb; found {', '.join(step)}. Put each in its own `- ` item",
                )
        if len(reader.problems) > before:
            bad.add(path)
    return bad


def _resolve_uploads(task: Task, reader: _Reader) -> None:
    """Upload paths are relative to the task file: made absolute, and a missing file is a
    problem now, before anything runs."""
    for index, step in enumerate(task.steps):
        args = getattr(step, "upload", None)
        if args is None:
            continue
        files = []
        for name in args.paths():
            path = (reader.file.parent / Path(name).expanduser()).resolve()
            if not path.is_file():
                reader._problem(
                    ("steps", index, "upload", "file"),
                    f"upload: no such file {name!r} (looked for {path}); give a path relative "
                    "to the task file",
                )
            files.append(str(path))
        args.file = files if isinstance(args.file, list) else files[0]


def _check_targets(data: dict[str, Any], reader: _Reader) -> None:
    browser, desktop = data.get("browser"), data.get("desktop")
    if browser is None and desktop is None:
        reader._problem((), "a task needs a target: a `browser:` block (url) or a `desktop:` block")
    if browser is not None and desktop is not None:
        reader._problem(("desktop",), "a task runs in a browser or on a desktop, not both")
    url = browser.get("url") if isinstance(browser, dict) else None
    if isinstance(url, str) and url and "://" not in url:
        local = (reader.file.parent / url.split("#")[0].split("?")[0]).resolve()
        if not local.is_file():
            reader._problem(
                ("browser", "url"),
                f"browser.url: no such file {url!r} (looked for {local}); "
                "give a path relative to the task file, file://, or http(s)://",
            )


def _kind(value: Any) -> str:
    return "nothing" if value is None or value == {} else f"a {type(value).__name__}"


def _explain(error: Any, file: Path, reader: _Reader) -> str:
    loc: Path_ = tuple(error["loc"])
    # pydantic repeats a step's tag in the location (steps, 2, type, type, into): drop it.
    if len(loc) >= 4 and loc[0] == "steps" and loc[2] == loc[3]:
        loc = loc[:3] + loc[4:]
    kind = error["type"]
    # A wrong value points at the value; an unknown or missing field at the key or mapping.
    marks = (
        reader.marks
        if kind in ("extra_forbidden", "missing")
        else {**reader.marks, **reader.value_marks}
    )
    where = _where(file, marks, loc)
    if kind == "extra_forbidden":
        parent, field = loc[:-1], str(loc[-1])
        valid = _fields_at(parent)
        hint = difflib.get_close_matches(field, valid, n=1)
        maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
        place = _dotted(parent) if parent else "the top level"
        return (
            f"{where}: unknown field {field!r} in {place}{maybe}; valid fields: {', '.join(valid)}"
        )
    if kind == "missing":
        parent = loc[:-1]
        return f"{where}: {_dotted(parent) if parent else 'the task'} needs {loc[-1]!r}"
    found = error.get("input")
    shown = repr(found) if not isinstance(found, dict | list) else f"a {type(found).__name__}"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{where}: {_dotted(loc)}: {error['msg']} (found {shown})"


def _fields_at(path: Path_) -> list[str]:
    """The valid field names of the model at ``path`` (for 'valid fields: ...' hints)."""
    model: type[BaseModel] | None = Task
    if len(path) >= 3 and path[0] == "steps":
        model = VERBS[str(path[2])].args if str(path[2]) in VERBS else None
        path = path[3:]
    elif not path:
        path = ()
    for part in path:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        args = getattr(annotation, "__args__", (annotation,))
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if model is None:
        return []
    names = [field.alias or name for name, field in model.model_fields.items()]
    common = [n for n in names if n in ("timeout", "confirm")]  # every verb's: listed last
    return [n for n in names if n not in common] + common
