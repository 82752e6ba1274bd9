"""Every task-file verb, one entry each: arguments, description, targets and handler.

A new verb is one ``@VERBS.verb(...)`` entry here (and a typed method on
:class:`agent.api.Agent`, which a test keeps in step); the schema, the console, prefetch and
the retry policy follow from the entry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from actions.base import ShownText, TellsSelects
from actions.retry import polling
from actions.schema import Click, Drag, Goto, Hover, Point, Press, Scroll, Select, TypeText, Wait
from agent.errors import UsageError, VerificationFailed
from agent.step.act import (
    Watch,
    act,
    act_where_it_shows,
    before,
    click_and_check,
    seen_effects,
    wait_for_change,
    wait_for_effect,
    watch,
)
from agent.step.args import (
    ClickArgs,
    DragArgs,
    ExpectArgs,
    ExpectNotArgs,
    ExpectUrlArgs,
    ExtractArgs,
    GoalArgs,
    GotoArgs,
    PressArgs,
    ScrollArgs,
    SelectArgs,
    TargetArgs,
    TypeArgs,
    WaitArgs,
    WaitForArgs,
)
from agent.step.context import StepRun
from agent.step.dropdowns import choose_from_list
from agent.step.editors import shown_now, shows_typed
from agent.step.expectations import (
    expect_file,
    expect_gone,
    expect_reading,
    expect_shown_in,
    said_by_a_dialog,
)
from agent.step.field_pixels import toggle_flipped, typed_on_screen
from agent.step.goals import run_goal
from agent.step.locate import locate
from agent.step.reads import POLL_S, extract, find_text, poll_for, present
from agent.step.registry import Registry
from perception.matching import Intent
from perception.toggles import TOGGLES

PRESS_WINDOW_S = 1.0
"""How long a key press may take to start its effect before the next step goes on."""
EXPECT_TIMEOUT_S = 5.0
"""`expect`'s default timeout (a task's shorter timeout wins)."""

VERBS = Registry()
"""The verbs, in the order task files and ``agent schema`` list them."""


def _target(args: TargetArgs | WaitForArgs) -> str:
    return args.target


def _one_target(args: TargetArgs) -> list[str]:
    return [args.target]


@VERBS.verb("goto", GotoArgs, shorthand="url", describe=lambda a: a.url)
def goto(step: StepRun, args: GotoArgs) -> None:
    """Open a URL, relative to the current page."""
    base = step.ctx.base_url
    act(step, Goto(url=urljoin(base, args.url) if base else args.url))
    step.capture()


# Decorators apply bottom-up: click is declared first.
@VERBS.verb("right_click", ClickArgs, shorthand="target", describe=_target, targets=_one_target)
@VERBS.verb("double_click", ClickArgs, shorthand="target", describe=_target, targets=_one_target)
@VERBS.verb("click", ClickArgs, shorthand="target", describe=_target, targets=_one_target)
def click(step: StepRun, args: ClickArgs) -> None:
    """Click the element; an effect of its own must show (not hover, not background)."""
    element = locate(step, args.target, Intent.CLICK)
    action = Click(
        point=Point.at(element.point),
        handle=element.handle,
        button="right" if step.verb == "right_click" else "left",
        clicks=2 if step.verb == "double_click" else 1,
    )
    if not args.verify:
        act_where_it_shows(step, action)
        step.record.notes.append("not checked (verify: false)")
        return
    before = step.last_screenshot
    click_and_check(step, action, f"{step.verb} on {args.target!r}")
    if step.page is None and element.role in TOGGLES and before is not None:
        toggle_flipped(step, before, element, f"{step.verb} on {args.target!r}")


@VERBS.verb("hover", TargetArgs, shorthand="target", describe=_target, targets=_one_target)
def hover(step: StepRun, args: TargetArgs) -> None:
    """Move the mouse over the element."""
    element = locate(step, args.target, Intent.CLICK)
    act_where_it_shows(step, Hover(point=Point.at(element.point), handle=element.handle))


def _describe_type(args: TypeArgs) -> str:
    return f"{args.text!r} into {args.into}" if args.into else repr(args.text)


@VERBS.verb(
    "type", TypeArgs, shorthand="text", describe=_describe_type,
    targets=lambda a: [a.into] if a.into else [],
)  # fmt: skip
def type_(step: StepRun, args: TypeArgs) -> None:
    """Type into the field (or where focus is); the field must hold the text afterwards."""
    point = handle = element = watched = None
    # Clearing where focus happens to be (a shell, a spreadsheet) could wipe anything.
    clear = args.into is not None if args.clear is None else args.clear
    if args.into:
        element = locate(step, args.into, Intent.TYPE)
        point, handle = Point.at(element.point), element.handle
    else:
        step.capture()
        if step.page is None:  # nothing to read back: the keys must show somewhere
            watched = watch(step, hover=False)
    action = TypeText(point=point, text=args.text, clear=clear, handle=handle)
    before = shown_now(step, action) if args.into is None else None
    act_where_it_shows(step, action)
    step.record.action = {**(step.record.action or {}), "submit": args.submit}
    with step.timed("verify"):
        value = step.executor.value_at(action)
    if watched is not None:
        wait_for_effect(step, watched, f"typing {args.text!r} where focus is")
    elif value is None and step.page is None and element is not None:
        typed_on_screen(step, args.text, element)
    if isinstance(value, ShownText):
        shows_typed(step, action, args.text, before)
    elif value is not None:
        typed = step.ctx.secrets.reveal(args.text)
        ok = value == typed if clear else value.endswith(typed)
        if not ok and step.ctx.secrets.uses(args.text):
            # Never quoted: a field that cuts, upper-cases or reformats holds a form of it.
            raise VerificationFailed(
                f"the field does not hold {args.text} after typing it: it holds "
                f"{len(value)} characters, not {len(typed)}"
            )
        if not ok:
            raise VerificationFailed(f"the field holds {value!r} after typing {args.text!r}")
    if args.submit:
        # Enter submits: wait for what it starts (a navigation, new results), so that the
        # next step does not read the page from before it. A field whose Enter changes
        # nothing visible (live search) is noted, not failed.
        watched = watch(step, hover=False)
        with step.timed("act"):
            step.executor.perform(Press(keys="Enter"))
        _waited(step, watched, "pressing Enter")


@VERBS.verb("press", PressArgs, shorthand="keys", describe=lambda a: a.keys)
def press(step: StepRun, args: PressArgs) -> None:
    """Press a key or a chord; what it opens is waited for (up to a second) before the next
    step looks."""
    step.capture()
    watched = watch(step, hover=False)
    act(step, Press(keys=args.keys))
    _waited(step, watched, f"pressing {args.keys}")


def _waited(step: StepRun, watched: Watch, what: str) -> None:
    """Wait for a key's effect to start (a dialog, results, a new page), noting when none does."""
    if watched.attributed:
        found = seen_effects(step, PRESS_WINDOW_S)
        if found is not None and not found.seen:
            step.record.notes.append(f"{what} changed nothing visible")
        return
    try:
        wait_for_change(step, watched.state, what)
    except VerificationFailed:
        step.record.notes.append(f"{what} changed nothing visible")


