"""The task file schema: what ``agent run`` executes.

A step is a one-key mapping ``{verb: arguments}``; most verbs also take a plain string
(``- click: Sign in``). ``agent schema`` prints the JSON Schema of these models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from agent.step.args import Args
from agent.step.args import Strict as _Strict
from agent.step.catalog import VERBS
from agent.step.context import MODEL_TIMEOUT_S

MAX_TARGETS = 6
"""At most this many targets are grounded in one call (a longer answer costs more than it
saves)."""


def _step_model(verb: str, args: type[Args], shorthand: str | None) -> type[BaseModel]:
    """Build ``class ClickStep(BaseModel): click: TargetArgs`` with its string shorthand."""
    wants_text = shorthand is not None and args.model_fields[shorthand].annotation in (str, "str")

    def expand(value: Any) -> Any:
        if value is None:
            return {}  # `close_tab:` with nothing after it: every option at its default
        if shorthand is None or isinstance(value, bool):
            return value
        if isinstance(value, str | int | float):
            # `click: 5` means the key labelled 5 (a calculator), not the number five.
            return {shorthand: str(value) if wants_text else value}
        return value

    namespace: dict[str, Any] = {
        "__annotations__": {verb: args},
        "__doc__": f"A `{verb}` step. {args.__doc__ or ''}".strip(),
        "model_config": ConfigDict(extra="forbid", title=f"{verb} step"),
        "_expand": field_validator(verb, mode="before")(lambda cls, v: expand(v)),
    }
    return type(f"{verb.title().replace('_', '')}Step", (BaseModel,), namespace)


STEP_MODELS: dict[str, type[BaseModel]] = {
    name: _step_model(name, entry.args, entry.shorthand) for name, entry in VERBS.items()
}


def verb_of(step: Any) -> str | None:
    """The verb of a raw or validated step (its one key), or None."""
    if isinstance(step, dict):
        keys = [k for k in step if k in VERBS]
        return keys[0] if len(keys) == 1 and len(step) == 1 else None
    for verb, model in STEP_MODELS.items():
        if isinstance(step, model):
            return verb
    return None


if TYPE_CHECKING:
    Step = BaseModel
else:
    Step = Annotated[
        Union[tuple(Annotated[model, Tag(verb)] for verb, model in STEP_MODELS.items())],  # noqa: UP007
        Discriminator(
            verb_of,
            custom_error_type="unknown_verb",
            custom_error_message="a step is one verb: " + ", ".join(VERBS),
        ),
    ]
"""One step of a task file: a one-key mapping from a verb to its arguments."""


def describe(verb: str, args: Args) -> str:
    """The step's target as one line for the trace and the console."""
    return VERBS[verb].describe(args)


def upcoming_targets(steps: list[Any], start: int) -> list[str]:
    """The described targets of the steps from ``start`` on, while they act on targets: what
    one model call grounds for this step and the next ones (:mod:`agent.prefetch`)."""
    targets: list[str] = []
    for step in steps[start:]:
        verb, args = step_args(step)
        found = VERBS[verb].targets(args)
        if not found:
            break
        targets += found
        if len(targets) >= MAX_TARGETS:
            break
    return list(dict.fromkeys(targets))[:MAX_TARGETS]


def step_args(step: BaseModel) -> tuple[str, Any]:
    """``(verb, arguments)`` of a validated step."""
    verb = verb_of(step)
    assert verb is not None
    return verb, getattr(step, verb)


class Viewport(_Strict):
    """The browser window's inner size in CSS pixels."""

    width: int = Field(default=1280, ge=200, le=7680)
    height: int = Field(default=800, ge=200, le=4320)


class BrowserTarget(_Strict):
    """Run the task in a browser."""

    url: str = Field(
        min_length=1,
        max_length=10_000,
        description="A path relative to the task file (served on 127.0.0.1), file://, http(s)://",
    )
    viewport: Viewport = Field(default_factory=Viewport)
    device_scale_factor: float = Field(default=1.0, ge=0.5, le=4)
    headed: bool = Field(default=False, description="Show the browser window.")


