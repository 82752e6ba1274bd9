"""Expectations beyond "this text is visible": absent, shown by one element, a reading that
compares, a downloaded file. Each is read again until the step's timeout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actions.base import AnswersDialogs, KeepsDownloads
from actions.retry import polling
from agent.errors import AmbiguousTarget, ElementNotFound, UsageError, VerificationFailed
from agent.step.args import ExpectArgs
from agent.step.context import StepRun
from agent.step.reads import POLL_S, extract, find_text
from agent.values import Kind

_SEEN = object()


def expect_gone(step: StepRun, text: str) -> None:
    """``text`` (or the element it describes) must not be visible, or go before the timeout."""

    def look() -> Any:
        try:
            return find_text(step, text)
        except ElementNotFound:
            return None
        except AmbiguousTarget:
            return _SEEN  # several match: it is there

    seen = polling(timeout_s=step.remaining(), interval_s=POLL_S, accept=lambda e: e is None)(look)
    if seen is not None:
        if seen is not _SEEN:
            step.note_element(seen)
        raise VerificationFailed(f"{text!r} is still visible after {step.ctx.timeout_s:g} s")


def _poll_reading(
    step: StepRun, what: str, kind: Kind, holds: Callable[[Any], bool]
) -> tuple[bool, Any, str | None]:
    """Read ``what`` until ``holds(reading)`` or the timeout: whether it held, the last
    reading, and why there was none (nothing matched)."""
    last: list[Any] = [None, None]

    def good() -> bool:
        try:
            last[:] = [extract(step, what, kind), None]
        except ElementNotFound as exc:
            last[:] = [None, str(exc)]
        return last[0] is not None and holds(last[0])

    held = bool(polling(timeout_s=step.remaining(), interval_s=POLL_S, accept=bool)(good))
    return held, last[0], last[1]


def _flat(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def expect_shown_in(step: StepRun, text: str, where: str) -> str:
    """The element described by ``where`` must show ``text`` (its value, or its words)."""
    held, shown, why = _poll_reading(step, where, "text", lambda v: _flat(text) in _flat(v))
    if not held:
        said = f"it shows {shown!r}" if shown is not None else why
        raise VerificationFailed(f"{where!r} does not show {text!r}: {said}")
    return str(shown)


def _compare(value: Any, args: ExpectArgs) -> bool:
    if args.equals is not None:
        if isinstance(args.equals, str):
            return _flat(value) == _flat(args.equals)
        return bool(value == args.equals)
    above = args.greater_than is None or value > args.greater_than
    below = args.less_than is None or value < args.less_than
    return bool(above and below)


def expect_reading(step: StepRun, args: ExpectArgs) -> Any:
    """What ``args.extract`` reads must compare as said; the reading is returned."""
    assert args.extract is not None
    numeric = not isinstance(args.equals, str | None) or args.equals is None
    kind: Kind = "bool" if isinstance(args.equals, bool) else "float" if numeric else "text"
    held, value, why = _poll_reading(step, args.extract, kind, lambda v: _compare(v, args))
    if not held:
        said = f"it reads {value!r}" if value is not None else why
        wanted = {"equal": args.equals, "be above": args.greater_than, "be below": args.less_than}
        rule = " and ".join(f"{k} {v!r}" for k, v in wanted.items() if v is not None)
        raise VerificationFailed(f"{args.extract!r} should {rule}: {said}")
    return int(value) if isinstance(value, float) and value.is_integer() else value


def expect_file(step: StepRun, name: str, contains: str | None = None) -> str:
    """A file of that name must have been downloaded (holding ``contains``, if given, in its
    first MAX_READ bytes as UTF-8 text); where it was saved."""
    executor = step.executor
    if not isinstance(executor, KeepsDownloads):
        raise UsageError("expect: {file: ...} is for a browser's downloads")
    page = step.page

    def saved() -> Any:
        if page is not None:
            page.wait_for_timeout(1)  # the browser's events (the download) arrive in its calls
        return executor.downloads.find(name)

    found = polling(timeout_s=step.remaining(), interval_s=POLL_S, accept=bool)(saved)
    if found is None:
        had = ", ".join(f.name for f in executor.downloads.saved) or "none"
        raise VerificationFailed(f"no file {name!r} was downloaded (downloaded: {had})")
    step.record.notes.append(found.summary())
    if contains is not None:
        with found.path.open("rb") as file:
            text = file.read(MAX_READ).decode("utf-8", errors="replace")
        if step.ctx.secrets.reveal(contains) not in text:
            lines = len(text.splitlines())
            raise VerificationFailed(
                f"the downloaded {found.name} ({found.size} bytes, {lines} lines) does not"
                f" contain {contains!r}"
            )
    return str(found.path)


MAX_READ = 50 * 1024 * 1024
"""How much of a downloaded file ``expect: {file, text}`` reads."""


def said_by_a_dialog(step: StepRun, text: str) -> bool:
    """Whether a dialog the previous step opened (answered, and gone) said ``text``."""
    executor = step.executor
    if not isinstance(executor, AnswersDialogs):
        return False
    for seen in executor.dialogs.recent:
        if _flat(text) in _flat(seen.message):
            step.record.notes.append(f"the page's {seen.kind} dialog said {seen.message[:200]!r}")
            return True
    return False
