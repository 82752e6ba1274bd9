"""Expectations beyond "this text is visible": absent, shown by one element, a reading that
compares, a downloaded file. Each is read again until the step's timeout."""

from __future__ import annotations

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


def _read(step: StepRun, what: str, kind: Kind) -> tuple[Any, str | None]:
    """A reading, or None and why there was none."""
    try:
        return extract(step, what, kind), None
    except ElementNotFound as exc:
        return None, str(exc)


def expect_shown_in(step: StepRun, text: str, where: str) -> str:
    """The element described by ``where`` must show ``text`` (its value, or its words)."""
    wanted = " ".join(text.split()).casefold()
    found: list[Any] = [None, None]

    def holds() -> bool:
        found[:] = _read(step, where, "text")
        return found[0] is not None and wanted in " ".join(str(found[0]).split()).casefold()

    if not polling(timeout_s=step.remaining(), interval_s=POLL_S, accept=bool)(holds):
        shown = f"it shows {found[0]!r}" if found[0] is not None else found[1]
        raise VerificationFailed(f"{where!r} does not show {text!r}: {shown}")
    return str(found[0])


def _compare(value: Any, args: ExpectArgs) -> bool:
    if args.equals is not None:
        if isinstance(args.equals, str):
            return " ".join(str(value).split()).casefold() == args.equals.casefold()
        return bool(value == args.equals)
    above = args.greater_than is None or value > args.greater_than
    below = args.less_than is None or value < args.less_than
    return bool(above and below)


def expect_reading(step: StepRun, args: ExpectArgs) -> Any:
    """What ``args.extract`` reads must compare as said; the reading is returned."""
    assert args.extract is not None
    numeric = not isinstance(args.equals, str | None) or args.equals is None
    kind: Kind = "bool" if isinstance(args.equals, bool) else "float" if numeric else "text"
    found: list[Any] = [None, None]

    def holds() -> bool:
        found[:] = _read(step, args.extract or "", kind)
        return found[0] is not None and _compare(found[0], args)

    if not polling(timeout_s=step.remaining(), interval_s=POLL_S, accept=bool)(holds):
        said = f"it reads {found[0]!r}" if found[0] is not None else found[1]
        wanted = {"equal": args.equals, "be above": args.greater_than, "be below": args.less_than}
        rule = " and ".join(f"{k} {v!r}" for k, v in wanted.items() if v is not None)
        raise VerificationFailed(f"{args.extract!r} should {rule}: {said}")
    value = found[0]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def expect_file(step: StepRun, name: str) -> str:
    """A file of that name must have been downloaded; where it was saved."""
    executor = step.executor
    if not isinstance(executor, KeepsDownloads):
        raise UsageError("expect: {file: ...} is for a browser's downloads")
    found = polling(timeout_s=step.remaining(), interval_s=POLL_S, accept=bool)(
        lambda: (executor.downloads.find(name), step.page and step.page.wait_for_timeout(1))[0]
    )
    if found is None:
        had = ", ".join(f.name for f in executor.downloads.saved) or "none"
        raise VerificationFailed(f"no file {name!r} was downloaded (downloaded: {had})")
    step.record.notes.append(found.summary())
    return str(found.path)


def said_by_a_dialog(step: StepRun, text: str) -> bool:
    """Whether a dialog the previous step opened (answered, and gone) said ``text``."""
    executor = step.executor
    if not isinstance(executor, AnswersDialogs):
        return False
    wanted = " ".join(text.split()).casefold()
    for seen in executor.dialogs.recent:
        if wanted in " ".join(seen.message.split()).casefold():
            step.record.notes.append(f"the page's {seen.kind} dialog said {seen.message[:200]!r}")
            return True
    return False