class ScreenSize(_Strict):
    """The size of a virtual display, in pixels."""

    width: int = Field(default=1920, ge=200, le=7680)
    height: int = Field(default=1080, ge=200, le=4320)


class DesktopTarget(_Strict):
    """Run the task on a desktop (an X display, or a virtual one started for the run)."""

    launch: str | None = Field(
        default=None,
        max_length=10_000,
        description="A program to start (a command line, no shell); ended with the task.",
    )
    window: str | None = Field(
        default=None,
        min_length=1,
        description="Work in the window whose title contains this (waited for at the start); "
        "without it, the whole screen.",
    )
    display: str = Field(
        default="auto",
        pattern=r"^(auto|virtual|[\w.-]*:\d+(\.\d+)?)$",
        description='"auto" ($DISPLAY, else a virtual display), "virtual" (always a new '
        'Xvfb) or an X display such as ":99".',
    )
    screen: ScreenSize = Field(
        default_factory=ScreenSize, description="The size of a virtual display."
    )
    wm: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="A window manager to start on a virtual display before the program "
        '(a command line, e.g. "fluxbox"): title bars, and focus handed over the EWMH way. '
        "Without one, windows have no frames and gui-agent sets the focus itself.",
    )


class Task(_Strict):
    """A task file."""

    name: str = Field(min_length=1, max_length=200, description="Names the run and its folder.")
    browser: BrowserTarget | None = None
    desktop: DesktopTarget | None = None
    steps: list[Step] = Field(min_length=1, max_length=10_000)
    timeout: float = Field(
        default=15.0, gt=0, le=3600,
        description="Seconds per step, not counting the time a model takes to answer.",
    )  # fmt: skip
    model_timeout: float = Field(
        default=MODEL_TIMEOUT_S, gt=0, le=86_400,
        description="Seconds of model answers one step may spend besides its timeout.",
    )  # fmt: skip
    retries: int = Field(default=2, ge=0, le=20, description="Extra tries for a failing step.")
    allowed_domains: list[str] | None = Field(
        default=None, description="Hosts the browser may load (127.0.0.1 always)."
    )
    dialogs: Literal["accept", "dismiss"] | None = Field(
        default=None,
        description="How to answer the page's confirm and prompt dialogs that no `dialog` step "
        "answers; unset, such a dialog is dismissed and its step fails (alerts are accepted).",
    )
    downloads: str | None = Field(
        default=None, min_length=1, max_length=4096,
        description="Where downloaded files are saved, relative to the task file (default: "
        "the run folder's downloads/).",
    )  # fmt: skip
    secrets: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] | None = Field(
        default=None,
        description="Environment variables used as ${NAME} whose values are typed but never "
        "shown: not in traces, reports, logs, prompts or the console.",
    )
    engine: Literal["auto", "offline", "qwen3vl", "openvino", "openai"] | None = Field(
        default=None, description="The engine (the command line's --engine wins)."
    )
    model: str | None = Field(default=None, description="A Qwen3-VL folder or a served model.")
    endpoint: str | None = Field(default=None, description="An OpenAI-compatible base URL (…/v1).")


def task_json_schema() -> dict[str, Any]:
    """The JSON Schema of task files, with each verb's plain-string shorthand allowed."""
    schema = Task.model_json_schema()
    for verb, entry in VERBS.items():
        shorthand = entry.shorthand
        step = schema["$defs"].get(STEP_MODELS[verb].__name__)
        if step is None or shorthand is None:
            continue
        prop = step["properties"][verb]
        short = {"type": "number"} if verb == "wait" else {"type": ["string", "number"]}
        step["properties"][verb] = {
            "anyOf": [prop, short],
            "description": prop.get("description", ""),
        }
    schema["title"] = "gui-agent task file"
    return schema
