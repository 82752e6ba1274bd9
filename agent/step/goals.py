"""Goal steps: a model plans, the step acts and checks, until the model ends the goal.

With a cache, a recorded plan of the goal is replayed first, each action only while the screen
still looks as it did where the action acts; at the first mismatch the model plans live from
there. A plan is recorded (or replaced) only when the goal succeeds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from actions.schema import ACTION_ADAPTER, Action, Drag, Point
from agent.cache import PlanEntry, PlannedAction, where
from agent.errors import ModelError, ModelOutputError, VerificationFailed
from agent.step.act import act, before, read_state
from agent.step.args import GoalArgs
from agent.step.context import StepRun
from perception.elements import Box
from perception.engine import KeepsRawOutput, Plan
from perception.fingerprints import evidence, looks_the_same
from perception.screen import Screenshot

MAX_REPEATS = 2
"""A goal fails when the model repeats an action that changed nothing this many more times."""
MAX_BAD_ANSWERS = 3
"""A goal fails after this many unusable model answers in a row."""


def run_goal(step: StepRun, args: GoalArgs) -> str | None:
    """Plan, act and check until the model ends the goal; returns its answer, if any."""
    history: list[str] = []
    done: list[PlannedAction] = []
    # Only the secrets the user's goal names may be typed by the model: a page cannot add one
    # by asking for it.
    secrets = step.ctx.secrets.named_in(args.goal)
    cache = step.ctx.cache
    if cache is None:
        return _plan_live(step, args, history, done, secrets)
    key = f"goal {args.goal}"
    place = where(step.capture(), step.page)
    recorded = cache.plan_for(key, place)
    if recorded is not None and step.record.attempts <= 1:
        if _replay(step, recorded, done, history, secrets):
            step.record.cache = "hit"
            return recorded.answer
        step.record.cache = "miss"
    elif cache.reads:
        step.record.cache = "live"
    answer = _plan_live(step, args, history, done, secrets)
    cache.store_plan(PlanEntry(step=key, where=place, actions=done, answer=answer))
    return answer


def still_there(planned: PlannedAction, shot: Screenshot) -> bool:
    """Whether the screen still looks, where the action acts, as it did when it was recorded."""
    if planned.box is None or planned.thumb is None:
        return True  # a key press or a wait: nothing to look at
    return looks_the_same(shot, Box.from_list(planned.box), planned.thumb)


def _replay(
    step: StepRun,
    recorded: PlanEntry,
    done: list[PlannedAction],
    history: list[str],
    secrets: set[str],
) -> bool:
    """Replay a recorded plan while it holds; False at the first mismatch."""
    for index, planned in enumerate(recorded.actions):
        shot = step.capture()
        if not still_there(planned, shot):
            step.record.notes.append(
                f"cache: recorded action {index + 1} no longer fits the screen; planning live"
            )
            return False
        act(step, ACTION_ADAPTER.validate_python(planned.action), secrets=secrets)
        step.record.plan.append({"call": planned.call, "action": planned.action, "cached": True})
        done.append(planned)
        history.append(json.dumps(planned.call or planned.action, ensure_ascii=False))
    return True


def _plan_live(
    step: StepRun, args: GoalArgs, history: list[str], done: list[PlannedAction], secrets: set[str]
) -> str | None:
    repeats = bad = 0
    previous: str | None = None
    pointer = _pointer_after(done)
    for _ in range(args.max_steps):
        shot = step.capture()
        try:
            with step.engine_call("locate"):
                plan = _from_pointer(step.engine.plan(shot, args.goal, history=history), pointer)
        except ModelError as exc:  # unparseable, or coordinates off the grid: tell the model
            engine = step.engine
            raw = exc.raw if isinstance(exc, ModelOutputError) else None
            if raw is None and isinstance(engine, KeepsRawOutput):
                raw = engine.last_raw
            step.record.plan.append({"error": str(exc), "raw": raw})
            bad += 1
            if bad >= MAX_BAD_ANSWERS:
                raise
            history.append(f"(your answer could not be used: {exc}; answer with one tool call)")
            continue
        bad = 0
        step.record.model_output = plan.raw
        entry: dict[str, Any] = {"call": plan.call, "reason": plan.reason, "raw": plan.raw}
        step.record.plan.append(entry)
        if plan.done:
            entry.update(done=True, success=plan.success, answer=plan.answer)
            if not plan.success:
                raise VerificationFailed(f"the model gave up: {plan.reason or repr(args.goal)}")
            return plan.answer
        assert plan.action is not None
        box, thumb = evidence(shot, _point_of(plan.action))
        done.append(
            PlannedAction(
                action=ACTION_ADAPTER.dump_python(plan.action, mode="json", exclude_none=True),
                call=plan.call, box=box, thumb=thumb,
            )
        )  # fmt: skip
        was = before(step)
        act(step, plan.action, secrets=secrets)
        pointer = _point_of(plan.action, end=True) or pointer
        with step.timed("verify"):
            changed = read_state(step) != was
        entry.update(action=step.record.action, changed=changed)
        said = json.dumps(plan.call, ensure_ascii=False)
        if not changed and said == previous:
            repeats += 1
            if repeats >= MAX_REPEATS:
                raise VerificationFailed(
                    f"the model repeated {said} {repeats + 1} times on an unchanged screen"
                )
            history.append(f"{said} (again: the screen did not change; try something else)")
        else:
            repeats = 0
            history.append(said + ("" if changed else " (the screen did not change)"))
        previous = said
    raise VerificationFailed(f"goal not reached after {args.max_steps} actions: {args.goal!r}")


def _point_of(action: Action, *, end: bool = False) -> tuple[float, float] | None:
    """Where an action acts, in screenshot pixels (None for keys and waits); ``end``: where it
    leaves the pointer (a drag's end)."""
    point = getattr(action, "point", None) or getattr(action, "end" if end else "start", None)
    return (point.x, point.y) if point is not None else None


def _pointer_after(done: list[PlannedAction]) -> tuple[float, float] | None:
    """Where the replayed part of a goal left the pointer (None: no action placed it)."""
    for planned in reversed(done):
        action = ACTION_ADAPTER.validate_python(planned.action)
        if (point := _point_of(action, end=True)) is not None:
            return point
    return None


def _from_pointer(plan: Plan, pointer: tuple[float, float] | None) -> Plan:
    """A drag the model gave only the end of starts where the pointer is (Qwen's tool moves the
    pointer with ``mouse_move``, then drags from there)."""
    if plan.drag_to is None:
        return plan
    if pointer is None:
        raise ModelOutputError(
            "left_click_drag drags from the pointer, and no action of this goal has placed it: "
            "mouse_move to where the drag starts first",
            plan.raw,
        )
    start = Point(x=pointer[0], y=pointer[1])
    return replace(plan, action=Drag(start=start, end=plan.drag_to), drag_to=None)
