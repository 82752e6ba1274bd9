"""Qwen3-VL through OpenVINO GenAI's VLMPipeline: the fastest CPU path measured here.

Same prompts, parsing and grid as the transformers engine (the VlmEngine base); what differs is
how a checkpoint becomes a model: OpenVINO runs an export of it (int8 weights by default, int4
with ``--quantize int4``), made once with ``optimum-cli export openvino`` into a folder beside
the checkpoint (or under ``~/.cache/gui-agent/openvino`` when that is not writable). The
exporter (optimum-intel) pins its own transformers, so it usually lives in an environment of
its own: ``GUI_AGENT_OPTIMUM_CLI`` names its ``optimum-cli``, else the one on PATH is used.
A folder that already holds an export is used as it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agent.errors import MissingDependency, ModelError, UsageError
from perception import budget
from perception.coords import GRID
from perception.decoding import CallKind, list_gone_wrong, sampling
from perception.profiles import PromptProfile
from perception.vlm import Message, VlmEngine, image_budget

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

WeightFormat = Literal["int8", "int4", "fp16"]
EXPORTED = "openvino_language_model.xml"
"""The file that marks a folder as an OpenVINO export of a vision-language model."""
DEFAULT_MAX_PIXELS = 768 * 32 * 32
"""As the transformers engine on a CPU: a 1280x800 screen is ~1,000 visual tokens at full size."""
_IMAGE_TAG = "<ov_genai_image_0>"
_VISION = "<|vision_start|><|image_pad|><|vision_end|>"
_LOADED: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def export_dir(model: str, weights: WeightFormat) -> Path:
    """Where the export of a checkpoint goes: beside it if that folder is writable, else in
    the user's cache."""
    source = Path(model).expanduser().resolve()
    if source.is_dir() and os.access(source, os.W_OK):
        return source / f"openvino-{weights}"
    digest = hashlib.sha256(str(source).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "gui-agent" / "openvino" / f"{source.name}-{digest}-{weights}"


def exporter() -> str:
    """The ``optimum-cli`` to export with.

    Raises:
        MissingDependency: None is configured or on PATH.
    """
    configured = os.environ.get("GUI_AGENT_OPTIMUM_CLI")
    found = configured or shutil.which("optimum-cli")
    if not found or not Path(found).exists():
        raise MissingDependency(
            "the openvino engine exports the checkpoint once with optimum-intel, which is not "
            "installed: make an environment for it (optimum-intel pins transformers <= 5.0 for "
            "Qwen3-VL), e.g. `python -m venv ~/ov-export && ~/ov-export/bin/pip install "
            "optimum-intel[openvino] transformers==5.0.0`, then set GUI_AGENT_OPTIMUM_CLI="
            "~/ov-export/bin/optimum-cli; or pass --model an already exported folder"
        )
    return found


def export(model: str, out: Path, weights: WeightFormat) -> Path:
    """Export a Qwen3-VL checkpoint for OpenVINO (once; minutes for a 2B model), with progress
    in the log.

    Raises:
        MissingDependency: No exporter, or the export failed (its last lines are quoted).
    """
    cli = exporter()
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    command = [cli, "export", "openvino", "--model", str(model), "--task",
               "image-text-to-text", "--weight-format", weights, str(partial)]  # fmt: skip
    log.warning("exporting %s for OpenVINO (%s weights) into %s, once", model, weights, out)
    started = time.monotonic()
    tail: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip():
                log.info("export: %s", line.rstrip()[:300])
                tail = [*tail[-19:], line.rstrip()]
        code = process.wait()
    if code != 0 or not (partial / EXPORTED).is_file():
        shutil.rmtree(partial, ignore_errors=True)
        raise MissingDependency(
            f"exporting {model} for OpenVINO failed (exit {code}):\n" + "\n".join(tail[-8:])
        )
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    log.warning("exported in %.0f s", time.monotonic() - started)
    return out


class OpenVINOEngine(VlmEngine):
    """Qwen3-VL run by OpenVINO GenAI on the CPU (or another OpenVINO device).

    Args:
        model: A Qwen3-VL checkpoint folder (exported on first use) or an exported folder.
        weights: The export's weight format: ``int8`` (default), ``int4`` or ``fp16``.
        device: An OpenVINO device name (``CPU``, ``GPU``).
        max_pixels: The image budget (default 768 visual tokens).
    """

    name = "openvino"

    def __init__(
        self,
        model: str,
        *,
        weights: WeightFormat = "int8",
        device: str = "CPU",
        max_pixels: int | None = None,
        divisor: float = GRID,
        max_new_tokens: int = 256,
        zoom: bool | None = None,
        temperature: float | None = None,
        profile: PromptProfile | None = None,
    ) -> None:
        super().__init__(
            divisor=divisor, max_pixels=max_pixels or DEFAULT_MAX_PIXELS,
            max_new_tokens=max_new_tokens, zoom=zoom, temperature=temperature, profile=profile,
        )  # fmt: skip
        self.model_path = model
        self.weights: WeightFormat = weights
        self.device = device
        self._pipe: Any = None
        self._template: Any = None
        self.min_new_tokens = 0
        """Tokens generated however early the model would stop (benchmarks of random weights)."""

    def folder(self) -> Path:
        """The exported folder this engine runs (exporting the checkpoint if needed)."""
        source = Path(self.model_path).expanduser()
        if (source / EXPORTED).is_file():
            return source
        if not (source / "config.json").is_file():
            raise MissingDependency(
                f"cannot load {self.model_path!r} with OpenVINO: it is neither a Qwen3-VL "
                "checkpoint folder (config.json) nor an OpenVINO export "
                f"({EXPORTED}); download a checkpoint elsewhere and pass its folder"
            )
        out = export_dir(self.model_path, self.weights)
        return out if (out / EXPORTED).is_file() else export(self.model_path, out, self.weights)

    def load(self) -> None:
        """Export if needed, then load the pipeline (once per process and folder)."""
        if self._pipe is not None:
            return
        try:
            import openvino_genai
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise MissingDependency(
                "the openvino engine needs the 'openvino' extra: pip install "
                f"'gui-agent[openvino,qwen]' ({exc})"
            ) from exc
        folder = self.folder()
        with _LOCK:
            key = (str(folder.resolve()), self.device)
            if key not in _LOADED:
                started = time.monotonic()
                pipe = openvino_genai.VLMPipeline(str(folder), self.device)
                log.warning("OpenVINO pipeline loaded in %.1f s", time.monotonic() - started)
                _LOADED[key] = (pipe, AutoTokenizer.from_pretrained(str(folder)))
            self._pipe, self._template = _LOADED[key]

    def prompt(self, messages: list[Message]) -> str:
        """The conversation rendered by the checkpoint's own chat template, the image placed
        where the template puts it (so the pipeline applies no template of its own)."""
        self.load()
        text: str = self._template.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        if text.count(_VISION) != 1:
            raise UsageError("the chat template must place exactly one image in the prompt")
        return text.replace(_VISION, _IMAGE_TAG)

    def generate(
        self,
        messages: list[Message],
        image: Image.Image,
        *,
        max_new_tokens: int,
        kind: CallKind = "ground",
    ) -> str:
        """One answer, with the same decoding choices and list guard as the transformers
        engine."""
        import numpy as np
        import openvino
        import openvino_genai

        prompt = self.prompt(messages)
        size = image_budget(image.size, self.max_pixels)
        pixels = image.convert("RGB").resize(size) if size != image.size else image.convert("RGB")
        tensor = openvino.Tensor(np.asarray(pixels, dtype=np.uint8)[None])
        config = openvino_genai.GenerationConfig()
        config.max_new_tokens = max_new_tokens
        config.min_new_tokens = min(self.min_new_tokens, max_new_tokens)
        config.apply_chat_template = False
        for name, value in sampling(kind, self.temperature).items():
            setattr(config, name, value)  # GenerationConfig takes transformers' names
        text, chunks = "", 0
        stop, run = openvino_genai.StreamingStatus.STOP, openvino_genai.StreamingStatus.RUNNING

        def streamed(piece: str) -> Any:
            nonlocal text, chunks
            text, chunks = text + piece, chunks + 1
            if budget.remaining() == 0:
                return stop
            if kind == "list" and (why := list_gone_wrong(text, chunks)) is not None:
                self.guard_notes.append(f"stopped the list after {chunks} tokens: {why}")
                return stop
            return run

        started = time.monotonic()
        try:
            result = self._pipe.generate(
                prompt, images=[tensor], generation_config=config, streamer=streamed
            )
        except RuntimeError as exc:
            raise ModelError(f"OpenVINO could not generate: {str(exc).splitlines()[0]}") from None
        budget.check("while the model answered")
        answer = str(result.texts[0])
        self.last_new_tokens = chunks
        log.info("openvino: %d new tokens, %.1f s", chunks, time.monotonic() - started)
        return answer
