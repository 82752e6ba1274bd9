"""The ScreenSpot-format grounding harness, on a dataset its generator writes from the sites."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_grounding_harness_reads_the_screenspot_layout(tmp_path: Path) -> None:
    data = tmp_path / "dataset"
    made = subprocess.run(
        [sys.executable, "benchmarks/make_grounding_dataset.py", str(data)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    entries = json.loads((data / "screenspot_web_v2.json").read_text())
    assert len(entries) >= 15 and all(len(e["bbox"]) == 4 for e in entries)
    assert (data / "screenspotv2_image" / entries[0]["img_filename"]).exists()
    out = tmp_path / "result.json"
    run = subprocess.run(
        [sys.executable, "benchmarks/grounding.py", "--dataset", str(data), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert result["summary"]["all"]["items"] == len(entries)
    # Buttons, links and headings are found from pixels; fields by their label are not (the
    # offline engine finds the label's words, not the box beside them).
    hits = {i["instruction"] for i in result["items"] if i["hit"]}
    assert {"Sign in", "Register"} <= hits
    assert "web/text" in run.stdout
