"""Write a small grounding dataset in the ScreenSpot-v2 layout from the example sites.

    .venv/bin/python benchmarks/make_grounding_dataset.py OUT_DIR [--sizes 1280x800 1920x1080]

Shoots every page of tasks/sites at each size, and writes one entry per named button, link,
heading, checkbox, radio button and field (its accessible name as the instruction, with its
kind for the widgets that carry no text of their own: "NAME field", "NAME checkbox", "NAME
radio button"; its DOM box as the truth, data_type "text") to OUT_DIR/screenspot_web_v2.json,
with the images in OUT_DIR/screenspotv2_image/. The truth comes from the DOM, so the set is
exact; it is small and all text, a check of the harness and of the offline engine, not a
substitute for ScreenSpot.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from actions.browser_launch import CHROMIUM_ARGS, find_chromium  # noqa: E402
from perception.aria import parse_snapshot  # noqa: E402

ROLES = ("button", "link", "heading", "checkbox", "radio", "textbox", "combobox")
KINDS = {"textbox": "field", "combobox": "field", "checkbox": "checkbox", "radio": "radio button"}


def _instruction(role: str, name: str) -> str:
    """What a person would ask for: a widget without text by its label and its kind
    (ScreenSpot's own instructions say "input the username" or "search box"), anything else
    by its name."""
    return f"{name} {KINDS[role]}" if role in KINDS else name


def main() -> None:
    """Write the dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sizes", nargs="+", default=["1280x800"])
    args = parser.parse_args()

    images = args.out / "screenspotv2_image"
    images.mkdir(parents=True, exist_ok=True)
    entries = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        for size in args.sizes:
            width, height = (int(v) for v in size.split("x"))
            page = browser.new_page(viewport={"width": width, "height": height})
            for site in sorted((ROOT / "tasks" / "sites").glob("*.html")):
                page.goto(site.as_uri())
                name = f"{site.stem}_{size}.png"
                page.screenshot(path=str(images / name))
                for node in parse_snapshot(page.aria_snapshot(mode="ai", boxes=True)):
                    if node.role in ROLES and node.name and node.box is not None:
                        entries.append({
                            "img_filename": name,
                            "bbox": [round(v, 1) for v in node.box],
                            "instruction": _instruction(node.role, node.name),
                            "data_type": "text",
                            "data_source": f"gui-agent example site {site.stem}",
                        })  # fmt: skip
            page.close()
        browser.close()
    (args.out / "screenspot_web_v2.json").write_text(json.dumps(entries, indent=1))
    print(f"wrote {len(entries)} entries and {len(list(images.iterdir()))} images to {args.out}")


if __name__ == "__main__":
    main()
