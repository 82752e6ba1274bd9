"""Model text -> groundings and actions. Pure functions: no model, no I/O.

Qwen3-VL answers grounding as JSON (``[{"bbox_2d": [x1, y1, x2, y2], "label": ...}]`` or
``{"point_2d": [x, y]}``), usually in a ```json fence, sometimes bare or with prose around it;
and plans with ``<tool_call>{"name": "computer_use", "arguments": {...}}</tool_call>``.
Coordinates stay on the 0-1000 grid here; :mod:`perception.coords` turns them into pixels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from actions.schema import Click, Drag, Hover, Point, Press, Scroll, TypeText, Wait
from agent.errors import CoordinateError, ModelOutputError
from perception.coords import GRID, box_to_pixels, point_to_pixels
from perception.elements import Box, Element
from perception.engine import Plan

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_MAX_TEXT = 20_000
"""Answers are read up to here: a real one (at most ~1,000 tokens) is a few thousand characters."""
_MAX_FAILED_DECODES = 64


@dataclass(frozen=True)
class Grounding:
    """One box or point the model named, still on the grid."""

    label: str
    bbox: list[Any] | None = None
    point: list[Any] | None = None
    kind: str = ""
    purpose: str = ""


@dataclass(frozen=True)
class ToolCall:
    """One ``<tool_call>``: a function name and its arguments."""

    name: str
    arguments: dict[str, Any]


def json_values(text: str) -> list[Any]:
    """Every JSON value in the text: fenced blocks first, else each object or list in it."""
    text = text[:_MAX_TEXT]
    decoder = json.JSONDecoder()
    values: list[Any] = []
    for block in _FENCE.findall(text):
        values.extend(_scan(block.strip(), decoder))
    if values:
        return values
    return _scan(text, decoder)


def _scan(text: str, decoder: json.JSONDecoder) -> list[Any]:
    values: list[Any] = []
    index = 0
    failures = 0
    # A hostile answer ("[[[[..." many thousand deep) would otherwise cost a decode per
    # character; real answers hold a few values and parse on the first try.
    while index < len(text) and failures < _MAX_FAILED_DECODES:
        starts = [i for i in (text.find("{", index), text.find("[", index)) if i >= 0]
        if not starts:
            break
        start = min(starts)
        try:
            value, end = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError):
            failures += 1
            index = start + 1
            while index < len(text) and text[index] == text[start]:
                index += 1  # a run of the same bracket fails the same way
            continue
        values.append(value)
        index = end
    return values


def _objects(value: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Dicts in a value, looking one level into lists (answers come as lists of boxes)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and depth < 2:
        return [obj for item in value for obj in _objects(item, depth + 1)]
    return []


AnswerFormat = Literal["json", "box_list", "point_list"]
_PAIR = re.compile(r"\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)")


def parse_groundings(text: str, answer: AnswerFormat = "json") -> list[Grounding]:
    """Every box or point answer in the text, in order: Qwen's ``bbox_2d``/``point_2d``
    objects (``json``), or, for models trained so, bare ``[x1, y1, x2, y2]`` (``box_list``)
    or ``[x, y]``/``(x, y)`` (``point_list``) lists."""
    if answer != "json":
        return _bare_groundings(text, 4 if answer == "box_list" else 2)
    out: list[Grounding] = []
    for value in json_values(text):
        for obj in _objects(value):
            label = obj.get("label", "")
            label = label if isinstance(label, str) else str(label)
            bbox, point = obj.get("bbox_2d", obj.get("bbox")), obj.get("point_2d", obj.get("point"))
            kind, purpose = str(obj.get("type") or ""), str(obj.get("purpose") or "")
            if isinstance(bbox, list):
                out.append(Grounding(label=label, bbox=bbox, kind=kind, purpose=purpose))
            elif isinstance(point, list):
                out.append(Grounding(label=label, point=point, kind=kind, purpose=purpose))
    return out


def _bare_groundings(text: str, length: int) -> list[Grounding]:
    """Lists of ``length`` numbers anywhere in the answer (nested lists looked into)."""
    found: list[list[Any]] = []

    def walk(value: Any, depth: int = 0) -> None:
        if isinstance(value, list) and depth < 3:
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            if numbers and len(value) == length:
                found.append(value)
            else:
                for item in value:
                    walk(item, depth + 1)

    for value in json_values(text):
        walk(value)
    if length == 2 and not found:
        found = [[float(x), float(y)] for x, y in _PAIR.findall(text[:_MAX_TEXT])]
    if length == 4:
        return [Grounding(label="", bbox=v) for v in found]
    return [Grounding(label="", point=v) for v in found]


def groundings_to_elements(
    groundings: list[Grounding],
    size: tuple[int, int],
    *,
    engine: str,
    divisor: float = GRID,
    confidence: float = 0.9,
) -> tuple[list[Element], list[str]]:
    """Pixel elements for the groundings that lie on the grid, and a note for each refused."""
    elements: list[Element] = []
    refused: list[str] = []
    for item in groundings:
        try:
            if item.bbox is not None:
                box = box_to_pixels(item.bbox, size, divisor=divisor)
            else:
                x, y = point_to_pixels(item.point or [], size, divisor=divisor)
                # A point becomes a small box around it, so that it can be drawn and hit.
                width, height = size
                box = Box(x0=max(0, x - 4), y0=max(0, y - 4), x1=min(width, x + 4),
                          y1=min(height, y + 4))  # fmt: skip
        except CoordinateError as exc:
            refused.append(f"refused {item.label or 'an answer'}: {exc}")
            continue
        elements.append(
            Element(
                box=box,
                text=item.label,
                role=item.kind or "element",
                confidence=confidence,
                engine=engine,
                purpose=item.purpose or None,
            )
        )
    return elements, refused


def parse_tool_calls(text: str) -> list[ToolCall]:
    """The ``<tool_call>`` blocks in the text (or a bare ``{"name", "arguments"}`` object)."""
    calls: list[ToolCall] = []
    blocks = _TOOL_CALL.findall(text[:_MAX_TEXT])
    candidates = (
        [v for block in blocks for v in json_values(block)] if blocks else json_values(text)
    )
    for value in candidates:
        for obj in _objects(value):
            name, arguments = obj.get("name"), obj.get("arguments", {})
            if isinstance(arguments, str):  # some servers double-encode the arguments
                try:
                    arguments = json.loads(arguments)
                except json.JSONDecodeError:
                    continue
            if isinstance(name, str) and isinstance(arguments, dict):
                calls.append(ToolCall(name=name, arguments=arguments))
    return calls


_KEYS = {
    "ctrl": "Control", "control": "Control", "alt": "Alt", "option": "Alt", "shift": "Shift",
    "cmd": "Meta", "command": "Meta", "super": "Meta", "meta": "Meta", "win": "Meta",
    "enter": "Enter", "return": "Enter", "esc": "Escape", "escape": "Escape", "tab": "Tab",
    "backspace": "Backspace", "delete": "Delete", "del": "Delete", "space": "Space",
    "up": "ArrowUp", "down": "ArrowDown", "left": "ArrowLeft", "right": "ArrowRight",
    "pageup": "PageUp", "pagedown": "PageDown", "home": "Home", "end": "End", "insert": "Insert",
}  # fmt: skip


def key_name(key: str) -> str:
    """A model's key name (``ctrl``, ``enter``, ``f5``, ``a``) -> Playwright's (``Control``...)."""
    lowered = key.strip().lower()
    if lowered in _KEYS:
        return _KEYS[lowered]
    if re.fullmatch(r"f\d{1,2}", lowered):
        return lowered.upper()
    if lowered.startswith("arrow") and lowered[5:] in ("up", "down", "left", "right"):
        return "Arrow" + lowered[5:].title()
    return key.strip()


def plan_from_text(text: str, size: tuple[int, int], *, divisor: float = GRID) -> Plan:
    """Turn a planning answer into a Plan (one action, or the end of the goal).

    Raises:
        ModelOutputError: No ``computer_use`` call, an unknown action, or bad arguments.
        CoordinateError: Coordinates off the grid (never clicked).
    """
    calls = [c for c in parse_tool_calls(text) if c.name in ("computer_use", "computer")]
    if not calls:
        raise ModelOutputError("no computer_use tool call in the answer", text)
    args = calls[0].arguments
    reason = _TOOL_CALL.sub("", text).strip()
    action_name = args.get("action")

    def point(key: str = "coordinate") -> Point:
        x, y = point_to_pixels(_as_list(args.get(key), key, text), size, divisor=divisor)
        return Point(x=x, y=y)

    match action_name:
        case "left_click" | "right_click" | "middle_click" | "double_click" | "triple_click":
            button = {"right_click": "right", "middle_click": "middle"}.get(action_name, "left")
            clicks = {"double_click": 2, "triple_click": 3}.get(action_name, 1)
            action: Any = Click(point=point(), button=button, clicks=clicks)  # type: ignore[arg-type]
        case "mouse_move":
            action = Hover(point=point())
        case "left_click_drag":
            # Qwen's tool drags from where the cursor is (after a mouse_move) to `coordinate`;
            # other dialects name the start too.
            start_key = next((k for k in ("start_coordinate", "coordinate2") if k in args), None)
            if start_key is None:
                return Plan(action=None, drag_to=point(), reason=reason, raw=text, call=args)
            action = Drag(start=point(start_key), end=point())
        case "type":
            action = TypeText(text=str(args.get("text", "")), clear=False)
        case "key":
            keys = args.get("keys", args.get("key"))
            keys = [keys] if isinstance(keys, str) else keys
            if not keys or not all(isinstance(k, str) for k in keys):
                raise ModelOutputError("a key action needs keys", text)
            action = Press(keys="+".join(key_name(k) for k in keys))
        case "scroll" | "hscroll":
            pixels = args.get("pixels", 0)
            if isinstance(pixels, bool) or not isinstance(pixels, int | float) or abs(pixels) > 1e5:
                raise ModelOutputError(f"scroll needs pixels, got {pixels!r}", text)
            at = point() if "coordinate" in args else None
            # Positive pixels scroll up (or left for hscroll) in Qwen's convention.
            if action_name == "scroll":
                action = Scroll(point=at, dy=-float(pixels))
            else:
                action = Scroll(point=at, dx=-float(pixels))
        case "wait":
            seconds = args.get("time", 1)
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise ModelOutputError(f"wait needs a time in seconds, got {seconds!r}", text)
            action = Wait(seconds=max(0.0, min(float(seconds), 60.0)))
        case "terminate":
            status = str(args.get("status", "success")).lower()
            return Plan(
                action=None, done=True, success=status == "success", reason=reason, raw=text,
                call=args,
            )  # fmt: skip
        case "answer":
            answer = str(args.get("text", ""))
            return Plan(
                action=None, done=True, success=True, answer=answer, reason=reason, raw=text,
                call=args,
            )  # fmt: skip
        case _:
            raise ModelOutputError(f"unknown computer_use action {action_name!r}", text)
    return Plan(action=action, reason=reason, raw=text, call=args)


def _as_list(value: Any, key: str, text: str) -> list[Any]:
    if not isinstance(value, list):
        raise ModelOutputError(f"{key} must be [x, y], got {value!r}", text)
    return value


def parse_yes_no(text: str) -> tuple[bool, str]:
    """``{"answer": "yes", "reason": ...}`` (or a bare yes/no) -> (answer, reason).

    Raises:
        ModelOutputError: Neither yes nor no can be read.
    """
    for value in json_values(text):
        for obj in _objects(value):
            answer = obj.get("answer", obj.get("visible"))
            if isinstance(answer, bool):
                return answer, str(obj.get("reason", ""))
            if isinstance(answer, str) and answer.strip().lower() in ("yes", "no", "true", "false"):
                return answer.strip().lower() in ("yes", "true"), str(obj.get("reason", ""))
    first = re.match(r"\s*\W*(yes|no)\b", text, re.IGNORECASE)
    if first:
        return first.group(1).lower() == "yes", text.strip()
    raise ModelOutputError("expected a yes/no answer", text)


def parse_value(text: str) -> str:
    """``{"value": ...}`` -> the value as text.

    Raises:
        ModelOutputError: No value in the answer.
    """
    for value in json_values(text):
        for obj in _objects(value):
            if "value" in obj and obj["value"] is not None:
                found = obj["value"]
                return found if isinstance(found, str) else json.dumps(found)
    raise ModelOutputError('expected {"value": ...}', text)
