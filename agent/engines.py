"""Choosing, building and loading an engine from settings (CLI flags, task file, environment).

The one engine loader: the CLI, the Python API and ``agent serve`` all build engines here.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import UsageError, usage_error
from agent.step.context import MODEL_TIMEOUT_S
from perception.engine import Engine, Loads, WrapsModel

EngineName = Literal["auto", "offline", "qwen3vl", "openvino", "openai"]
IMAGE_BUDGETS = {"small": 256 * 32 * 32, "medium": 512 * 32 * 32, "large": 1024 * 32 * 32}
"""Image budget presets in pixels: each visual token covers 32x32 pixels of the image."""
log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("auto", "offline", "qwen3vl", "openvino", "openai")
"""Engine names, the default first."""


class EngineSettings(BaseModel):
    """How to build an engine; unset fields fall back to ``GUI_AGENT_*`` variables."""

    model_config = ConfigDict(extra="forbid")

    engine: EngineName = "auto"
    model: str | None = Field(
        default=None, description="A Qwen3-VL folder or hub id, or a served model's name."
    )
    endpoint: str | None = Field(default=None, description="An OpenAI-compatible base URL (…/v1).")
    api_key_env: str = "OPENAI_API_KEY"
    threshold: float = Field(
        default=0.75, ge=0, le=1, description="auto: offline matches below go to the model."
    )
    device: Literal["auto", "cuda", "mps", "cpu"] = "auto"
    max_pixels: int | None = Field(default=None, ge=32 * 32, le=16_777_216)
    image_budget: Literal["small", "medium", "large"] | None = Field(
        default=None, description="A preset image budget (256, 512 or 1024 visual tokens)."
    )
    zoom: bool | None = Field(
        default=None, description="Two-pass grounding; None: on screens over twice the budget."
    )
    moe_top_k: int | None = Field(default=None, ge=1, le=128)
    quantize: Literal["4bit", "8bit", "int8", "int4", "fp16"] | None = None
    temperature: float | None = Field(
        default=None, ge=0, le=2, description="Sampling for plans and lists; None: greedy."
    )
    prompt_profile: str | None = Field(
        default=None, description="A shipped profile's name or a JSON file (prompts, format)."
    )

    def pixels(self) -> int | None:
        """The image budget in pixels: ``max_pixels``, a preset's, or None (the engine's)."""
        if self.max_pixels and self.image_budget:
            raise UsageError("give --max-pixels or --image-budget, not both")
        if self.image_budget:
            return IMAGE_BUDGETS[self.image_budget]
        return self.max_pixels

    pixels_only: bool = False

    @classmethod
    def resolve(cls, *layers: dict[str, Any]) -> EngineSettings:
        """Merge layers, earliest first winning (CLI, then task file), over the environment.

        Raises:
            UsageError: A setting is not valid (it names the setting).
        """
        merged: dict[str, Any] = {}
        env: dict[str, Any] = {
            "engine": os.environ.get("GUI_AGENT_ENGINE"),
            "model": os.environ.get("GUI_AGENT_MODEL"),
            "endpoint": os.environ.get("GUI_AGENT_ENDPOINT"),
        }
        for layer in (*layers, env):
            for key, value in layer.items():
                if value is not None and key not in merged:
                    merged[key] = value
        try:
            return cls.model_validate(merged)
        except ValidationError as exc:
            raise usage_error(exc, "engine options") from None


def make_engine(
    name: str = "auto", *, pixels_only: bool = False, settings: EngineSettings | None = None
) -> Engine:
    """Build an engine.

    Raises:
        UsageError: An unknown name, or a model engine without its model or endpoint.
    """
    from perception.offline import OfflineEngine

    settings = settings or EngineSettings.resolve(
        {"engine": name, "pixels_only": pixels_only or None}
    )
    offline = OfflineEngine(use_dom=not settings.pixels_only)
    match settings.engine:
        case "offline":
            return offline
        case "qwen3vl" | "openvino" | "openai":
            return _vlm(settings.engine, settings)
        case "auto":
            from perception.auto import AutoEngine

            vlm = None
            if settings.endpoint:
                vlm = _vlm("openai", settings)
            elif settings.model:
                vlm = _vlm("qwen3vl", settings)
            return AutoEngine(offline, vlm, threshold=settings.threshold)
    raise UsageError(f"unknown engine {settings.engine!r}; choose one of {', '.join(ENGINES)}")


def _vlm(kind: str, settings: EngineSettings) -> Engine:
    from perception.profiles import load_profile

    if kind == "openai":
        if not settings.endpoint or not settings.model:
            raise UsageError(
                "--engine openai needs --endpoint URL (e.g. http://127.0.0.1:8000/v1) and "
                "--model NAME (the name the server serves)"
            )
        from perception.served import OpenAIEngine

        if settings.quantize:
            raise UsageError("--quantize applies to the in-process engine (--engine qwen3vl)")
        served = OpenAIEngine(
            settings.endpoint, settings.model, api_key_env=settings.api_key_env,
            temperature=settings.temperature, profile=load_profile(settings.prompt_profile),
        )  # fmt: skip
        if settings.pixels():
            served.max_pixels = settings.pixels()  # type: ignore[assignment]
        served.zoom = settings.zoom
        return served
    if not settings.model:
        raise UsageError(
            f"--engine {kind} needs --model: a folder with a Qwen3-VL checkpoint "
            "(e.g. Qwen3-VL-2B-Instruct) or a hub id already in the local cache"
        )
    if kind == "openvino":
        from perception.openvino_engine import OpenVINOEngine

        if settings.quantize not in (None, "int8", "int4", "fp16"):
            raise UsageError("--engine openvino takes --quantize int8 (default), int4 or fp16")
        return OpenVINOEngine(
            settings.model, weights=settings.quantize or "int8", max_pixels=settings.pixels(),
            zoom=settings.zoom, temperature=settings.temperature,
            profile=load_profile(settings.prompt_profile, settings.model),
        )  # fmt: skip
    quantize = settings.quantize
    if quantize == "int4" or quantize == "fp16":
        raise UsageError(f"--quantize {quantize} is for --engine openvino")
    from perception.qwen3vl import Qwen3VLEngine

    return Qwen3VLEngine(
        settings.model,
        device=settings.device,
        max_pixels=settings.pixels(),
        moe_top_k=settings.moe_top_k,
        quantize=quantize,
        zoom=settings.zoom,
        temperature=settings.temperature,
        profile=load_profile(settings.prompt_profile, settings.model),
    )


def load_engine(engine: Engine, *, status: AbstractContextManager[Any] | None = None) -> Engine:
    """Load the engine's model now (a model engine's weights, or the one ``auto`` wraps), so
    that the first step does not pay for it; ``status`` (a spinner) is entered meanwhile."""
    model = engine.vlm if isinstance(engine, WrapsModel) else engine
    if isinstance(model, Loads):
        with status or nullcontext():
            model.load()
        if getattr(model, "device", None) == "cpu":
            faster = (
                "; --engine openvino is 1.5-2x faster (installed here)"
                if importlib.util.find_spec("openvino_genai") else ""
            )  # fmt: skip
            log.warning(
                "on a CPU one model answer takes 20-100 s (about half with --quantize int8)%s; "
                "step timeouts do not count it, up to model_timeout (%g s) per step. The "
                "README's Qwen3-VL section lists the fastest settings", faster, MODEL_TIMEOUT_S,
            )  # fmt: skip
    return engine


def engine_for(
    engine: str | Engine, *, model: str | None = None, endpoint: str | None = None
) -> Engine:
    """An engine given by name (built from the settings and loaded) or as is."""
    if not isinstance(engine, str):
        return engine
    settings = EngineSettings.resolve({"engine": engine, "model": model, "endpoint": endpoint})
    return load_engine(make_engine(settings=settings))
