"""Typing into a terminal or editor that takes keys in an input nobody sees (xterm.js,
Monaco): the check reads what it shows instead of the input's value."""

from __future__ import annotations

from typing import Any

from actions.base import ShownText
from actions.retry import polling
from actions.schema import TypeText
from agent.errors import VerificationFailed
from agent.step.context import StepRun
from agent.step.reads import POLL_S

SHOWN_S = 2.0
"""How long a terminal or editor has to draw what was typed (a shell echoes it back)."""


def shown_now(step: StepRun, action: TypeText) -> ShownText | None:
    """What a terminal or editor with focus shows before typing into it (None for a field)."""
    if step.page is None:
        return None
    try:
        value = step.executor.value_at(action)
    except Exception:  # noqa: BLE001 - best effort: nothing has focus yet, or the page moves
        return None
    return value if isinstance(value, ShownText) else None


def shows_typed(step: StepRun, action: TypeText, text: str, before: str | None = None) -> None:
    """An editor or terminal that takes keys in a hidden input must show the typed text once
    more than ``before`` (what it showed before typing), read again for up to SHOWN_S. A
    secret that does not show is noted, not failed: a password prompt rightly echoes
    nothing."""
    typed = " ".join(step.ctx.secrets.reveal(text).split())

    def times(value: Any) -> int:
        return " ".join(str(value or "").replace("\xa0", " ").split()).count(typed)

    already = times(before)

    def shows(value: Any) -> bool:
        return isinstance(value, str) and times(value) > already

    read = polling(timeout_s=min(SHOWN_S, step.remaining()), interval_s=POLL_S, accept=shows)
    value = read(lambda: step.executor.value_at(action))
    if shows(value):
        step.record.notes.append("read back from what the editor or terminal shows")
    elif step.ctx.secrets.uses(text):
        step.record.notes.append("not checked: the terminal or editor does not show the secret")
    else:
        last = (str(value or "").strip().splitlines() or [""])[-1][-80:]
        raise VerificationFailed(
            f"typed {text!r} but the editor or terminal does not show it (its last line: {last!r})"
        )