def _describe_scroll(args: ScrollArgs) -> str:
    return f"{args.direction} x{args.amount:g}" + (f" in {args.within}" if args.within else "")


@VERBS.verb("scroll", ScrollArgs, shorthand="direction", describe=_describe_scroll)
def scroll(step: StepRun, args: ScrollArgs) -> None:
    """Scroll the page, or inside an element, by screens; at the end, nothing moves (noted)."""
    point = None
    shot = step.capture()
    width, height = shot.size
    if args.within:
        element = locate(step, args.within, Intent.CLICK)
        point = Point.at(element.point)
        width, height = int(element.box.width), int(element.box.height)
    step_x, step_y = width * 0.8 * args.amount, height * 0.8 * args.amount
    dx, dy = {
        "down": (0.0, step_y),
        "up": (0.0, -step_y),
        "right": (step_x, 0.0),
        "left": (-step_x, 0.0),
    }[args.direction]
    was = before(step, point)
    act(step, Scroll(point=point, dx=dx, dy=dy))
    try:
        wait_for_change(step, was, f"scrolling {args.direction}", point)
    except VerificationFailed:
        step.record.notes.append("nothing moved: already at the end")
    step.capture()


@VERBS.verb(
    "select", SelectArgs, shorthand=None, describe=lambda a: f"{a.option!r} in {a.in_}",
    targets=lambda a: [a.in_],
)  # fmt: skip
def select(step: StepRun, args: SelectArgs) -> None:
    """Choose an option of a select box (or of a dropdown built from divs: opened, its option
    clicked); it must show it afterwards."""
    element = locate(step, args.in_, Intent.SELECT)
    executor = step.executor
    if isinstance(executor, TellsSelects) and not executor.is_native_select(
        Point.at(element.point), element.handle
    ):
        choose_from_list(step, element, args.option, args.in_)
        return
    action = Select(point=Point.at(element.point), option=args.option, handle=element.handle)
    act(step, action)
    with step.timed("verify"):
        value = step.executor.value_at(action)
    if value is not None and value.strip().casefold() != args.option.strip().casefold():
        raise VerificationFailed(f"{args.in_!r} shows {value!r}, not {args.option!r}")


