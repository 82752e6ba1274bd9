"""What a smaller image budget costs in grounding accuracy, measured with OCR from pixels.

    .venv/bin/python benchmarks/budget_accuracy.py [--budgets 1024 512 256 128 64]

The image budget shrinks a screenshot before a model sees it. Without model weights here, the
offline engine's OCR stands in for the reader: each example page (tasks/sites/*.html) is shot
at 1280x800, shrunk to each budget (visual tokens x 32 x 32 pixels) and back, and every
button, link, heading and short text is looked for by its text from the pixels alone. A hit
is a point inside the element's true box (from the DOM). Prints the hit rate per budget and writes
benchmarks/results/budget_accuracy.json. With a real checkpoint, measure the model itself with
the ScreenSpot-format benchmark instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from actions.browser_launch import CHROMIUM_ARGS, find_chromium  # noqa: E402
from benchmarks.common import write_results  # noqa: E402
from perception.aria import parse_snapshot  # noqa: E402
from perception.offline import OfflineEngine  # noqa: E402
from perception.screen import Screenshot  # noqa: E402
from perception.vlm import image_budget  # noqa: E402

ROLES = ("button", "link", "heading", "text", "paragraph", "listitem")


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", nargs="+", type=int, default=[1024, 512, 256, 128, 64])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "budget_accuracy.json"
    )
    args = parser.parse_args()

    pages = sorted((ROOT / "tasks" / "sites").glob("*.html"))
    items = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for path in pages:
            page.goto(path.as_uri())
            shot = Screenshot.from_bytes(page.screenshot(type="png"))
            for node in parse_snapshot(page.aria_snapshot(mode="ai", boxes=True)):
                label = node.label.strip()
                if node.role in ROLES and 2 <= len(label) <= 40 and node.box is not None:
                    items.append((path.stem, shot, label, node.box))
        browser.close()

    rows = []
    for budget in args.budgets:
        engine = OfflineEngine(use_dom=False)  # fresh: no reading of another budget reused
        hits = 0
        misses = []
        for name, shot, target, (x, y, w, h) in items:
            size = image_budget(shot.size, budget * 32 * 32)
            seen = shot.image.resize(size, Image.Resampling.BICUBIC).resize(shot.size)
            found = engine.locate(Screenshot(image=seen), target).element
            if found is not None and x <= found.point[0] <= x + w and y <= found.point[1] <= y + h:
                hits += 1
            else:
                misses.append(f"{name}: {target}")
        rows.append({
            "budget_tokens": budget,
            "image": "x".join(str(v) for v in image_budget((1280, 800), budget * 32 * 32)),
            "targets": len(items),
            "hits": hits,
            "hit_rate": round(hits / len(items), 3),
            "misses": misses,
        })  # fmt: skip
        print(json.dumps({k: v for k, v in rows[-1].items() if k != "misses"}), file=sys.stderr)

    print(f"\n{'budget':>7} {'image seen':>11} {'targets':>8} {'hits':>5} {'hit rate':>9}")
    for r in rows:
        print(f"{r['budget_tokens']:>7} {r['image']:>11} {r['targets']:>8} {r['hits']:>5} "
              f"{r['hit_rate']:>9.0%}")  # fmt: skip
    write_results(
        args.out,
        {
            "reader": "offline engine, pixels only (labels + rapidocr)",
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
