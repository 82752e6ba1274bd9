"""The verbs of browser mechanics: uploads, tabs and dialogs (registered after the core verbs
of :mod:`agent.step.verbs`, in the same registry)."""

from __future__ import annotations

from pathlib import Path

from actions.base import AnswersDialogs, FollowsTabs, Uploads
from actions.schema import Point
from agent.errors import AmbiguousTarget, UsageError, VerificationFailed
from agent.step.args import CloseTabArgs, DialogArgs, TabArgs, UploadArgs
from agent.step.context import StepRun
from agent.step.locate import locate
from agent.step.verbs import VERBS
from perception.elements import Element
from perception.matching import Intent


def _describe_upload(args: UploadArgs) -> str:
    return f"{', '.join(args.paths())} into {args.into}"


@VERBS.verb(
    "upload", UploadArgs, shorthand=None, describe=_describe_upload, targets=lambda a: [a.into]
)
def upload(step: StepRun, args: UploadArgs) -> None:
    """Give files to a file field (or the upload button in front of it); it must hold them."""
    executor = step.executor
    if not isinstance(executor, Uploads):
        raise UsageError("upload is a browser verb: on a desktop, type the path into its dialog")
    files = [Path(p).expanduser().resolve() for p in args.paths()]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise UsageError(f"no such file to upload: {', '.join(missing)}")
    try:
        element = locate(step, args.into, Intent.CLICK)
    except AmbiguousTarget:
        element = _the_one_taking_files(step, executor, args.into)
    with step.timed("act"):
        held = executor.upload(Point.at(element.point), element.handle, files)
    point = Point.at(element.point)
    step.record.action = {"upload": [f.name for f in files], "point": point.model_dump()}
    wanted = [f.name for f in files]
    if sorted(held) != sorted(wanted):
        raise VerificationFailed(f"the file field holds {held or 'nothing'}, not {wanted}")
    step.record.notes.append(f"the field holds {', '.join(held)}")


def _the_one_taking_files(step: StepRun, executor: Uploads, description: str) -> Element:
    """Of candidates tied for an upload's field, the one file input (the verb wants one:
    "File" also names "Description of the file"); the tie stands when there is not one."""
    shot = step.capture()
    found = step.engine.locate(shot, description, intent=Intent.CLICK, page=step.page)
    takes = [c for c in found.candidates if c.handle and executor.takes_files(c.handle)]
    if len(takes) != 1:
        raise AmbiguousTarget(found.ambiguity(description))
    step.record.notes.append("of the equal candidates, one is a file field")
    return takes[0]


def _tabs(step: StepRun) -> FollowsTabs:
    executor = step.executor
    if not isinstance(executor, FollowsTabs):
        raise UsageError(f"{step.verb} is a browser verb: a desktop has windows, not tabs")
    return executor


@VERBS.verb("switch_tab", TabArgs, shorthand="tab", describe=lambda a: a.tab)
def switch_tab(step: StepRun, args: TabArgs) -> None:
    """Go on in another tab, named by position (from 1) or part of its title or address."""
    step.record.notes.append(_tabs(step).switch_tab(args.tab))
    step.capture()


@VERBS.verb("close_tab", CloseTabArgs, shorthand="tab", describe=lambda a: a.tab or "current")
def close_tab(step: StepRun, args: CloseTabArgs) -> None:
    """Close the current tab (or the one named); go on in the tab that opened it."""
    step.record.notes.append(_tabs(step).close_tab(args.tab))
    step.capture()


def _describe_dialog(args: DialogArgs) -> str:
    return args.answer + (f" with {args.text!r}" if args.text is not None else "")


@VERBS.verb("dialog", DialogArgs, shorthand="answer", describe=_describe_dialog)
def dialog(step: StepRun, args: DialogArgs) -> None:
    """Answer the next confirm or prompt dialog so (declared before the step that opens it)."""
    executor = step.executor
    if not isinstance(executor, AnswersDialogs):
        raise UsageError("dialog is a browser verb: a desktop program's dialogs are windows")
    executor.dialogs.answer_next(args.answer, step.ctx.secrets.reveal(args.text or "") or None)
    step.record.notes.append(f"the next dialog will be {args.answer}ed")
