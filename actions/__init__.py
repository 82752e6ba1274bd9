"""Actions: the one Action union and the executors that carry actions out."""

from __future__ import annotations

from actions.base import Executor, PageState
from actions.schema import Action, Point

__all__ = ["Action", "Executor", "PageState", "Point"]
