"""The Engine protocol: what turns a screenshot (and a description) into elements and actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from perception.elements import Element
from perception.matching import Intent

if TYPE_CHECKING:
    from actions.schema import Action, Point
    from perception.screen import Screenshot


@dataclass
class Located:
    """An engine's answer to "where is ...?".

    Attributes:
        element: The chosen element, or None when nothing matched well enough.
        candidates: The best candidates, best first (the chosen one included), for the trace.
        tie: True when the best candidates were equally good and distinct: then ``element``
            is None (nothing is guessed) and ``candidates`` starts with the ``tied`` ones.
        raw: The engine's raw output, when it has one (a model's text).
        notes: Short remarks for the trace (which sources ran, why OCR was used).
    """

    element: Element | None
    candidates: list[Element] = field(default_factory=list)
    tie: bool = False
    raw: str | None = None
    notes: list[str] = field(default_factory=list)
    pool: list[Element] = field(default_factory=list, repr=False)
    """Every candidate that matched at all, best first (what a relation chooses among)."""
    tied: int = 0
    """With ``tie``: how many of the first candidates are the tied ones."""

    def ambiguity(self, description: str) -> str:
        """What a tie is, for an AmbiguousTarget error: the tied candidates and what to say
        instead."""
        tied = self.candidates[: self.tied or len(self.candidates)]
        listed = "; ".join(
            f"{c.text[:40]!r} ({c.role} at {c.box.x0:.0f},{c.box.y0:.0f})" for c in tied[:5]
        )
        return (
            f"{description!r} matches {len(tied)} elements equally well: {listed}. Nothing "
            "was acted on; say which one: quote its exact text, name its role (button, link, "
            "field, checkbox...), or let a model decide (--engine auto with --model or "
            "--endpoint)"
        )


@dataclass
class Plan:
    """A planner's next move towards a goal.

    Attributes:
        action: The action to perform, or None when the model ended the goal.
        done: The model said the goal is over (``terminate`` or ``answer``).
        success: With ``done``: whether the model judged the goal reached.
        reason: The model's words around its action (its thought), for the trace.
        answer: The text of an ``answer`` action.
        raw: The model's whole output.
        call: The tool call's arguments as the model wrote them (grid coordinates), which is
            how the history shows earlier actions to the model.
        drag_to: A drag from wherever the pointer is to here (``action`` is None): Qwen's
            ``left_click_drag`` names only its end; the goal step knows where the pointer is.
    """

    action: Action | None
    done: bool = False
    success: bool = False
    reason: str = ""
    answer: str | None = None
    raw: str = ""
    call: dict[str, Any] | None = None
    drag_to: Point | None = None


@runtime_checkable
class Engine(Protocol):
    """Finds elements on a screenshot and, for model engines, plans actions.

    ``page`` is the live Playwright page for engines that read the DOM; None on a desktop or
    for a bare image, where engines work from pixels alone.
    """

    name: str

    def locate(
        self,
        screenshot: Screenshot,
        description: str,
        *,
        intent: Intent = Intent.CLICK,
        page: Any = None,
    ) -> Located:
        """Find the one element a description names."""
        ...

    def find_text(self, screenshot: Screenshot, text: str, *, page: Any = None) -> Element | None:
        """The element showing ``text`` when it is visible, else None."""
        ...

    def elements(self, screenshot: Screenshot, *, page: Any = None) -> list[Element]:
        """Every element worth acting on."""
        ...

    def extract(self, screenshot: Screenshot, what: str, *, page: Any = None) -> Element | None:
        """The described element with what it shows (its text, or a field's value)."""
        ...

    def plan(self, screenshot: Screenshot, goal: str, *, history: list[str]) -> Plan:
        """The next action towards a goal (or the end of it); ``history`` lists earlier moves.

        Raises:
            EngineCannotPlan: The engine has no model to plan with.
        """
        ...


# Optional abilities, declared so that callers ask with isinstance instead of guessing.
@runtime_checkable
class LocatesMany(Protocol):
    """Can ground several descriptions in one call (model engines)."""

    def locate_many(self, screenshot: Screenshot, descriptions: list[str]) -> dict[str, Located]:
        """Each description's answer, from one look at the screen."""
        ...


@runtime_checkable
class KeepsRawOutput(Protocol):
    """Keeps its latest raw answer (a model's text) for the trace."""

    last_raw: str | None


@runtime_checkable
class CountsModelTime(Protocol):
    """Adds up the seconds it spent waiting for a model (step timeouts leave them out)."""

    model_seconds: float


@runtime_checkable
class Loads(Protocol):
    """Has something slow to load (model weights) before its first answer."""

    def load(self) -> None:
        """Load now (idempotent); otherwise the first call loads."""
        ...


@runtime_checkable
class WrapsModel(Protocol):
    """Combines the offline engine with a model engine (``auto``)."""

    vlm: Engine | None
