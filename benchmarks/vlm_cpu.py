"""One Qwen3-VL grounding call on the CPU, with a real-size (2B- or 4B-shaped) random model.

    .venv/bin/python benchmarks/vlm_cpu.py [--size 2B|4B] [--budgets 256 512 768 1024]
                                           [--new-tokens 16] [--no-int8]
    .venv/bin/python benchmarks/vlm_cpu.py --compare [--budgets 256 768] [--repeats 2]

``--compare`` times whole grounding calls of the engines against each other in one run
(transformers fp32 and int8, OpenVINO int8 and int4, a llama-server if one is named): see
benchmarks/vlm_engines.py; it writes benchmarks/results/vlm_engines.json.

Builds Qwen3-VL-2B's (or 4B's) shapes from its config (nothing is downloaded; the weights are
random, so only the cost is real, not the answer), takes a 1280x800 screenshot of the login
example, and times, in fp32 on the CPU, for each image budget (visual tokens): the vision
encoder, the whole prefill, and decoding per token, with the process's peak memory; then the
same with the language model in dynamic int8 (``--quantize int8``). A grounding call is
estimated as the prefill plus 30 decoded tokens (a typical bbox answer), and compared with the
CPU default (fp32, 768 tokens). Prints a table and writes benchmarks/results/vlm_cpu.json
(vlm_cpu-4b.json for 4B). 2B: about 12 GB of RAM and ten minutes; 4B: about 21 GB and half an
hour.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import write_results  # noqa: E402

# Qwen3-VL-2B-Instruct's published shapes.
TEXT_2B = {
    "hidden_size": 2048, "intermediate_size": 6144, "num_hidden_layers": 28,
    "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
    "max_position_embeddings": 32768, "vocab_size": 151936, "tie_word_embeddings": True,
    "rope_parameters": {"rope_type": "default", "rope_theta": 5_000_000.0,
                        "mrope_section": [24, 20, 20], "mrope_interleaved": True},
}  # fmt: skip
VISION_2B = {
    "depth": 24, "hidden_size": 1024, "intermediate_size": 4096, "num_heads": 16,
    "patch_size": 16, "spatial_merge_size": 2, "temporal_patch_size": 2, "out_hidden_size": 2048,
    "num_position_embeddings": 2304, "deepstack_visual_indexes": [5, 11, 17],
}  # fmt: skip
# Qwen3-VL-4B-Instruct's: a wider, deeper language model behind the same vision tower.
TEXT_4B = {**TEXT_2B, "hidden_size": 2560, "intermediate_size": 9728, "num_hidden_layers": 36,
           "num_attention_heads": 32}  # fmt: skip
VISION_4B = {**VISION_2B, "out_hidden_size": 2560}
SHAPES = {"2B": (TEXT_2B, VISION_2B), "4B": (TEXT_4B, VISION_4B)}


def screenshot() -> Any:
    """A 1280x800 screenshot of tasks/sites/login.html."""
    from playwright.sync_api import sync_playwright

    from actions.browser_launch import CHROMIUM_ARGS, find_chromium
    from perception.screen import Screenshot

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto((ROOT / "tasks/sites/login.html").as_uri())
        shot = Screenshot.from_bytes(page.screenshot())
        browser.close()
    return shot


def build(folder: Path, size: str = "2B") -> Any:
    """The tiny test tokenizer and processor beside a random model of the given shapes."""
    import torch
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration

    from tests.fixtures.tiny_qwen import SPECIAL, build_tiny_qwen3vl

    build_tiny_qwen3vl(folder)  # tokenizer, processor, chat template (the model is replaced)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL}
    text, vision = SHAPES[size]
    config = Qwen3VLConfig(
        text_config={**text, "eos_token_id": ids["<|im_end|>"]},
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    with torch.no_grad():
        return Qwen3VLForConditionalGeneration(config).eval()


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", nargs="+", type=int, default=[256, 512, 768, 1024])
    parser.add_argument("--no-int8", action="store_true", help="skip the int8 runs")
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--size", choices=list(SHAPES), default="2B", help="model shapes")
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/vlm_cpu[-4b].json")
    parser.add_argument("--compare", action="store_true", help="compare the CPU engines")
    parser.add_argument("--repeats", type=int, default=2, help="--compare: runs per engine")
    args = parser.parse_args()
    if args.compare:
        compare_engines(args)
        return
    suffix = "" if args.size == "2B" else f"-{args.size.lower()}"
    out: Path = args.out or ROOT / "benchmarks" / "results" / f"vlm_cpu{suffix}.json"

    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    from perception.qwen3vl import Qwen3VLEngine

    torch.set_num_threads(os.cpu_count() or 1)
    shot = screenshot()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        model = build(Path(tmp), args.size)
        build_s = time.monotonic() - started
        params = sum(p.numel() for p in model.parameters())
        print(f"built a random Qwen3-VL-{args.size}-shaped model: {params / 1e9:.2f} B, "
              f"{build_s:.0f} s", flush=True)  # fmt: skip
        engine = Qwen3VLEngine(tmp, device="cpu")
        engine.load()
        engine._model = model  # the real-size model, behind the engine's own prompt and processor
        rows = []
        plans = [("fp32", b) for b in sorted(args.budgets)]
        plans += [] if args.no_int8 else [("int8", b) for b in sorted(args.budgets)]
        for precision, budget in plans:
            if precision == "int8" and rows[-1]["precision"] == "fp32":
                from perception.qwen3vl import _int8_language_model

                _int8_language_model(model)
            engine.max_pixels = budget * 32 * 32
            inputs = engine.inputs(engine.locate_messages("the Sign in button"), shot.image)
            grid = inputs["image_grid_thw"][0]
            visual_tokens = int(grid.prod()) // 4
            with torch.inference_mode():
                t0 = time.perf_counter()
                model.model.get_image_features(inputs["pixel_values"], inputs["image_grid_thw"])
                vision_s = time.perf_counter() - t0
                stamps: list[float] = []

                class Clock(LogitsProcessor):  # called once per generated token
                    def __init__(self, out: list[float]) -> None:
                        self.out = out

                    def __call__(self, input_ids: Any, scores: Any) -> Any:
                        self.out.append(time.perf_counter())
                        return scores

                t0 = time.perf_counter()
                model.generate(
                    **inputs, max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens,
                    do_sample=False, logits_processor=LogitsProcessorList([Clock(stamps)]),
                )  # fmt: skip
            prefill_s = stamps[0] - t0
            decode = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
            row = {
                "precision": precision,
                "budget_tokens": budget,
                "image_size": [int(grid[2]) * 16, int(grid[1]) * 16],
                "visual_tokens": visual_tokens,
                "prompt_tokens": int(inputs["input_ids"].shape[1]),
                "vision_encoder_s": round(vision_s, 2),
                "prefill_s": round(prefill_s, 2),
                "decode_s_per_token": round(statistics.median(decode), 3),
                "grounding_call_s": round(prefill_s + 30 * statistics.median(decode), 1),
                "peak_rss_gib": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2
                ),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
            save(out, args.size, params, rows, quiet=True)
    print(f"\n{'prec':>5} {'budget':>7} {'image':>10} {'vis tok':>8} {'vision s':>9} "
          f"{'prefill s':>10} {'decode s/tok':>13} {'call s':>7} {'peak GiB':>9}")  # fmt: skip
    for r in rows:
        size = "x".join(str(v) for v in r["image_size"])
        print(f"{r['precision']:>5} {r['budget_tokens']:>7} {size:>10} {r['visual_tokens']:>8} "
              f"{r['vision_encoder_s']:>9} {r['prefill_s']:>10} {r['decode_s_per_token']:>13} "
              f"{r['grounding_call_s']:>7} {r['peak_rss_gib']:>9}")  # fmt: skip
    default = next((r for r in rows if r["precision"] == "fp32" and r["budget_tokens"] == 768),
                   rows[0])  # fmt: skip
    best = min(rows, key=lambda r: r["grounding_call_s"])
    speedup = default["grounding_call_s"] / best["grounding_call_s"]
    print(f"\nfastest: {best['precision']} at {best['budget_tokens']} tokens, "
          f"{speedup:.1f}x faster than the CPU default (fp32, 768 tokens)")  # fmt: skip
    save(out, args.size, params, rows, quiet=False, speedup_best_vs_default=round(speedup, 2))


def compare_engines(args: argparse.Namespace) -> None:
    """``--compare``: whole grounding calls of each CPU engine, interleaved, in one run."""
    import torch

    from benchmarks.vlm_engines import compare, print_table

    torch.set_num_threads(os.cpu_count() or 1)
    budgets = args.budgets if args.budgets != [256, 512, 768, 1024] else [256, 768]
    shot = screenshot()
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), args.size).save_pretrained(tmp)  # then freed: the exports need room
        rows = compare(Path(tmp), shot, budgets, args.repeats)
    print_table(rows)
    write_results(args.out or ROOT / "benchmarks" / "results" / "vlm_engines.json", {
        "torch": torch.__version__,
        "model": f"Qwen3-VL-{args.size} shapes, random weights",
        "screenshot": "1280x800, tasks/sites/login.html",
        "call": "chat template + image preprocessing + vision encoder + prefill + 30 tokens",
        "rows": rows,
    })  # fmt: skip


def save(
    out: Path, size: str, params: int, rows: list[dict[str, Any]], *, quiet: bool, **extra: Any
) -> None:
    """Write the results so far (after every row: a run that dies keeps what it measured)."""
    import torch

    write_results(out, {
        "torch": torch.__version__,
        "model": f"Qwen3-VL-{size} shapes, random weights, {params / 1e9:.2f} B parameters",
        "screenshot": "1280x800, tasks/sites/login.html",
        "peak_rss_note": "peak of the whole process so far (budgets run smallest first)",
        "rows": rows,
        **extra,
    }, quiet=quiet)  # fmt: skip


if __name__ == "__main__":
    main()
