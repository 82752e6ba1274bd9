"""Grounding accuracy on a dataset in the ScreenSpot-v2 layout, per platform and text/icon.

    .venv/bin/python benchmarks/grounding.py --dataset DIR [--engine offline|qwen3vl|openai]
                                             [--model M] [--endpoint URL] [--limit N]

DIR holds annotation files named ``screenspot_<platform>*.json`` (lists of entries with
``img_filename``, ``bbox`` as [x, y, width, height] in pixels, ``instruction``, ``data_type``
text or icon, ``data_source``) and their images, in DIR or in one subfolder of it (as
``screenspotv2_image/``). Download ScreenSpot-v2 or ScreenSpot-Pro elsewhere and point --dataset
at it; `benchmarks/make_grounding_dataset.py` writes a small one from the example sites. An
answer counts when its point falls inside the box, as in the papers. Prints the accuracy per
platform and type, and writes benchmarks/results/grounding.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.engines import EngineSettings, make_engine  # noqa: E402
from agent.errors import ModelError  # noqa: E402
from benchmarks.common import write_results  # noqa: E402
from perception.screen import Screenshot  # noqa: E402


def load_items(dataset: Path) -> list[dict[str, Any]]:
    """Every annotation entry, with its platform and the path of its image."""
    files = sorted(dataset.glob("screenspot_*.json"))
    if not files:
        raise SystemExit(f"{dataset}: no screenspot_<platform>*.json annotation files")
    folders = [dataset, *[p for p in dataset.iterdir() if p.is_dir()]]
    items = []
    for file in files:
        name = file.stem.removeprefix("screenspot_").split("_")[0]
        for entry in json.loads(file.read_text(encoding="utf-8")):
            image = next(
                (
                    f / entry["img_filename"]
                    for f in folders
                    if (f / entry["img_filename"]).exists()
                ),
                None,
            )
            if image is None:
                raise SystemExit(
                    f"{file}: image {entry['img_filename']!r} not found under {dataset}"
                )
            items.append({**entry, "platform": name, "image": image})
    return items


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--engine", default="offline", choices=("offline", "qwen3vl", "openai"))
    parser.add_argument("--model")
    parser.add_argument("--endpoint")
    parser.add_argument("--limit", type=int, help="at most this many entries")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/grounding.json")
    args = parser.parse_args()

    items = load_items(args.dataset)[: args.limit]
    settings = EngineSettings(engine=args.engine, model=args.model, endpoint=args.endpoint,
                              pixels_only=True)  # fmt: skip
    engine = make_engine(settings=settings)
    results = []
    for index, item in enumerate(items):
        shot = Screenshot.open(item["image"])
        x, y, w, h = item["bbox"]
        started = time.perf_counter()
        try:
            found = engine.locate(shot, item["instruction"]).element
        except ModelError:
            found = None
        seconds = time.perf_counter() - started
        hit = found is not None and x <= found.point[0] <= x + w and y <= found.point[1] <= y + h
        results.append({"platform": item["platform"], "type": item.get("data_type", "text"),
                        "instruction": item["instruction"], "hit": hit,
                        "seconds": round(seconds, 3)})  # fmt: skip
        print(f"{index + 1}/{len(items)} {'hit ' if hit else 'miss'} {item['instruction'][:60]}",
              file=sys.stderr)  # fmt: skip

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        groups[f"{r['platform']}/{r['type']}"].append(r)
        groups["all"].append(r)
    summary = {
        name: {
            "items": len(rows),
            "accuracy": round(sum(r["hit"] for r in rows) / len(rows), 3),
            "median_s": round(statistics.median(r["seconds"] for r in rows), 3),
        }
        for name, rows in sorted(groups.items())
    }
    print(f"\n{'platform/type':20} {'items':>6} {'accuracy':>9} {'median s':>9}")
    for name, row in summary.items():
        print(f"{name:20} {row['items']:>6} {row['accuracy']:>9.1%} {row['median_s']:>9}")
    write_results(
        args.out,
        {
            "dataset": str(args.dataset),
            "engine": args.engine,
            "model": args.model,
            "summary": summary,
            "items": results,
        },
    )


if __name__ == "__main__":
    main()
