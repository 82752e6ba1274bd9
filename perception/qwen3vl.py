"""The in-process Qwen3-VL engine: transformers' own classes, loaded once per process.

Works on CUDA (bf16, flash-attention 2 when installed), Apple MPS (fp16) and CPU (fp32, which is
4-7x faster than bf16 on CPUs without AMX). Images only, so it also works without torchvision.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agent.errors import MissingDependency, UsageError
from perception import budget
from perception.coords import GRID
from perception.decoding import CallKind, list_guard, sampling
from perception.profiles import PromptProfile
from perception.torch_pairing import torchvision_problem
from perception.vlm import MIN_PIXELS, Message, VlmEngine

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

Device = Literal["auto", "cuda", "mps", "cpu"]
# Image budgets (pixels) per device: a 1280x800 screen is ~1,000 visual tokens at full size,
# and a CPU spends about a minute on that many (see README, Speed).
DEFAULT_MAX_PIXELS = {"cuda": 2048 * 32 * 32, "mps": 1280 * 32 * 32, "cpu": 768 * 32 * 32}
_LOADED: dict[tuple[Any, ...], tuple[Any, Any, str]] = {}
_LOCK = threading.Lock()


def pick_device(wanted: Device = "auto") -> str:
    """CUDA, then Apple MPS, then CPU (or the one asked for)."""
    import torch

    if wanted != "auto":
        return wanted
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str, wanted: str = "auto") -> Any:
    """bf16 on CUDA, fp16 on MPS, fp32 on CPU (or the one asked for)."""
    import torch

    if wanted != "auto":
        return getattr(torch, wanted)
    return {"cuda": torch.bfloat16, "mps": torch.float16}.get(device, torch.float32)


def _image_only_processor(path: str, tokenizer: Any, image_processor: Any) -> Any:
    """A Qwen3VLProcessor without its video processor (which needs torchvision)."""
    from transformers import Qwen3VLProcessor

    class ImageOnlyQwen3VLProcessor(Qwen3VLProcessor):
        def __init__(self, image_processor: Any = None, tokenizer: Any = None, **kw: Any) -> None:
            super().__init__(image_processor, tokenizer, None, **kw)

    return ImageOnlyQwen3VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=_chat_template(path) or tokenizer.chat_template,
    )


def _chat_template(path: str) -> str | None:
    """The processor's chat template (chat_template.jinja or .json), local or from the cache."""
    for name in ("chat_template.jinja", "chat_template.json"):
        file: str | None = str(Path(path) / name) if Path(path).is_dir() else None
        if file is None:
            try:
                from transformers.utils import cached_file

                file = cached_file(path, name, _raise_exceptions_for_missing_entries=False)
            except OSError:
                file = None
        if file and Path(file).is_file():
            text = Path(file).read_text(encoding="utf-8")
            return str(json.loads(text)["chat_template"]) if name.endswith(".json") else text
    return None


