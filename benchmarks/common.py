"""What every benchmark script shares: the machine line and writing its results as JSON."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime
from pathlib import Path
from typing import Any


def machine() -> str:
    """The architecture, core count and Python version, as the results record them."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_results(path: Path, results: dict[str, Any], *, quiet: bool = False) -> None:
    """Write ``results`` as indented JSON with the date and the machine first; say where
    (unless ``quiet``: a long run that saves as it goes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"date": datetime.now().isoformat(timespec="seconds"), "machine": machine()}
    path.write_text(json.dumps({**payload, **results}, indent=2))
    if not quiet:
        print(f"wrote {path}")
