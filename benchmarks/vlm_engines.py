"""Compare the CPU engines on one Qwen3-VL grounding call, in one run (``vlm_cpu.py --compare``).

The same random 2B-shaped checkpoint (saved once), the same 1280x800 screenshot and prompt, 30
generated tokens (forced: random weights would stop anywhere), each engine timed on the whole
call (preprocessing, vision encoder, prefill, decoding) after one untimed warm-up call per
image budget, runs interleaved per budget:
transformers fp32 (the reference) and, after the others, the same model with ``--quantize
int8``; OpenVINO GenAI on int8 and int4 exports (made here by optimum-intel from
``GUI_AGENT_OPTIMUM_CLI`` or ``.venv-export``); and a llama-server when
``GUI_AGENT_LLAMA_ENDPOINT`` names one serving a GGUF of the same model (none is built here).
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NEW_TOKENS = 30


def _timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def compare(folder: Path, shot: Any, budgets: list[int], repeats: int) -> list[dict]:
    """Time each engine per budget on the checkpoint saved in ``folder``; returns one row per
    engine and budget (medians). The exports run before the model is loaded here: both at
    once would not fit a 2B model's fp32 copies in 24 GiB."""
    import torch

    from perception.openvino_engine import OpenVINOEngine, export, export_dir
    from perception.qwen3vl import Qwen3VLEngine, _int8_language_model

    os.environ.setdefault("GUI_AGENT_OPTIMUM_CLI", str(ROOT / ".venv-export/bin/optimum-cli"))
    engines: dict[str, Any] = {}
    for weights in ("int8", "int4"):
        started = time.monotonic()
        export(str(folder), export_dir(str(folder), weights), weights)  # type: ignore[arg-type]
        print(f"exported {weights} in {time.monotonic() - started:.0f} s", flush=True)
        engine = OpenVINOEngine(str(folder), weights=weights)  # type: ignore[arg-type]
        engine.min_new_tokens = NEW_TOKENS
        engine.load()
        engines[f"openvino {weights}"] = engine
    reference = Qwen3VLEngine(str(folder), device="cpu")
    reference.load()
    model = reference.model
    messages = reference.locate_messages("the Sign in button")

    def transformers_call() -> None:
        inputs = reference.inputs(messages, shot.image)
        with torch.inference_mode():
            model.generate(**inputs, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                           do_sample=False)  # fmt: skip

    served = _llama_server()
    times: dict[tuple[str, int], list[float]] = {}
    for phase in ("fp32", "int8"):
        if phase == "int8":
            _int8_language_model(model)
        for budget in budgets:
            reference.max_pixels = budget * 32 * 32
            for _ in range(repeats):
                runs = {f"transformers {phase}": transformers_call}
                if phase == "fp32":
                    for name, engine in engines.items():
                        engine.max_pixels = budget * 32 * 32
                        runs[name] = _ov_call(engine, messages, shot)
                    if served is not None:
                        served.max_pixels = budget * 32 * 32
                        runs["llama-server"] = _ov_call(served, messages, shot)
                for name, call in runs.items():
                    if (name, budget) not in times:
                        call()  # warm-up: OpenVINO compiles its graphs for a new input size
                    seconds = _timed(call)
                    times.setdefault((name, budget), []).append(seconds)
                    print(f"{name:>18} {budget:>5} tokens: {seconds:.1f} s", flush=True)
    rows = []
    for (name, budget), values in times.items():
        base = statistics.median(times[("transformers fp32", budget)])
        rows.append({
            "engine": name, "budget_tokens": budget, "runs": len(values),
            "call_s_median": round(statistics.median(values), 2),
            "speedup_vs_transformers_fp32": round(base / statistics.median(values), 2),
        })  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory of the whole run: {peak:.1f} GiB (all engines loaded at once)")
    return rows


def _ov_call(engine: Any, messages: Any, shot: Any) -> Any:
    return lambda: engine.generate(messages, shot.image, max_new_tokens=NEW_TOKENS)


def _llama_server() -> Any:
    endpoint = os.environ.get("GUI_AGENT_LLAMA_ENDPOINT")
    if not endpoint:
        print("no GUI_AGENT_LLAMA_ENDPOINT: llama-server is not compared", flush=True)
        return None
    from perception.served import OpenAIEngine

    return OpenAIEngine(endpoint, os.environ.get("GUI_AGENT_LLAMA_MODEL", "qwen3-vl"))


def print_table(rows: list[dict]) -> None:
    """The comparison as a table, fastest first per budget."""
    print(f"\n{'engine':>18} {'budget':>7} {'runs':>5} {'call s':>7} {'vs fp32':>8}")
    for row in sorted(rows, key=lambda r: (r["budget_tokens"], r["call_s_median"])):
        print(f"{row['engine']:>18} {row['budget_tokens']:>7} {row['runs']:>5} "
              f"{row['call_s_median']:>7} {row['speedup_vs_transformers_fp32']:>7}x")  # fmt: skip