def _int8_language_model(model: Any) -> None:
    """Dynamic int8 quantisation of the language model's linear layers and the output head.

    The vision encoder stays fp32 (it runs once per image, and its accuracy matters most for
    grounding). torch marks this API as deprecated in favour of torchao, which is not
    installed here; it still works, so its warnings are silenced.
    """
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        language = model.model.language_model
        quantize_dynamic(language, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        # In place: a copy would duplicate the head's weight (tied to the embeddings: 1.5 GB
        # on a 4B model, which then no longer fits beside it in 24 GiB).
        head = torch.nn.Sequential(model.lm_head)
        quantize_dynamic(head, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        model.lm_head = head[0]


class Qwen3VLEngine(VlmEngine):
    """Qwen3-VL (dense or MoE) running in this process.

    Args:
        model: A local folder or a hub id (``Qwen/Qwen3-VL-2B-Instruct``) already in the cache.
        device: ``auto`` picks CUDA, then MPS, then CPU.
        dtype: ``auto`` picks bf16 on CUDA, fp16 on MPS, fp32 on CPU.
        max_pixels: The image budget; the default depends on the device.
        threads: CPU threads for torch (default: all cores).
        moe_top_k: For MoE checkpoints, the experts used per token (fewer is faster).
        quantize: ``4bit`` or ``8bit`` through bitsandbytes (CUDA only), or ``int8``: dynamic
            quantisation of the language model's linear layers (CPU only).
        attention: ``auto`` uses flash-attention 2 on CUDA when installed, else sdpa.
    """

    name = "qwen3vl"

    def __init__(
        self,
        model: str,
        *,
        device: Device = "auto",
        dtype: str = "auto",
        max_pixels: int | None = None,
        threads: int | None = None,
        moe_top_k: int | None = None,
        quantize: Literal["4bit", "8bit", "int8"] | None = None,
        attention: str = "auto",
        divisor: float = GRID,
        max_new_tokens: int = 256,
        zoom: bool | None = None,
        temperature: float | None = None,
        profile: PromptProfile | None = None,
    ) -> None:
        super().__init__(
            divisor=divisor, max_new_tokens=max_new_tokens, zoom=zoom, temperature=temperature,
            profile=profile,
        )  # fmt: skip
        self.model_path = model
        self.device_wanted: Device = device
        self.dtype_wanted = dtype
        self.max_pixels_wanted = max_pixels
        self.threads = threads
        self.moe_top_k = moe_top_k
        self.quantize = quantize
        self.attention = attention
        self._model: Any = None
        self._processor: Any = None
        self.device = ""

    # -- loading ---------------------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (
            self.model_path, self.device_wanted, self.dtype_wanted, self.moe_top_k,
            self.quantize, self.attention,
        )  # fmt: skip

    def load(self) -> None:
        """Load the model and processor (once per process for the same settings)."""
        if self._model is not None:
            return
        with _LOCK:
            if self._key() not in _LOADED:
                _LOADED[self._key()] = self._load()
            self._model, self._processor, self.device = _LOADED[self._key()]
        if self.max_pixels_wanted is None:
            self.max_pixels = DEFAULT_MAX_PIXELS.get(self.device, DEFAULT_MAX_PIXELS["cpu"])
        else:
            self.max_pixels = self.max_pixels_wanted

    def _load(self) -> tuple[Any, Any, str]:
        try:
            import torch
            import transformers
        except ImportError as exc:
            raise MissingDependency(
                "the qwen3vl engine needs the 'qwen' extra: pip install 'gui-agent[qwen]' "
                f"(and pip install torch==2.13.0 for the CPU build) ({exc})"
            ) from exc
        self._check_path()
        if (problem := torchvision_problem()) is not None:
            raise MissingDependency(problem)
        device = pick_device(self.device_wanted)
        dtype = pick_dtype(device, self.dtype_wanted)
        if device == "cpu":
            torch.set_num_threads(self.threads or os.cpu_count() or 1)
        kwargs: dict[str, Any] = {"dtype": dtype, "attn_implementation": self._attention(device)}
        if self.moe_top_k is not None:
            # The router copies this into each gate at build time: it must be set at load.
            kwargs["text_config"] = {"num_experts_per_tok": self.moe_top_k}
        if self.quantize == "int8" and device != "cpu":
            raise UsageError(
                f"--quantize int8 is for CPUs; on {device} use --quantize 8bit (bitsandbytes)"
            )
        if self.quantize in ("4bit", "8bit"):
            kwargs["quantization_config"] = self._quantization(device)
        log.warning(
            "loading Qwen3-VL from %s on %s (%s); on a CPU this takes a minute or more",
            self.model_path, device, str(dtype).replace("torch.", ""),
        )  # fmt: skip
        started = time.monotonic()
        try:
            model = transformers.AutoModelForImageTextToText.from_pretrained(
                self.model_path, **kwargs
            )
            processor = self._load_processor()
        except OSError as exc:
            raise MissingDependency(self._missing_message(str(exc))) from exc
        model = model.eval()
        if self.quantize not in ("4bit", "8bit"):
            model = model.to(device)
        if self.quantize == "int8":
            _int8_language_model(model)
        log.warning("Qwen3-VL loaded in %.1f s", time.monotonic() - started)

        return model, processor, device

    def _check_path(self) -> None:
        path = Path(self.model_path).expanduser()
        looks_local = self.model_path.startswith((".", "/", "~")) or path.exists()
        if looks_local and not (path / "config.json").is_file():
            raise MissingDependency(self._missing_message(f"no config.json in {path}"))

    def _missing_message(self, why: str) -> str:
        return (
            f"cannot load Qwen3-VL weights from {self.model_path!r}: {why.splitlines()[0]}. "
            "Download a checkpoint on a machine with network access, e.g. "
            "`huggingface-cli download Qwen/Qwen3-VL-2B-Instruct --local-dir qwen3-vl-2b`, "
            "copy the folder here, and pass --model qwen3-vl-2b"
        )

    def _load_processor(self) -> Any:
        import transformers

        try:
            processor = transformers.AutoProcessor.from_pretrained(self.model_path)
            if hasattr(processor, "image_processor") and hasattr(processor, "tokenizer"):
                return processor
        except ImportError:  # the video processor needs torchvision; a GUI agent needs images
            pass
        tokenizer = transformers.AutoTokenizer.from_pretrained(self.model_path)
        images = transformers.AutoImageProcessor.from_pretrained(self.model_path)
        return _image_only_processor(self.model_path, tokenizer, images)

    def _attention(self, device: str) -> str:
        if self.attention != "auto":
            return self.attention
        if device == "cuda":
            try:
                import flash_attn  # noqa: F401

                return "flash_attention_2"
            except ImportError:
                pass
        return "sdpa"

    def _quantization(self, device: str) -> Any:
        if device != "cuda":
            raise UsageError(
                f"--quantize {self.quantize} needs a CUDA GPU (bitsandbytes); this is {device}"
            )
        try:
            import bitsandbytes  # noqa: F401
            from transformers import BitsAndBytesConfig
        except ImportError as exc:
            raise MissingDependency(
                f"--quantize {self.quantize} needs bitsandbytes: pip install bitsandbytes"
            ) from exc
        if self.quantize == "4bit":
            return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=pick_dtype(device))
        return BitsAndBytesConfig(load_in_8bit=True)

    @property
    def model(self) -> Any:
        """The loaded transformers model (loads it on first use)."""
        self.load()
        return self._model

    @property
    def processor(self) -> Any:
        """The loaded processor (loads it on first use)."""
        self.load()
        return self._processor

    def min_pixels(self) -> int:
        """The checkpoint's smallest image (65,536 pixels on Qwen3-VL), within the budget."""
        size = getattr(self.processor.image_processor, "size", None) or {}
        checkpoint = size.get("shortest_edge") if isinstance(size, dict) else None
        return min(int(checkpoint or MIN_PIXELS), self.max_pixels)

    # -- running -------------------------------------------------------------------------------
    def inputs(self, messages: list[Message], image: Image.Image) -> Any:
        """Tokenised prompt and pixels, with the image budget applied (also used for training)."""
        processor = self.processor
        text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        size = {"shortest_edge": self.min_pixels(), "longest_edge": self.max_pixels}
        return processor(
            text=[text], images=[image.convert("RGB")], return_tensors="pt",
            images_kwargs={"size": size},
        ).to(self.device)  # fmt: skip

    def generate(
        self,
        messages: list[Message],
        image: Image.Image,
        *,
        max_new_tokens: int,
        kind: CallKind = "ground",
    ) -> str:
        """One answer: greedy, or sampled for plans and lists under ``temperature``; a list
        stops early when it loops or shows no box (see :mod:`perception.decoding`)."""
        import torch

        inputs = self.inputs(messages, image)
        started = time.monotonic()
        prompt = inputs["input_ids"].shape[1]
        extra: dict[str, Any] = sampling(kind, self.temperature)
        # Under a work limit (agent serve), decoding stops when the time is up, and a cut-short
        # answer is an error, never parsed as if it were whole.
        if (left := budget.remaining()) is not None:
            extra["max_time"] = left
        if kind == "list":
            guard = list_guard(self.processor.tokenizer, prompt, self.guard_notes)
            extra["stopping_criteria"] = [guard]
        with torch.inference_mode():
            output = self.model.generate(**inputs, max_new_tokens=max_new_tokens, **extra)
        budget.check("while the model answered")
        new = output[0][prompt:]
        self.last_new_tokens = len(new)
        text: str = self.processor.tokenizer.decode(new, skip_special_tokens=True)
        log.info(
            "qwen3vl: %d prompt tokens, %d new, %.1f s%s", prompt, len(new),
            time.monotonic() - started, "".join(f"; {n}" for n in self.guard_notes),
        )  # fmt: skip
        return text