@VERBS.verb(
    "drag", DragArgs, shorthand=None, describe=lambda a: f"{a.from_} -> {a.to}",
    targets=lambda a: [a.from_, a.to],
)  # fmt: skip
def drag(step: StepRun, args: DragArgs) -> None:
    """Drag one element onto another; the page must change."""
    source = locate(step, args.from_, Intent.CLICK)
    target = locate(step, args.to, Intent.CLICK)
    watched = watch(step, Point.at(source.point), source.handle)
    act(
        step,
        Drag(
            start=Point.at(source.point),
            end=Point.at(target.point),
            handle=source.handle,
            end_handle=target.handle,
        ),
    )
    wait_for_effect(step, watched, f"dragging {args.from_!r}")


@VERBS.verb(
    "wait", WaitArgs, shorthand="seconds", describe=lambda a: f"{a.seconds:g} s", polls=True
)
def wait(step: StepRun, args: WaitArgs) -> None:
    """Pause."""
    act(step, Wait(seconds=args.seconds))
    step.capture()


@VERBS.verb("wait_for", WaitForArgs, shorthand="target", describe=_target, polls=True)
def wait_for(step: StepRun, args: WaitForArgs) -> None:
    """Wait until the element is there (a sure match, not a near miss)."""
    poll_for(step, lambda: present(step, args.target), args.target)


def _describe_expect(args: ExpectArgs) -> str:
    if args.file is not None:
        return f"file {args.file}" + (f" containing {args.text}" if args.text else "")
    if args.extract is not None:
        said = {"=": args.equals, ">": args.greater_than, "<": args.less_than}
        return args.extract + "".join(f" {k} {v}" for k, v in said.items() if v is not None)
    return f"{args.text} in {args.in_}" if args.in_ else str(args.text)


@VERBS.verb(
    "expect", ExpectArgs, shorthand="text", describe=_describe_expect, polls=True,
    timeout=EXPECT_TIMEOUT_S,
)  # fmt: skip
def expect(step: StepRun, args: ExpectArgs) -> Any:
    """The text (or a described element) must be visible, read again until the timeout; or
    an element must show it (``in``); or a reading must compare as said (its value is the
    step's output); or the file must have been downloaded, holding the text if one is given
    (its path is the output)."""
    if args.file is not None:
        return expect_file(step, args.file, args.text)
    if args.extract is not None:
        return expect_reading(step, args)
    text = args.text
    assert text is not None
    if args.in_ is not None:
        return expect_shown_in(step, text, args.in_)
    if said_by_a_dialog(step, text):
        return None
    poll_for(step, lambda: find_text(step, text), text, expect=True)
    return None


@VERBS.verb(
    "expect_not", ExpectNotArgs, shorthand="text", describe=lambda a: a.text, polls=True,
    timeout=EXPECT_TIMEOUT_S,
)  # fmt: skip
def expect_not(step: StepRun, args: ExpectNotArgs) -> None:
    """The text (or a described element) must not be visible: read again until it is gone,
    or fail at the timeout."""
    expect_gone(step, args.text)


@VERBS.verb(
    "expect_url", ExpectUrlArgs, shorthand="url", describe=lambda a: a.url, polls=True,
    timeout=EXPECT_TIMEOUT_S,
)  # fmt: skip
def expect_url(step: StepRun, args: ExpectUrlArgs) -> None:
    """The page's address must contain the text, read again until the timeout."""
    page = step.page
    if page is None:
        raise UsageError("expect_url is a browser verb; on a desktop, `expect` the window's text")
    url = polling(timeout_s=step.remaining(), interval_s=POLL_S, accept=lambda u: args.url in u)(
        lambda: str(page.url)
    )
    step.capture()
    if args.url not in url:
        raise VerificationFailed(f"the page is at {url!r}, which does not contain {args.url!r}")


@VERBS.verb("extract", ExtractArgs, shorthand="what", describe=lambda a: a.what)
def extract_(step: StepRun, args: ExtractArgs) -> Any:
    """Read a field's value, a checkbox's state or an element's text into the outputs."""
    return extract(step, args.what, args.as_)


@VERBS.verb("goal", GoalArgs, shorthand="goal", describe=lambda a: a.goal, polls=True, method="act")
def goal(step: StepRun, args: GoalArgs) -> str | None:
    """Free text a vision-language model plans, acts on and checks; returns its answer."""
    return run_goal(step, args)
