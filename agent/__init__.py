"""gui-agent: automate browsers and desktops from screenshots.

``import agent`` is light: Playwright, OCR models and the like load when first used.
"""

from __future__ import annotations

from agent.errors import (
    ActionError,
    AgentError,
    BrowserNotFound,
    ElementNotFound,
    EngineCannotPlan,
    EnvironmentError_,
    MissingDependency,
    ModelError,
    OccludedTarget,
    TaskFileError,
    UsageError,
    UserError,
    VerificationFailed,
)

__version__ = "0.1.0"

__all__ = [
    "ActionError",
    "AgentError",
    "BrowserNotFound",
    "ElementNotFound",
    "EngineCannotPlan",
    "EnvironmentError_",
    "MissingDependency",
    "ModelError",
    "OccludedTarget",
    "TaskFileError",
    "UsageError",
    "UserError",
    "VerificationFailed",
    "__version__",
]
