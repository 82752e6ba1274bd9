"""Prompt files shared by the VLM engines (``perception/prompts/``), loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def prompt(name: str) -> str:
    """The text of ``prompts/<name>.md`` (a ``str.format`` template)."""
    file = resources.files("perception") / "prompts" / f"{name}.md"
    return file.read_text("utf-8").strip()


@cache
def computer_use_tool() -> str:
    """The ``computer_use`` function declaration, as one JSON line (as Qwen's template shows it)."""
    text = (resources.files("perception") / "prompts" / "computer_use.json").read_text("utf-8")
    return json.dumps(json.loads(text), ensure_ascii=False)
