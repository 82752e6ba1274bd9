"""Prompt profiles: what a model is asked, and how its answers are read.

Models that share Qwen3-VL's architecture and 0-1000 grid (UI-Venus, GUI-Owl, MAI-UI and
others) load through the same classes but were trained on other prompts and answer formats.
A profile says, for one model: the prompt of each call kind, the grounding answer's format, the
coordinate divisor, and the computer-use tool declaration. gui-agent ships Qwen3-VL's
(``qwen3vl``, the default); a model folder carries its own as ``gui-agent-profile.json``, or
``--prompt-profile FILE`` names one. A profile file sets only what differs: the rest is
Qwen3-VL's. Planning answers are always read as ``computer_use`` tool calls.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import UsageError, usage_error
from perception.coords import GRID
from perception.prompts import computer_use_tool, prompt

PROFILE_FILE = "gui-agent-profile.json"
"""A model folder's own profile."""
SHIPPED = ("qwen3vl",)
"""Profiles known by name."""
PROMPTS = ("ground", "ground_many", "ask", "extract", "elements", "plan_system", "plan_user")


class PromptProfile(BaseModel):
    """One model's prompts and answer conventions (each prompt a ``str.format`` template)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="qwen3vl", min_length=1, max_length=100)
    ground: str = Field(default="", description="Asks for one element; uses {description}.")
    ground_many: str = Field(default="", description="Asks for several; uses {targets}.")
    ask: str = Field(default="", description="A yes/no question; uses {question}.")
    extract: str = Field(default="", description="Reads something; uses {what}.")
    elements: str = Field(default="", description="Lists every element; taken as written.")
    plan_system: str = Field(default="", description="The planner's system prompt; {tools}.")
    plan_user: str = Field(default="", description="The planner's turn; {goal} and {history}.")
    answer: Literal["json", "box_list", "point_list"] = Field(
        default="json",
        description="json: Qwen's {'bbox_2d': [...]} objects; box_list: bare [x1, y1, x2, y2]; "
        "point_list: bare [x, y] or (x, y).",
    )
    divisor: float = Field(default=GRID, gt=0, description="The coordinate grid's size.")
    tool: dict[str, Any] | None = Field(
        default=None, description="The computer_use function declaration (Qwen's by default)."
    )

    def text(self, kind: str) -> str:
        """The prompt template of one call kind (the profile's, else Qwen3-VL's)."""
        return str(getattr(self, kind)) or prompt(kind)

    def tool_json(self) -> str:
        """The tool declaration as the chat template shows it (one JSON line)."""
        if self.tool is None:
            return computer_use_tool()
        return json.dumps(self.tool, ensure_ascii=False)


@cache
def default_profile() -> PromptProfile:
    """Qwen3-VL's own prompts and formats."""
    return PromptProfile()


def load_profile(wanted: str | None, model: str | None = None) -> PromptProfile:
    """The profile named (a shipped name or a JSON file), else the model folder's, else
    Qwen3-VL's.

    Raises:
        UsageError: The file is missing, is not JSON, or holds an unknown or wrong field.
    """
    if wanted in SHIPPED:
        return default_profile()
    if wanted is not None:
        return _read(Path(wanted).expanduser(), "--prompt-profile")
    if model is not None and (Path(model).expanduser() / PROFILE_FILE).is_file():
        return _read(Path(model).expanduser() / PROFILE_FILE, "the model folder's profile")
    return default_profile()


def _read(path: Path, what: str) -> PromptProfile:
    if not path.is_file():
        raise UsageError(
            f"{what}: no file {path} (give a JSON profile file or one of: {', '.join(SHIPPED)})"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a JSON profile ({exc})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a profile is a JSON object, not {type(data).__name__}")
    data.setdefault("name", path.stem)
    try:
        profile = PromptProfile.model_validate(data)
    except ValidationError as exc:
        raise usage_error(exc, str(path)) from None
    for kind in PROMPTS:
        if kind == "elements":
            continue
        try:
            profile.text(kind).format(**dict.fromkeys(_FIELDS, "x"))
        except (KeyError, IndexError, ValueError) as exc:
            raise UsageError(
                f"{path}: {kind}: not a template of {{{'}, {'.join(_FIELDS)}}} ({exc!r}); "
                "write literal braces as {{ and }}"
            ) from None
    return profile


_FIELDS = ("description", "targets", "question", "what", "tools", "goal", "history")
