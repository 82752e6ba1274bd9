"""Every verb, in one registry: the core verbs (:mod:`agent.step.verbs`), then those of
browser mechanics (:mod:`agent.step.browser_verbs`). Read the registry from here."""

from __future__ import annotations

from agent.step import browser_verbs
from agent.step.verbs import VERBS

__all__ = ["VERBS", "browser_verbs"]
