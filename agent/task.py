"""The task file schema: what ``agent run`` executes.

A step is a one-key mapping ``{verb: arguments}``; most verbs also take a plain string
(``- click: Sign in``). ``agent schema`` prints the JSON Schema of these models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Args(_Strict):
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Seconds this step may take (overrides the task's).",
    )
    confirm: bool = Field(
        default=False,
        description="Ask a person before this step acts (in a terminal); a run without one "
        "fails the step unless started with --yes.",
    )


class TargetArgs(_Args):
    """A described element: ``Sign in``, ``the Username field``, ``"Remember me" checkbox``."""

    target: str = Field(min_length=1, max_length=2000, description="What to act on, in words.")


class TypeArgs(_Args):
    """Type text, into a described field (or where focus is)."""

    text: str = Field(max_length=100_000, description="The text to type.")
    into: str | None = Field(default=None, min_length=1, description="The field, in words.")
    clear: bool = Field(default=True, description="Empty the field first.")
    submit: bool = Field(default=False, description="Press Enter afterwards.")


class PressArgs(_Args):
    """Press a key or a chord."""

    keys: str = Field(min_length=1, max_length=100, description="Enter, Tab, Control+A, ...")


class ScrollArgs(_Args):
    """Scroll the page, or inside a described element."""

    direction: Literal["down", "up", "left", "right"] = "down"
    amount: float = Field(default=1.0, gt=0, le=100, description="How far, in screens.")
    within: str | None = Field(default=None, min_length=1, description="A scrollable element.")


class SelectArgs(_Args):
    """Choose an option in a select box."""

    option: str = Field(min_length=1, description="The option's label (or value).")
    in_: str = Field(alias="in", min_length=1, description="The select box, in words.")


class DragArgs(_Args):
    """Drag one described element onto another."""

    from_: str = Field(alias="from", min_length=1, description="What to drag.")
    to: str = Field(min_length=1, description="Where to drop it.")


class GotoArgs(_Args):
    """Open a URL (or a path relative to the task file)."""

    url: str = Field(min_length=1, max_length=10_000)


class WaitArgs(_Args):
    """Pause."""

    seconds: float = Field(ge=0, le=3600)


class WaitForArgs(_Args):
    """Wait until a described element is on the page."""

    target: str = Field(min_length=1, max_length=2000)


class ExpectArgs(_Args):
    """Text (or a described element) that must be visible; retried until the timeout."""

    text: str = Field(min_length=1, max_length=2000)


class ExtractArgs(_Args):
    """Read the text of a described element."""

    what: str = Field(min_length=1, max_length=2000, description="The element to read.")
    as_: Literal["text", "int", "float", "bool"] = Field(
        default="text", alias="as", description="The type to convert the text to."
    )


class GoalArgs(_Args):
    """Free text for a vision-language model to carry out step by step."""

    goal: str = Field(min_length=1, max_length=10_000)
    max_steps: int = Field(default=15, ge=1, le=200, description="Actions at most.")


# verb -> (arguments model, the field a plain string fills)
VERBS: dict[str, tuple[type[_Args], str | None]] = {
    "goto": (GotoArgs, "url"),
    "click": (TargetArgs, "target"),
    "double_click": (TargetArgs, "target"),
    "right_click": (TargetArgs, "target"),
    "hover": (TargetArgs, "target"),
    "type": (TypeArgs, "text"),
    "press": (PressArgs, "keys"),
    "scroll": (ScrollArgs, "direction"),
    "select": (SelectArgs, None),
    "drag": (DragArgs, None),
    "wait": (WaitArgs, "seconds"),
    "wait_for": (WaitForArgs, "target"),
    "expect": (ExpectArgs, "text"),
    "extract": (ExtractArgs, "what"),
    "goal": (GoalArgs, "goal"),
}


def _step_model(verb: str, args: type[_Args], shorthand: str | None) -> type[BaseModel]:
    """Build ``class ClickStep(BaseModel): click: TargetArgs`` with its string shorthand."""
    wants_text = shorthand is not None and args.model_fields[shorthand].annotation in (str, "str")

    def expand(value: Any) -> Any:
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
    verb: _step_model(verb, args, shorthand) for verb, (args, shorthand) in VERBS.items()
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


def describe(verb: str, args: _Args) -> str:
    """The step's target as one line for the trace and the console."""
    match args:
        case TargetArgs() | WaitForArgs():
            return args.target
        case TypeArgs():
            return f"{args.text!r} into {args.into}" if args.into else repr(args.text)
        case SelectArgs():
            return f"{args.option!r} in {args.in_}"
        case DragArgs():
            return f"{args.from_} -> {args.to}"
        case ScrollArgs():
            return f"{args.direction} x{args.amount:g}" + (
                f" in {args.within}" if args.within else ""
            )
        case ExpectArgs():
            return args.text
        case ExtractArgs():
            return args.what
        case GotoArgs():
            return args.url
        case PressArgs():
            return args.keys
        case WaitArgs():
            return f"{args.seconds:g} s"
        case GoalArgs():
            return args.goal
    return ""


def step_args(step: BaseModel) -> tuple[str, _Args]:
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

    width: int = Field(default=1280, ge=200, le=7680)
    height: int = Field(default=800, ge=200, le=4320)


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


class Task(_Strict):
    """A task file."""

    name: str = Field(min_length=1, max_length=200, description="Names the run and its folder.")
    browser: BrowserTarget | None = None
    desktop: DesktopTarget | None = None
    steps: list[Step] = Field(min_length=1, max_length=10_000)
    timeout: float = Field(default=15.0, gt=0, le=3600, description="Seconds per step.")
    retries: int = Field(default=2, ge=0, le=20, description="Extra tries for a failing step.")
    allowed_domains: list[str] | None = Field(
        default=None, description="Hosts the browser may load (127.0.0.1 always)."
    )
    secrets: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] | None = Field(
        default=None,
        description="Environment variables used as ${NAME} whose values are typed but never "
        "shown: not in traces, reports, logs, prompts or the console.",
    )
    engine: Literal["auto", "offline", "qwen3vl", "openai"] | None = Field(
        default=None, description="The engine (the command line's --engine wins)."
    )
    model: str | None = Field(default=None, description="A Qwen3-VL folder or a served model.")
    endpoint: str | None = Field(default=None, description="An OpenAI-compatible base URL (…/v1).")


def task_json_schema() -> dict[str, Any]:
    """The JSON Schema of task files, with each verb's plain-string shorthand allowed."""
    schema = Task.model_json_schema()
    for verb, (_, shorthand) in VERBS.items():
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
