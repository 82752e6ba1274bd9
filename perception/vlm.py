"""What the Qwen3-VL engines share: prompts in, parsed elements and plans out.

A subclass supplies :meth:`VlmEngine.generate` (in-process transformers, or an HTTP server);
everything else (the prompts, parsing, the grid) is here, so both engines behave alike.
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from perception import budget
from perception.coords import GRID
from perception.decoding import LIST_TOKENS_PER_TARGET, CallKind
from perception.elements import Box, Element
from perception.engine import Located, Plan
from perception.matching import Intent, normalize
from perception.parsing import (
    ModelOutputError,
    groundings_to_elements,
    parse_groundings,
    parse_value,
    parse_yes_no,
    plan_from_text,
)
from perception.profiles import PromptProfile, default_profile
from perception.screen import Screenshot
from perception.zoom import from_region, wants_zoom, zoom_region

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

Message = dict[str, Any]


TOKEN_PIXELS = 32
"""One visual token covers 32x32 pixels (16-pixel patches, merged 2x2); sides are multiples."""
MIN_PIXELS = 65_536
"""Qwen3-VL checkpoints' smallest image (64 visual tokens)."""


def image_budget(
    size: tuple[int, int], max_pixels: int, min_pixels: int = MIN_PIXELS
) -> tuple[int, int]:
    """The size Qwen3-VL's processor gives an image: sides rounded to multiples of 32 pixels,
    aspect kept, between ``min_pixels`` and ``max_pixels``. An image sent at this size is not
    resized again by the server, so it stays within the budget and is resampled once."""
    width, height = size
    side = TOKEN_PIXELS
    w, h = max(side, round(width / side) * side), max(side, round(height / side) * side)
    if w * h > max_pixels:
        beta = math.sqrt(width * height / max_pixels)
        w = max(side, math.floor(width / beta / side) * side)
        h = max(side, math.floor(height / beta / side) * side)
    elif w * h < min_pixels:
        beta = math.sqrt(min_pixels / (width * height))
        w, h = math.ceil(width * beta / side) * side, math.ceil(height * beta / side) * side
    return w, h


