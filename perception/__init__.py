"""Perception: screenshots, elements, and the engines that find elements on a screen."""

from __future__ import annotations

from perception.elements import Box, Element
from perception.screen import Screenshot

__all__ = ["Box", "Element", "Screenshot"]
