"""The loop for one step: capture, locate, act, verify; retried, re-locating between tries."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin

from actions.base import Executor, PageState
from actions.retry import polling, step_retrying
from actions.schema import (
    ACTION_ADAPTER,
    Action,
    Click,
    Drag,
    Goto,
    Hover,
    Point,
    Press,
    Scroll,
    Select,
    TypeText,
    Wait,
)
from agent.cache import (
    CacheEntry,
    LocateCache,
    PlanEntry,
    PlannedAction,
    evidence,
    still_there,
    where,
)
from agent.errors import (
    RETRYABLE,
    ActionError,
    ElementNotFound,
    ModelError,
    OccludedTarget,
    Refused,
    UserError,
    VerificationFailed,
)
from agent.prefetch import Prefetch
from agent.secrets import Secrets
from agent.task import (
    ExtractArgs,
    GoalArgs,
    ScrollArgs,
    TypeArgs,
)
from agent.trace import StepRecord
from agent.values import convert
from perception.elements import Element
from perception.engine import Engine, Located
from perception.matching import Intent, parse_description
from perception.screen import Screenshot

log = logging.getLogger(__name__)

EXPECT_TIMEOUT_S = 5.0
PRESENCE_CONFIDENCE = 0.85
"""`wait_for`, and `expect` given a description, need a match this sure: a fuzzy near-miss
must not pass for the real thing."""
MAX_REPEATS = 2
"""A goal fails when the model repeats an action that changed nothing this many more times."""
MAX_BAD_ANSWERS = 3
"""A goal fails after this many unusable model answers in a row."""
CHANGE_WINDOW_S = 2.0
"""How long a click may take to show its effect before it counts as having done nothing."""


@dataclass
class StepContext:
    """What a step needs besides its arguments."""

    executor: Executor
    engine: Engine
    record: StepRecord
    timeout_s: float
    retries: int
    base_url: str = ""
    secrets: Secrets = field(default_factory=Secrets)
    cache: LocateCache | None = None
    confirm: Callable[[str], bool] | None = None
    """Asks a person whether a ``confirm: true`` step may act; None: nobody can be asked."""
    prefetch: Prefetch | None = None
    upcoming: list[str] = field(default_factory=list)
    """The targets of this step and the next ones, for one model call (agent.prefetch)."""


class StepRunner:
    """Runs one step against an executor with an engine, filling its trace record."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.record = ctx.record
        self._started = time.monotonic()
        self._last_shot: Screenshot | None = None
        # Elements found live on this try, stored in the cache once the step has passed.
        self._found: list[CacheEntry] = []

    # -- timing helpers ------------------------------------------------------------------------
    @contextmanager
    def _timed(self, phase: Literal["capture", "locate", "act", "verify"]) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            timings = self.record.timings
            setattr(timings, phase, getattr(timings, phase) + (time.perf_counter() - start) * 1000)

    @contextmanager
    def _engine_call(self, phase: Literal["locate", "verify"]) -> Iterator[None]:
        """Time an engine call and keep its raw answer in the trace, even when it fails."""
        try:
            with self._timed(phase):
                yield
        finally:
            self._keep_raw()

    def remaining(self) -> float:
        """Seconds left before the step's timeout."""
        return max(0.0, self.ctx.timeout_s - (time.monotonic() - self._started))

    def capture(self) -> Screenshot:
        """Take a screenshot and remember it as the step's latest."""
        with self._timed("capture"):
            shot = self.ctx.executor.capture()
        self._last_shot = shot
        return shot

    @property
    def last_screenshot(self) -> Screenshot | None:
        """The step's latest capture (saved into the run folder)."""
        return self._last_shot

    def locate(self, description: str, intent: Intent) -> Element:
        """Capture and find an element, scrolling it into view when it lies off screen.

        On a step's first try, a validated cache entry answers without the engine.
        """
        for _ in range(3):
            shot = self.capture()
            cached = self._from_cache(description, shot)
            if cached is not None:
                return cached
            prefetched = self._prefetched(description, shot)
            if prefetched is not None:
                self._remember(description, shot, prefetched)
                return prefetched
            with self._engine_call("locate"):
                found = self.ctx.engine.locate(
                    shot, description, intent=intent, page=self.ctx.executor.page
                )
            self._note(found)
            element = found.element
            if element is None:
                near = ", ".join(
                    f"{c.text[:40]!r} ({c.role}, {c.confidence:.2f})" for c in found.candidates[:3]
                )
                raise ElementNotFound(
                    f"nothing matches {description!r}" + (f"; closest: {near}" if near else "")
                )
            width, height = shot.size
            reveal = getattr(self.ctx.executor, "reveal", None)
            if element.box.inside(width, height) or not element.handle or reveal is None:
                self._remember(description, shot, element)
                return element
            with self._timed("act"):
                reveal(element.handle)
        raise ActionError(f"{description!r} stays off screen after scrolling it into view")

    def _cache_step(self, description: str) -> str:
        return f"{self.record.verb} {description}"

    def _from_cache(self, description: str, shot: Screenshot) -> Element | None:
        cache = self.ctx.cache
        if cache is None or not cache.reads or self.record.attempts > 1:
            return None  # a retry locates live: the cached element may be why the try failed
        with self._timed("locate"):
            element, status = cache.lookup(
                self._cache_step(description), shot, self.ctx.executor.page
            )
        if self.record.cache != "miss":
            self.record.cache = status
        if element is not None:
            self._record_found(element)
        return element

    def _record_found(self, element: Element) -> None:
        """Record an element that came without an engine search (cache, one shared call)."""
        self.record.element = element.summary()
        self.record.engine = element.engine
        self.record.candidates = [element.summary()]

    def _remember(self, description: str, shot: Screenshot, element: Element) -> None:
        cache = self.ctx.cache
        if cache is None:
            return
        entry = cache.entry_for(
            self._cache_step(description), shot, self.ctx.executor.page, element
        )
        if entry is not None:
            self._found.append(entry)

    def _prefetched(self, description: str, shot: Screenshot) -> Element | None:
        """The target's box from one call for this and the next steps' targets, if any."""
        prefetch, page = self.ctx.prefetch, self.ctx.executor.page
        if prefetch is None or self.record.attempts > 1:
            return None
        element = prefetch.take(description, shot, page)
        many = getattr(self.ctx.engine, "locate_many", None)
        upcoming = self.ctx.upcoming
        first = len(upcoming) > 1 and upcoming[0] == description
        if element is None and many is not None and first:
            try:
                with self._engine_call("locate"):
                    found = many(shot, upcoming)
            except ModelError as exc:
                self.record.notes.append(f"one call for {len(upcoming)} targets failed: {exc}")
                return None
            prefetch.fill({d: r.element for d, r in found.items() if r.element}, shot, page)
            element = prefetch.take(description, shot, page)
        if element is not None:
            self.record.notes.append(f"grounded in one call with {prefetch.size - 1} more targets")
            self._record_found(element)
        return element

    def commit_cache(self) -> None:
        """Store what this step found live (called once the step has passed)."""
        if self.ctx.cache is not None:
            for entry in self._found:
                self.ctx.cache.store(entry)
        self._found.clear()

    def _note(self, found: Located) -> None:
        record = self.record
        if found.element is not None:
            record.element = found.element.summary()
            record.engine = found.element.engine
        record.candidates = [c.summary() for c in found.candidates]
        record.tie = found.tie
        for note in found.notes:
            if note not in record.notes:
                record.notes.append(note)

    def act(self, action: Action, *, secrets: set[str] | None = None) -> None:
        """Perform an action and record it.

        ``secrets`` limits which placeholders are replaced by their values (a planned action
        may only type the secrets its goal names); None: all (the user wrote the step).
        """
        self.record.action = ACTION_ADAPTER.dump_python(action, mode="json", exclude_none=True)
        if isinstance(action, TypeText) and self.ctx.secrets.uses(action.text):
            # The trace keeps the placeholder; only the executor sees the value.
            named = self.ctx.secrets.named_in(action.text)
            allowed = named if secrets is None else secrets
            refused = named - allowed
            if refused:
                raise Refused(
                    f"the model tried to type secret {', '.join(sorted(refused))}, which the "
                    "goal does not name: a page may have asked for it; nothing was typed"
                )
            action = action.model_copy(
                update={"text": self.ctx.secrets.reveal(action.text, only=allowed)}
            )
        with self._timed("act"):
            self.ctx.executor.perform(action)

    def before(self, point: Point | None = None) -> PageState | None:
        """The state an action's check compares against (timed as verification)."""
        with self._timed("verify"):
            return self.state(point)

    def act_where_it_shows(self, action: Click | Hover | TypeText) -> None:
        """Perform an action on a described element; when its point is covered but part of the
        element shows (one button overlapping another), act on that part instead, as a person
        would. Only a target covered everywhere fails (and is retried as a failure)."""
        try:
            self.act(action)
        except OccludedTarget as exc:
            visible = getattr(self.ctx.executor, "visible_point", None)
            other = visible(action.handle) if visible and action.handle else None
            if other is None:
                raise
            self.record.notes.append(f"{exc}; acted on a visible part of it instead")
            self.act(action.model_copy(update={"point": other}))

    def state(self, point: Point | None = None) -> PageState | None:
        """The executor's state, or None while the page is navigating."""
        try:
            return self.ctx.executor.state(point)
        except Exception:  # noqa: BLE001 - a navigation destroys the page's context mid-read
            return None

    def wait_for_change(
        self, before: PageState | None, what: str, point: Point | None = None
    ) -> None:
        """Poll until the page differs from ``before``; VerificationFailed if it never does."""
        with self._timed("verify"):
            changed = polling(
                timeout_s=min(CHANGE_WINDOW_S, self.remaining()),
                accept=lambda now: now is None or now != before,
            )(self.state, point)
        if changed is not None and changed == before:
            raise VerificationFailed(f"{what} changed nothing (page, focus and content as before)")

    # -- the step ------------------------------------------------------------------------------
    def run(self, verb: str, args: Any) -> Any:
        """Run the step with retries; returns its output (extract) or None."""
        if getattr(args, "confirm", False):
            self._ask_confirmation(verb)
        attempts = 1 + self.ctx.retries
        if verb in ("expect", "wait_for", "wait", "goal"):
            attempts = 1  # they poll or wait on their own, until their timeout
        for attempt in step_retrying(attempts=attempts, deadline_s=self.ctx.timeout_s):
            with attempt:
                self.record.attempts += 1
                self._found.clear()
                try:
                    result = self._once(verb, args)
                    self.commit_cache()
                    return result
                except RETRYABLE as exc:
                    # Every try's failure stays in the trace, not only the last one.
                    self.record.notes.append(f"try {self.record.attempts}: {exc}")
                    raise
        return None  # pragma: no cover - tenacity either returns or raises

    def _ask_confirmation(self, verb: str) -> None:
        what = f"{verb} {self.record.target}".strip()
        if self.ctx.confirm is None:
            raise Refused(
                f"step {self.record.index + 1} ({what}) asks for confirmation, and nobody can be "
                "asked here: run it in a terminal, or pass --yes to confirm every step"
            )
        if not self.ctx.confirm(what):
            raise Refused(f"step {self.record.index + 1} ({what}) was not confirmed")
        self.record.notes.append("confirmed")

    def _once(self, verb: str, args: Any) -> Any:
        match verb:
            case "click" | "double_click" | "right_click":
                element = self.locate(args.target, Intent.CLICK)
                point = Point(x=element.point[0], y=element.point[1])
                before = self.before()
                click = Click(
                    point=point,
                    handle=element.handle,
                    button="right" if verb == "right_click" else "left",
                    clicks=2 if verb == "double_click" else 1,
                )
                self.act_where_it_shows(click)
                self.wait_for_change(before, f"{verb} on {args.target!r}")
            case "hover":
                element = self.locate(args.target, Intent.CLICK)
                self.act_where_it_shows(
                    Hover(
                        point=Point(x=element.point[0], y=element.point[1]), handle=element.handle
                    )
                )
            case "type":
                self._type(args)
            case "press":
                self.capture()
                self.act(Press(keys=args.keys))
            case "scroll":
                self._scroll(args)
            case "select":
                element = self.locate(args.in_, Intent.SELECT)
                action = Select(
                    point=Point(x=element.point[0], y=element.point[1]),
                    option=args.option,
                    handle=element.handle,
                )
                self.act(action)
                with self._timed("verify"):
                    value = self.ctx.executor.value_at(action)
                if value is not None and value.strip().casefold() != args.option.strip().casefold():
                    raise VerificationFailed(f"{args.in_!r} shows {value!r}, not {args.option!r}")
            case "drag":
                source = self.locate(args.from_, Intent.CLICK)
                target = self.locate(args.to, Intent.CLICK)
                before = self.before()
                self.act(
                    Drag(
                        start=Point(x=source.point[0], y=source.point[1]),
                        end=Point(x=target.point[0], y=target.point[1]),
                        handle=source.handle,
                        end_handle=target.handle,
                    )
                )
                self.wait_for_change(before, f"dragging {args.from_!r}")
            case "goto":
                url = urljoin(self.ctx.base_url, args.url) if self.ctx.base_url else args.url
                self.act(Goto(url=url))
                self.capture()
            case "wait":
                self.act(Wait(seconds=args.seconds))
                self.capture()
            case "wait_for":
                self._poll_for(lambda: self._present(args.target), args.target)
            case "expect":
                self._poll_for(lambda: self._find_text(args.text), args.text, expect=True)
            case "extract":
                return self._extract(args)
            case "goal":
                return self._goal(args)
            case _:  # pragma: no cover - the task schema lists the verbs
                raise UserError(f"unknown verb {verb!r}")
        return None

    def _type(self, args: TypeArgs) -> None:
        point = handle = None
        if args.into:
            element = self.locate(args.into, Intent.TYPE)
            point, handle = Point(x=element.point[0], y=element.point[1]), element.handle
        else:
            self.capture()
        action = TypeText(point=point, text=args.text, clear=args.clear, handle=handle)
        self.act_where_it_shows(action)
        self.record.action = {**(self.record.action or {}), "submit": args.submit}
        with self._timed("verify"):
            value = self.ctx.executor.value_at(action)
        if value is not None:
            typed = self.ctx.secrets.reveal(args.text)
            ok = value == typed if args.clear else value.endswith(typed)
            if not ok:
                raise VerificationFailed(f"the field holds {value!r} after typing {args.text!r}")
        if args.submit:
            with self._timed("act"):
                self.ctx.executor.perform(Press(keys="Enter"))

    def _scroll(self, args: ScrollArgs) -> None:
        point = None
        shot = self.capture()
        width, height = shot.size
        if args.within:
            element = self.locate(args.within, Intent.CLICK)
            point = Point(x=element.point[0], y=element.point[1])
            width, height = int(element.box.width), int(element.box.height)
        step_x, step_y = width * 0.8 * args.amount, height * 0.8 * args.amount
        dx, dy = {
            "down": (0.0, step_y),
            "up": (0.0, -step_y),
            "right": (step_x, 0.0),
            "left": (-step_x, 0.0),
        }[args.direction]
        before = self.before(point)
        self.act(Scroll(point=point, dx=dx, dy=dy))
        try:
            self.wait_for_change(before, f"scrolling {args.direction}", point)
        except VerificationFailed:
            self.record.notes.append("nothing moved: already at the end")
        self.capture()

    def _find_text(self, text: str) -> Element | None:
        """The visible text, or else (for `the Sign out button`) the element it describes."""
        shot = self.capture()
        with self._engine_call("verify"):
            found = self.ctx.engine.find_text(shot, text, page=self.ctx.executor.page)
        if found is None and parse_description(text).roles:
            return self._present(text, shot)
        return found

    def _present(self, description: str, shot: Screenshot | None = None) -> Element | None:
        """The described element if the engine is sure enough it is there, else None."""
        shot = shot or self.capture()
        with self._engine_call("locate"):
            found = self.ctx.engine.locate(
                shot, description, intent=Intent.TEXT, page=self.ctx.executor.page
            )
        element = found.element
        if element is None or element.confidence < PRESENCE_CONFIDENCE:
            return None
        self._note(found)
        return element

    def _poll_for(self, probe: Any, what: str, *, expect: bool = False) -> None:
        timeout = self.remaining()

        def attempt() -> Element | None:
            try:
                return probe()  # type: ignore[no-any-return,unused-ignore]
            except ElementNotFound:
                return None

        found = polling(timeout_s=timeout, interval_s=0.2, accept=lambda e: e is not None)(attempt)
        if found is None:
            verb = "expected text" if expect else "element"
            raise VerificationFailed(f"{verb} {what!r} not visible after {round(timeout, 1):g} s")
        self.record.element = found.summary()
        self.record.engine = found.engine

    def _extract(self, args: ExtractArgs) -> Any:
        shot = self.capture()
        with self._engine_call("locate"):
            element = self.ctx.engine.extract(shot, args.what, page=self.ctx.executor.page)
        if element is None:
            raise ElementNotFound(f"nothing matches {args.what!r}")
        self.record.element = element.summary()
        self.record.engine = element.engine
        # A field's or a checkbox's value is what it holds; anything else, its text.
        text = element.value if element.value is not None else element.text
        try:
            return convert(text, args.as_)
        except ValueError as exc:
            raise ElementNotFound(f"{args.what!r}: {exc}") from None

    def _goal(self, args: GoalArgs) -> str | None:
        """Plan, act and check until the model ends the goal; returns its answer, if any.

        With a cache, a recorded plan of this goal is replayed first, each action only while
        the screen still looks as it did where the action acts; at the first mismatch the model
        plans live from there. A plan is recorded (or replaced) only when the goal succeeds.
        """
        history: list[str] = []
        done: list[PlannedAction] = []
        # Only the secrets the user's goal names may be typed by the model: a page cannot add
        # one by asking for it.
        secrets = self.ctx.secrets.named_in(args.goal)
        cache = self.ctx.cache
        if cache is None:
            return self._plan_live(args, history, done, secrets)
        step = f"goal {args.goal}"
        place = where(self.capture(), self.ctx.executor.page)
        recorded = cache.plan_for(step, place)
        if recorded is not None and self.record.attempts <= 1:
            if self._replay(recorded, done, history, secrets):
                self.record.cache = "hit"
                return recorded.answer
            self.record.cache = "miss"
        elif cache.reads:
            self.record.cache = "live"
        answer = self._plan_live(args, history, done, secrets)
        cache.store_plan(PlanEntry(step=step, where=place, actions=done, answer=answer))
        return answer

    def _replay(
        self,
        recorded: PlanEntry,
        done: list[PlannedAction],
        history: list[str],
        secrets: set[str],
    ) -> bool:
        """Replay a recorded plan while it holds; False at the first mismatch."""
        for index, planned in enumerate(recorded.actions):
            shot = self.capture()
            if not still_there(planned, shot):
                self.record.notes.append(
                    f"cache: recorded action {index + 1} no longer fits the screen; planning live"
                )
                return False
            action = ACTION_ADAPTER.validate_python(planned.action)
            self.act(action, secrets=secrets)
            self.record.plan.append({"call": planned.call, "action": planned.action,
                                     "cached": True})  # fmt: skip
            done.append(planned)
            history.append(json.dumps(planned.call or planned.action, ensure_ascii=False))
        return True

    def _plan_live(
        self, args: GoalArgs, history: list[str], done: list[PlannedAction], secrets: set[str]
    ) -> str | None:
        repeats = bad = 0
        previous: str | None = None
        for _ in range(args.max_steps):
            shot = self.capture()
            try:
                with self._engine_call("locate"):
                    plan = self.ctx.engine.plan(shot, args.goal, history=history)
            except ModelError as exc:  # unparseable, or coordinates off the grid: tell the model
                raw = getattr(exc, "raw", None) or getattr(self.ctx.engine, "last_raw", None)
                self.record.plan.append({"error": str(exc), "raw": raw})
                bad += 1
                if bad >= MAX_BAD_ANSWERS:
                    raise
                history.append(f"(your answer could not be used: {exc}; answer with one tool call)")
                continue
            bad = 0
            self.record.model_output = plan.raw
            entry: dict[str, Any] = {"call": plan.call, "reason": plan.reason, "raw": plan.raw}
            self.record.plan.append(entry)
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
            before = self.before()
            self.act(plan.action, secrets=secrets)
            with self._timed("verify"):
                changed = self.state() != before
            entry.update(action=self.record.action, changed=changed)
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

    def _keep_raw(self) -> None:
        """Keep the engine's latest raw answer (model engines have one) in the trace."""
        raw = getattr(self.ctx.engine, "last_raw", None)
        if raw is not None:
            self.record.model_output = raw


def _point_of(action: Action) -> tuple[float, float] | None:
    """Where an action acts, in screenshot pixels (None for keys and waits)."""
    point = getattr(action, "point", None) or getattr(action, "start", None)
    return (point.x, point.y) if point is not None else None