class VlmEngine(ABC):
    """An engine backed by a Qwen3-VL model; subclasses say how to run it.

    Args:
        divisor: The grid's size (1000 for Qwen3-VL).
        max_pixels: The image budget: larger screenshots are shrunk to this many pixels.
        max_new_tokens: The longest answer.
        zoom: Ground in two passes (the whole screen, then a native-resolution crop around the
            first answer); None: only when the screen holds over twice the budget.
        temperature: Sample goal plans and element lists at this temperature (with Qwen's
            top_p and top_k); None or 0: greedy. Grounding, questions and reading stay greedy.
        profile: The model's prompts and answer format (default: Qwen3-VL's); its divisor
            replaces ``divisor``.
    """

    name = "vlm"

    def __init__(
        self,
        *,
        divisor: float = GRID,
        max_pixels: int = 1024 * 32 * 32,
        max_new_tokens: int = 256,
        zoom: bool | None = None,
        temperature: float | None = None,
        profile: PromptProfile | None = None,
    ) -> None:
        self.profile = profile or default_profile()
        self.divisor = self.profile.divisor if profile is not None else divisor
        self.temperature = temperature
        self.max_pixels = max_pixels
        self.max_new_tokens = max_new_tokens
        self.zoom = zoom
        self.last_raw: str | None = None
        """The model's latest answer, for the trace."""
        self.model_seconds = 0.0
        """Seconds spent in the model so far: a step's timeout does not count them."""
        self.last_new_tokens = 0
        """How many tokens the latest answer had (engines that count them)."""
        self.guard_notes: list[str] = []
        """Why the latest list answer was stopped early, if it was (see perception.decoding)."""

    @abstractmethod
    def generate(
        self,
        messages: list[Message],
        image: Image.Image,
        *,
        max_new_tokens: int,
        kind: CallKind = "ground",
    ) -> str:
        """Run the model on one screenshot and a conversation; return its text answer.
        ``kind`` decides the decoding (see :mod:`perception.decoding`)."""

    # -- prompts (public: the tests train a tiny model on exactly these) ------------------------
    def _user(self, kind: str, **fields: str) -> list[Message]:
        text = self.profile.text(kind)
        text = text.format(**fields) if fields else text  # `elements` has no fields: as written
        return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]

    def locate_messages(self, description: str) -> list[Message]:
        """The conversation that asks for one described element's box."""
        return self._user("ground", description=description)

    def locate_many_messages(self, descriptions: list[str]) -> list[Message]:
        """The conversation that asks for several described elements' boxes at once."""
        targets = "\n".join(f"{i + 1}. {d}" for i, d in enumerate(descriptions))
        return self._user("ground_many", targets=targets)

    def plan_messages(self, goal: str, history: list[str]) -> list[Message]:
        """The conversation that asks for the next action towards a goal."""
        system = self.profile.text("plan_system").format(tools=self.profile.tool_json())
        done = "\n".join(f"{i + 1}. {h}" for i, h in enumerate(history)) or "(none yet)"
        user = self.profile.text("plan_user").format(goal=goal, history=done)
        return [
            {"role": "system", "content": [{"type": "text", "text": system}]},
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": user}]},
        ]

    def ask_messages(self, question: str) -> list[Message]:
        """The conversation that asks a yes/no question about the screen (for ``expect``)."""
        return self._user("ask", question=question)

    def extract_messages(self, what: str) -> list[Message]:
        """The conversation that asks to read something off the screen (for ``extract``)."""
        return self._user("extract", what=what)

    def elements_messages(self) -> list[Message]:
        """The conversation that asks for every interactive element."""
        return self._user("elements")

    @staticmethod
    def visible_question(text: str) -> str:
        """How ``expect`` asks whether a text is on the screen."""
        return f'Is the text "{text}" visible on the screen?'

    def _ask(
        self, messages: list[Message], screenshot: Screenshot, tokens: int, kind: CallKind
    ) -> str:
        budget.check("before asking the model")
        started = time.monotonic()
        self.guard_notes = []  # the generating engine appends to this call's list
        try:
            raw = self.generate(messages, screenshot.image, max_new_tokens=tokens, kind=kind)
        finally:
            self.model_seconds += time.monotonic() - started
        self.last_raw = raw
        log.debug("%s answered: %r", self.name, raw[:500])
        return raw

    # -- the Engine protocol -------------------------------------------------------------------
    def locate(
        self,
        screenshot: Screenshot,
        description: str,
        *,
        intent: Intent = Intent.CLICK,
        page: Any = None,
    ) -> Located:
        """Ask the model for the described element's box.

        Raises:
            ModelOutputError: The answer holds no box on the grid (the step retries).
        """
        located = self._ground(screenshot, description)
        if not wants_zoom(screenshot.size, self.max_pixels, self.zoom):
            return located
        assert located.element is not None
        region = zoom_region(located.element.point, screenshot.size, self.max_pixels)
        crop = Screenshot(
            image=screenshot.image.crop((int(region.x0), int(region.y0), int(region.x1),
                                         int(region.y1))),
            scale=screenshot.scale,
            source=screenshot.source,
        )  # fmt: skip
        first = located.raw or ""
        try:
            close = self._ground(crop, description)
        except ModelOutputError as exc:
            # The coarse answer still stands; the trace says the second look failed.
            located.notes.append(f"zoom: the second pass gave no box ({exc}); kept the first")
            return located
        assert close.element is not None
        moved = [e.model_copy(update={"box": from_region(e.box, region)}) for e in close.candidates]
        notes = [*close.notes, f"zoom: second pass on {int(region.width)}x{int(region.height)} "
                 f"at ({int(region.x0)}, {int(region.y0)})"]  # fmt: skip
        self.last_raw = f"{first}\n--- zoom ---\n{close.raw or ''}"
        return Located(element=moved[0], candidates=moved, raw=self.last_raw, notes=notes)

    def locate_many(self, screenshot: Screenshot, descriptions: list[str]) -> dict[str, Located]:
        """Several described elements in one generation (a form's fields, before its steps).

        Answers are matched to descriptions by their label, else by their order; a description
        the answer leaves out is missing from the result (its step then asks on its own). No
        zoom here: a step whose screen is large asks on its own.
        """
        tokens = LIST_TOKENS_PER_TARGET * len(descriptions)
        raw = self._ask(self.locate_many_messages(descriptions), screenshot, tokens, "list")
        elements, refused = groundings_to_elements(
            parse_groundings(raw, self.profile.answer),
            screenshot.size,
            engine=self.name,
            divisor=self.divisor,
        )
        found: dict[str, Located] = {}
        wanted = {normalize(d): d for d in descriptions}
        unlabelled = []
        for element in elements:
            description = wanted.pop(normalize(element.text), None)
            if description is None:
                unlabelled.append(element)
            else:
                found[description] = Located(element=element, candidates=[element], raw=raw)
        for description, element in zip(
            [d for d in descriptions if d not in found], unlabelled, strict=False
        ):
            found[description] = Located(element=element, candidates=[element], raw=raw,
                                         notes=["matched to its description by order"])  # fmt: skip
        for located in found.values():
            located.notes.extend(refused)
        return found

    def _ground(self, screenshot: Screenshot, description: str) -> Located:
        """One grounding call on one image."""
        raw = self._ask(self.locate_messages(description), screenshot, 128, "ground")
        groundings = parse_groundings(raw, self.profile.answer)
        elements, refused = groundings_to_elements(
            groundings, screenshot.size, engine=self.name, divisor=self.divisor
        )
        if not elements:
            reason = "; ".join(refused) or "no bbox_2d or point_2d"
            raise ModelOutputError(f"no usable box for {description!r} ({reason})", raw)
        return Located(element=elements[0], candidates=elements[:5], raw=raw, notes=refused)

    def find_text(self, screenshot: Screenshot, text: str, *, page: Any = None) -> Element | None:
        """Ask whether the text is visible; the element is the whole screen (no box is asked)."""
        raw = self._ask(self.ask_messages(self.visible_question(text)), screenshot, 96, "ask")
        visible, reason = parse_yes_no(raw)
        if not visible:
            return None
        return Element(box=_whole(screenshot), text=text, role="text", engine=self.name)

    def extract(self, screenshot: Screenshot, what: str, *, page: Any = None) -> Element | None:
        """Ask the model to read something off the screen."""
        raw = self._ask(self.extract_messages(what), screenshot, 128, "read")
        value = parse_value(raw)
        return Element(box=_whole(screenshot), text=value, value=value, engine=self.name)

    def elements(self, screenshot: Screenshot, *, page: Any = None) -> list[Element]:
        """Every interactive element the model sees, with its type as the role."""
        raw = self._ask(self.elements_messages(), screenshot, 1024, "list")
        # A looping answer repeats entries: each box once.
        unique = list(
            {repr(g): g for g in reversed(parse_groundings(raw, self.profile.answer))}.values()
        )[::-1]
        found, _ = groundings_to_elements(
            unique, screenshot.size, engine=self.name, divisor=self.divisor
        )
        return found

    def plan(self, screenshot: Screenshot, goal: str, *, history: list[str]) -> Plan:
        """Ask for the next action with the computer_use tool."""
        raw = self._ask(self.plan_messages(goal, history), screenshot, self.max_new_tokens, "plan")
        return plan_from_text(raw, screenshot.size, divisor=self.divisor)


def _whole(screenshot: Screenshot) -> Box:
    width, height = screenshot.size
    return Box(x0=0, y0=0, x1=width, y1=height)
