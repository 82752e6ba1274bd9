"""Acting: the secrets guard, covered targets, and waiting for an action's effect."""

from __future__ import annotations

from dataclasses import dataclass

from actions.base import (
    AnswersDialogs,
    FindsVisiblePart,
    FollowsTabs,
    KeepsDownloads,
    PageState,
    Unsticks,
    WatchesEffects,
)
from actions.effects import Effects
from actions.retry import polling
from actions.schema import ACTION_ADAPTER, Action, Click, Hover, Point, TypeText
from agent.errors import OccludedTarget, Refused, UnexpectedDialog, VerificationFailed
from agent.step.context import StepRun

CHANGE_WINDOW_S = 2.0
"""How long a click may take to show its effect before it counts as having done nothing."""


def act(step: StepRun, action: Action, *, secrets: set[str] | None = None) -> None:
    """Perform an action and record it.

    ``secrets`` limits which placeholders are replaced by their values (a planned action may
    only type the secrets its goal names); None: all (the user wrote the step).
    """
    step.record.action = ACTION_ADAPTER.dump_python(action, mode="json", exclude_none=True)
    known = step.ctx.secrets
    if isinstance(action, TypeText) and known.uses(action.text):
        # The trace keeps the placeholder; only the executor sees the value.
        named = known.named_in(action.text)
        allowed = named if secrets is None else secrets
        refused = named - allowed
        if refused:
            raise Refused(
                f"the model tried to type secret {', '.join(sorted(refused))}, which the "
                "goal does not name: a page may have asked for it; nothing was typed"
            )
        action = action.model_copy(update={"text": known.reveal(action.text, only=allowed)})
    with step.timed("act"):
        step.executor.perform(action)
    dialogs_answered(step)


def dialogs_answered(step: StepRun) -> None:
    """Note the dialogs the page opened; UnexpectedDialog for one the task did not answer
    (it was dismissed: the step did not do what it meant)."""
    executor = step.executor
    if not isinstance(executor, AnswersDialogs):
        return
    for seen in executor.dialogs.take():
        step.record.notes.append(seen.summary())
        if not seen.expected:
            raise UnexpectedDialog(
                f"the page asked {seen.message[:200]!r} ({seen.kind} dialog) and the task "
                "does not say how to answer, so it was dismissed: put a step `dialog: accept` "
                "(or `dismiss`) before this one, or `dialogs: accept` in the task"
            )


def tabs_followed(step: StepRun) -> None:
    """When the step opened a tab (a link to a new window, a popup), go on in it."""
    executor = step.executor
    if isinstance(executor, FollowsTabs):
        said = executor.follow_new_tab()
        if said:
            step.record.notes.append(said)


def downloads_kept(step: StepRun) -> None:
    """Save the downloads the step started (waiting for each) and note each file; a
    download that failed fails the step."""
    executor = step.executor
    if not isinstance(executor, KeepsDownloads):
        return
    saved, failed = executor.downloads.take()
    for file in saved:
        step.record.notes.append(file.summary())
    if failed:
        raise VerificationFailed("; ".join(failed))


def act_where_it_shows(
    step: StepRun, action: Click | Hover | TypeText, watch: Watch | None = None
) -> None:
    """Perform an action on a described element; when its point is covered but part of the
    element shows (one button overlapping another), act on that part instead, as a person
    would. Only a target covered everywhere fails (and is retried as a failure).

    ``watch``: the effects being watched for; it is started again at the new point."""
    try:
        act(step, action)
    except OccludedTarget as exc:
        executor = step.executor
        other, said = None, f"{exc}; acted on a visible part of it instead"
        if isinstance(executor, FindsVisiblePart) and action.handle:
            other = executor.visible_point(action.handle)
        if other is None and isinstance(executor, Unsticks) and action.handle:
            other, bar = executor.unstick(action.handle)
            said = f"{exc}; scrolled it out from under {bar}"
        if other is None:
            raise
        step.record.notes.append(said)
        if watch is not None:
            watch.restart(other)
        act(step, action.model_copy(update={"point": other}))


