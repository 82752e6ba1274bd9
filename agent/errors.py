"""The exception tree of gui-agent.

Every error the library raises on purpose derives from :class:`AgentError`::

    AgentError
    ├── UserError                  the input is wrong: fix the task file or the call
    │   ├── TaskFileError          a task file does not parse or validate (file:line:col)
    │   ├── UsageError             an argument or option is wrong
    │   ├── EngineCannotPlan       a goal step needs a vision-language model engine
    │   └── UnexpectedDialog       the page asked a question (confirm, prompt) the task does
    │                              not answer: it was dismissed, and the step fails
    ├── EnvironmentError_          something is missing on this machine
    │   ├── BrowserNotFound        no Chromium to launch
    │   ├── DisplayUnavailable     no X display, no X authority, no tkinter, no Xvfb
    │   ├── TargetClosed           the browser or desktop program went away mid-run
    │   ├── PageUnavailable        the start page did not load (refused, an error status,
    │   │                          a redirect outside allowed_domains)
    │   ├── TraceUnwritable        the output disk is full or read-only: no trace written
    │   ├── MissingDependency      an optional package (an extra) is not installed
    │   └── EndpointError          a model server cannot be reached or refuses (after retries)
    ├── ModelError                 the engine could not answer (recorded on the step, retried)
    │   ├── ElementNotFound        nothing on the screen matches the description
    │   ├── AmbiguousTarget        several elements match equally well: nothing is guessed
    │   ├── ModelOutputError       the model's text holds no usable answer (kept as ``raw``)
    │   ├── CoordinateError        the model's coordinates are off the grid or not numbers
    │   └── WorkLimitExceeded      the engine stopped at its work limit (agent serve's
    │                              --max-work-seconds): the image needs more than that
    ├── ActionError                an action ran but did not do what it promised (retried)
    │   ├── OccludedTarget         something else is on top of the click point
    │   └── VerificationFailed     the screen did not change the way the step promised
    ├── Refused                    a guard stopped a planned action (a secret the goal does
    │                              not name): not retried
    └── StepFailed                 (Python API) a step failed after its tries: carries the
                                   step, its screenshot and the trace, and the cause

Model and action errors are the ones the loop retries; anything else is a bug or a user error
and stops the run at once. Every class here is exported by ``agent`` (a test keeps the tree,
this module and ``agent.__all__`` the same).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class AgentError(Exception):
    """Root of every error gui-agent raises on purpose."""


class UserError(AgentError):
    """The input is wrong; the message says what was expected."""


class TaskFileError(UserError):
    """A task file is invalid. ``problems`` holds one ``file:line:col: message`` per problem."""

    def __init__(self, problems: list[str]) -> None:
        problems = sorted(problems, key=_position)
        self.problems = problems
        super().__init__("\n".join(problems))


def _position(problem: str) -> tuple[int, int]:
    """Sort key: the line and column of a ``file:line:col: message`` problem."""
    parts = problem.split(":", 3)
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


class UsageError(UserError):
    """A command-line argument or API argument is wrong."""


def usage_error(exc: ValidationError, what: str, *, skip: int = 0) -> UsageError:
    """A UsageError for a pydantic error: ``what: field.path: message`` (the first problem).

    ``skip`` drops leading parts of the field path (a step's verb, which ``what`` names).
    """
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"][skip:])
    return UsageError(f"{what}: {where}: {first['msg']}" if where else f"{what}: {first['msg']}")


class EnvironmentError_(AgentError):  # noqa: N801 - the builtin name is taken
    """Something this machine lacks (a browser, a display, an optional package)."""


class BrowserNotFound(EnvironmentError_):
    """No Chromium could be found to launch."""


class DisplayUnavailable(EnvironmentError_):
    """The desktop cannot be reached: no display, no X authority file, no tkinter, no Xvfb."""


class TargetClosed(EnvironmentError_):
    """The browser or the launched desktop program ended during the run."""


class PageUnavailable(EnvironmentError_):
    """The start page did not load: the connection was refused, it answered with an error,
    or it redirected outside ``allowed_domains``."""


class TraceUnwritable(EnvironmentError_):
    """The trace cannot be written (a full or read-only disk): the run's record is lost, so
    this is raised even where other environment errors are only recorded."""


class MissingDependency(EnvironmentError_):
    """An optional dependency is not installed; the message names the pip extra."""


class EndpointError(EnvironmentError_):
    """The model server could not be reached, or refused the request (after the retries)."""


class ModelError(AgentError):
    """The engine failed to produce a usable answer for this step."""


class ElementNotFound(ModelError):
    """Nothing on the screen matches the description well enough."""


class AmbiguousTarget(ModelError):
    """Several elements match the description equally well; the message lists them and the
    step acts on none (a model engine, when configured, is asked to tell them apart)."""


class ModelOutputError(ModelError):
    """The model's text holds no usable answer; ``raw`` keeps it for the trace."""

    def __init__(self, message: str, raw: str) -> None:
        self.raw = raw
        shown = raw if len(raw) <= 300 else raw[:300] + "..."
        super().__init__(f"{message}; the model said: {shown!r}")


class CoordinateError(ModelError):
    """The model gave coordinates off the grid (or not numbers): nothing is clicked."""


class EngineCannotPlan(UserError):
    """The engine cannot plan goal steps (the offline engine has no model)."""


class UnexpectedDialog(UserError):
    """The page opened a confirm or prompt dialog that neither a ``dialog`` step nor the
    task's ``dialogs`` policy answers; it was dismissed (nothing answered in the user's name)."""


class WorkLimitExceeded(ModelError):
    """The engine's work on one image went past its limit and was stopped (``agent serve``
    limits each request's work so that one costly image cannot hold the engine for minutes)."""


class ActionError(AgentError):
    """An action did not have the effect it promised."""


class OccludedTarget(ActionError):
    """Another element covers the click point."""


class VerificationFailed(ActionError):
    """The step's promise (a field's text, a changed page, a visible text) was not met."""


class Refused(AgentError):
    """A guard stopped an action the model planned (typing a secret its goal does not name)."""


class StepFailed(AgentError):
    """A step of a Python API run failed after its tries.

    Attributes:
        step: The step's trace record (verb, target, attempts, error, element...).
        screenshot: The step's last screenshot, when there is one.
        trace: The run's ``trace.json``, when traces are written.
        cause: The error that failed the step (an ElementNotFound, a VerificationFailed...).
    """

    def __init__(self, message: str, *, step: Any, screenshot: Any, trace: Any, cause: Any) -> None:
        super().__init__(message)
        self.step = step
        self.screenshot = screenshot
        self.trace = trace
        self.cause = cause


RETRYABLE: tuple[type[AgentError], ...] = (ModelError, ActionError)
"""Errors the loop retries (re-locating between tries); all others stop the step at once."""
