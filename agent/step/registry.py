"""The verb registry's entry type: everything about one verb, in one place.

A verb is one :class:`Verb`: its argument model, the field a plain string fills, how the trace
and the console describe it, whether it waits on its own, the targets it will ask for (so one
model call can ground a form's next steps) and the handler that runs it. The task-file schema,
the Python API, prefetch and the console all read the registry (:data:`agent.step.catalog.VERBS`);
none keeps a list of verbs of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from agent.step.args import Args

if TYPE_CHECKING:
    from agent.step.context import StepRun

A = TypeVar("A", bound=Args)
Handler = Callable[["StepRun", A], Any]


def no_targets(args: Any) -> list[str]:
    """For verbs that ground nothing (keys, waits, checks)."""
    return []


@dataclass(frozen=True)
class Verb(Generic[A]):
    """One task-file verb.

    Attributes:
        name: The key in a task file (``click``).
        args: Its argument model.
        shorthand: The field a plain string (``- click: Sign in``) fills, or None.
        handler: Runs one try of the step; returns its output (``extract``) or None.
        describe: The step's target as one line, for the trace and the console.
        targets: The described elements the step grounds (for one call over several steps).
        polls: It waits on its own until its timeout, so it is not retried.
        timeout: A default timeout shorter than the task's (``expect``: 5 s), or None.
        method: The Agent method that runs it (``goal`` is ``Agent.act``).
    """

    name: str
    args: type[A]
    shorthand: str | None
    handler: Handler[A]
    describe: Callable[[A], str]
    targets: Callable[[A], list[str]] = no_targets
    polls: bool = False
    timeout: float | None = None
    method: str = ""


class Registry(dict[str, "Verb[Any]"]):
    """Verbs by name, in the order they were declared (the order the schema lists them)."""

    def verb(
        self,
        name: str,
        args: type[A],
        *,
        shorthand: str | None,
        describe: Callable[[A], str],
        targets: Callable[[A], list[str]] = no_targets,
        polls: bool = False,
        timeout: float | None = None,
        method: str | None = None,
    ) -> Callable[[Handler[A]], Handler[A]]:
        """Declare a verb whose handler is the decorated function."""

        def register(handler: Handler[A]) -> Handler[A]:
            if name in self:
                raise ValueError(f"verb {name!r} is declared twice")
            self[name] = Verb(
                name=name, args=args, shorthand=shorthand, handler=handler, describe=describe,
                targets=targets, polls=polls, timeout=timeout, method=method or name,
            )  # fmt: skip
            return handler

        return register
