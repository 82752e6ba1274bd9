"""gui-agent: automate browsers and desktops from screenshots.

``import agent`` is light: Playwright, OCR models and the like load when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.errors import (
    ActionError,
    AgentError,
    AmbiguousTarget,
    BrowserNotFound,
    CoordinateError,
    DisplayUnavailable,
    ElementNotFound,
    EndpointError,
    EngineCannotPlan,
    EnvironmentError_,
    MissingDependency,
    ModelError,
    ModelOutputError,
    OccludedTarget,
    PageUnavailable,
    Refused,
    StepFailed,
    TargetClosed,
    TaskFileError,
    TraceUnwritable,
    UnexpectedDialog,
    UsageError,
    UserError,
    VerificationFailed,
    WorkLimitExceeded,
)

if TYPE_CHECKING:
    from agent.api import Agent

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # `from agent import Agent` loads the API on first use, so `import agent` stays light.
    if name == "Agent":
        from agent.api import Agent

        return Agent
    raise AttributeError(f"module 'agent' has no attribute {name!r}")


__all__ = [
    "Agent",
    "ActionError",
    "AgentError",
    "AmbiguousTarget",
    "BrowserNotFound",
    "CoordinateError",
    "WorkLimitExceeded",
    "DisplayUnavailable",
    "ElementNotFound",
    "EndpointError",
    "EngineCannotPlan",
    "EnvironmentError_",
    "MissingDependency",
    "ModelError",
    "ModelOutputError",
    "OccludedTarget",
    "Refused",
    "StepFailed",
    "PageUnavailable",
    "TargetClosed",
    "TaskFileError",
    "TraceUnwritable",
    "UnexpectedDialog",
    "UsageError",
    "UserError",
    "VerificationFailed",
    "__version__",
]
