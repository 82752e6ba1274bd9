"""Choosing an engine by name (the CLI's ``--engine``)."""

from __future__ import annotations

from agent.errors import UsageError
from perception.engine import Engine

ENGINES = ("offline",)
"""Engine names this version provides."""
PLANNED = {
    "qwen3vl": "--engine qwen3vl --model PATH (Qwen3-VL in-process)",
    "openai": "--engine openai --endpoint URL --model NAME (a served model)",
}


def make_engine(name: str, *, pixels_only: bool = False) -> Engine:
    """Build an engine.

    Raises:
        UsageError: The name is unknown, or names an engine this version does not ship.
    """
    if name == "offline":
        from perception.offline import OfflineEngine

        return OfflineEngine(use_dom=not pixels_only)
    if name in PLANNED:
        raise UsageError(
            f"the {name} engine is not part of this version yet; available: {', '.join(ENGINES)}"
        )
    raise UsageError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")