def read_state(step: StepRun, point: Point | None = None) -> PageState | None:
    """The executor's state, or None while the page is navigating."""
    try:
        return step.executor.state(point)
    except Exception:  # noqa: BLE001 - a navigation destroys the page's context mid-read
        return None


def before(step: StepRun, point: Point | None = None) -> PageState | None:
    """The state an action's check compares against (timed as verification)."""
    with step.timed("verify"):
        return read_state(step, point)


def wait_for_change(
    step: StepRun, was: PageState | None, what: str, point: Point | None = None
) -> None:
    """Poll until the page differs from ``was``; VerificationFailed if it never does."""
    with step.timed("verify"):
        changed = polling(
            timeout_s=min(CHANGE_WINDOW_S, step.remaining()),
            accept=lambda now: now is None or now != was,
        )(read_state, step, point)
    if changed is not None and changed == was:
        raise VerificationFailed(f"{what} changed nothing (page, focus and content as before)")


@dataclass
class Watch:
    """An action's effects being watched for: attributed to it where the executor can tell
    (a browser), else the whole state before it, compared after (a desktop)."""

    step: StepRun
    point: Point | None
    handle: str | None
    hover: bool
    state: PageState | None = None

    @property
    def attributed(self) -> bool:
        """Whether the executor tells the action's effects from the page's own changes."""
        return isinstance(self.step.executor, WatchesEffects)

    def restart(self, point: Point | None = None) -> Watch:
        """Start watching (again, at another point of the target)."""
        self.point = point or self.point
        executor = self.step.executor
        with self.step.timed("verify"):
            if isinstance(executor, WatchesEffects):
                executor.effects.watch(self.point, self.handle, hover=self.hover)
            else:
                self.state = read_state(self.step)
        return self


def watch(
    step: StepRun, point: Point | None = None, handle: str | None = None, *, hover: bool = True
) -> Watch:
    """Start watching for the effects of an action about to be done at ``point``; with
    ``hover``, the pointer rests there first, so that hover effects are not taken for it."""
    return Watch(step, point, handle, hover).restart()


def seen_effects(step: StepRun, window_s: float) -> Effects | None:
    """Poll for the action's effects until one shows (and a toggle target has flipped) or
    the window ends; record them. None where the executor cannot attribute effects."""
    executor = step.executor
    if not isinstance(executor, WatchesEffects):
        return None
    with step.timed("verify"):
        try:
            found: Effects = polling(
                timeout_s=min(window_s, step.remaining()),
                accept=lambda e: bool(e.seen) and e.flipped() is not False,
            )(executor.effects.seen)
        finally:
            executor.effects.done()
    if found.seen:
        step.record.notes.append("effects: " + "; ".join(found.seen[:4]))
    if found.ignored:
        step.record.notes.append("not counted: " + "; ".join(found.ignored[:4]))
    return found


def wait_for_effect(step: StepRun, watched: Watch, what: str) -> None:
    """The action must have an effect of its own: a change outside what hovering and the
    page's own background changes explain; a checkbox or switch must flip (a radio button
    must end selected). VerificationFailed (retried) names what changed instead."""
    if not watched.attributed:
        wait_for_change(step, watched.state, what)
        return
    found = seen_effects(step, CHANGE_WINDOW_S)
    assert found is not None
    flipped, toggle = found.flipped(), found.toggle or {}
    if flipped is False:
        state = "checked" if toggle.get("now") else "unchecked"
        if toggle.get("kind") in ("radio", "menuitemradio") and toggle.get("now"):
            step.record.notes.append(f"{what}: it was already selected")
            return
        raise VerificationFailed(f"{what} left the {toggle.get('kind')} {state}")
    if not found.seen:
        but = "; ".join(found.ignored[:3])
        raise VerificationFailed(f"{what} changed nothing" + (f" but {but}" if but else ""))


def click_and_check(step: StepRun, action: Click, what: str) -> None:
    """Click (where the target shows) and require an effect of the click's own."""
    watched = watch(step, action.point, action.handle)
    act_where_it_shows(step, action, watched)
    wait_for_effect(step, watched, what)
