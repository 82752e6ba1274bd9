"""Will it click right on this machine, and how fast: ground known targets, click them, measure.

A page with targets of several sizes at known places (corners included) is shown at each
device scale factor asked for; the configured engine grounds each target from its
description, the point is clicked, and the page says what was hit. The pixel error is the
distance from the engine's point to the target's centre, in screenshot pixels; misplaced
clicks from scaling and coordinate conventions show up as large errors or wrong hits.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from agent.errors import AgentError

# (label, kind, left, top, width, height) in CSS pixels on a 1280x800 page.
TARGETS = (
    ("Save", "button", 40, 40, 96, 36),
    ("Cancel", "button", 1150, 24, 88, 28),
    ("OK", "button", 900, 380, 40, 24),
    ("Next page", "link", 1140, 750, 100, 24),
    ("Settings", "button", 24, 740, 110, 36),
    ("Search", "textbox", 480, 300, 260, 32),
)
VIEWPORT = (1280, 800)


def page_html() -> str:
    """The calibration page: each target records what was clicked, and where."""
    parts = []
    for label, kind, left, top, width, height in TARGETS:
        style = f"position:absolute;left:{left}px;top:{top}px;width:{width}px;height:{height}px"
        if kind == "link":
            parts.append(f'<a href="#" style="{style}" data-t="{label}">{label}</a>')
        elif kind == "textbox":
            parts.append(f'<input style="{style}" placeholder="{label}" aria-label="{label}"'
                         f' data-t="{label}">')  # fmt: skip
        else:
            parts.append(f'<button style="{style}" data-t="{label}">{label}</button>')
    return (
        "<!doctype html><html><head><title>gui-agent calibration</title><style>"
        "body{margin:0;font:16px 'DejaVu Sans',sans-serif}</style></head><body>"
        + "".join(parts)
        + "<script>window.hits=[];document.addEventListener('mousedown',e=>{"
        "const t=e.target.closest('[data-t]');window.hits.push(t?t.dataset.t:null);"
        "if(t&&t.tagName==='A')e.preventDefault()});</script></body></html>"
    )


@dataclass
class ScaleResult:
    """One device scale factor's calibration."""

    scale: float
    errors_px: list[float] = field(default_factory=list)
    hits: int = 0
    misses: list[str] = field(default_factory=list)
    step_s: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The numbers a person reads (and ``--json`` prints)."""
        return {
            "device_scale_factor": self.scale,
            "targets": len(TARGETS),
            "hit": self.hits,
            "missed": self.misses,
            "error_px_median": round(statistics.median(self.errors_px), 1)
            if self.errors_px else None,
            "error_px_max": round(max(self.errors_px), 1) if self.errors_px else None,
            "seconds_per_step_median": round(statistics.median(self.step_s), 2)
            if self.step_s else None,
        }  # fmt: skip


def calibrate_browser(
    engine: Any, scales: list[float], *, browser: Any = None
) -> list[ScaleResult]:
    """Ground and click every target at each device scale factor."""
    from actions.playwright import PlaywrightExecutor
    from actions.schema import Click, Point

    results = []
    for scale in scales:
        executor = PlaywrightExecutor.launch(
            viewport=VIEWPORT, device_scale_factor=scale, browser=browser
        )
        result = ScaleResult(scale)
        try:
            executor.page.set_content(page_html())
            for label, kind, left, top, width, height in TARGETS:
                started = time.perf_counter()
                shot = executor.capture()
                description = f"the {label} {kind if kind != 'textbox' else 'field'}"
                found = engine.locate(shot, description, page=executor.page)
                if found.element is None:
                    result.misses.append(f"{label}: not found")
                    continue
                x, y = found.element.point
                try:
                    executor.perform(Click(point=Point(x=x, y=y)))
                except AgentError as exc:  # off the page, covered: a miss, said as such
                    executor.page.evaluate("window.hits.push(null)")
                    result.misses.append(f"{label}: {type(exc).__name__}: {exc}")
                result.step_s.append(time.perf_counter() - started)
                # The screenshot's pixels per CSS pixel: the scale factor (capture may shrink).
                ratio = shot.size[0] / VIEWPORT[0]
                centre = ((left + width / 2) * ratio, (top + height / 2) * ratio)
                result.errors_px.append(((x - centre[0]) ** 2 + (y - centre[1]) ** 2) ** 0.5)
                hit = executor.page.evaluate("window.hits.at(-1)")
                if hit == label:
                    result.hits += 1
                elif not any(m.startswith(f"{label}:") for m in result.misses):
                    result.misses.append(f"{label}: the click hit {hit or 'nothing'}")
        finally:
            executor.close()
        results.append(result)
    return results


# The same targets as a Tk window filling a 1280x800 virtual screen: each click is written to
# the file named by argv[1], and the window sits at the screen's corner (no window manager).
_TK_WINDOW = """
import sys, tkinter as tk
hits = open(sys.argv[1], "a", buffering=1)
root = tk.Tk()
root.title("gui-agent calibration")
root.geometry("1280x800+0+0")
for label, kind, left, top, width, height in TARGETS:
    if kind == "textbox":
        widget = tk.Entry(root, font=("DejaVu Sans", 14))
        widget.insert(0, label)
        widget.bind("<Button-1>", lambda e, l=label: hits.write(l + "\\n"))
    else:
        widget = tk.Button(root, text=label, font=("DejaVu Sans", 12),
                           command=lambda l=label: hits.write(l + "\\n"))
    widget.place(x=left, y=top, width=width, height=height)
root.mainloop()
"""


def calibrate_desktop(engine: Any, *, work_dir: Any) -> ScaleResult:
    """Ground and click every target in a Tk window on a virtual display (pyautogui input,
    pixels only), reading what each click hit from the program itself."""
    import sys
    from pathlib import Path

    from actions.schema import Click, Point
    from agent.api import Agent

    folder = Path(work_dir)
    script, hits = folder / "calibration_window.py", folder / "hits.txt"
    script.write_text(f"TARGETS = {TARGETS!r}\n{_TK_WINDOW}", encoding="utf-8")
    hits.write_text("", encoding="utf-8")
    result = ScaleResult(1.0)
    with Agent.desktop(
        launch=f"{sys.executable} {script} {hits}", window="gui-agent calibration",
        display="virtual", screen=VIEWPORT, engine=engine, trace_dir=None,
    ) as ai:  # fmt: skip
        for label, kind, left, top, width, height in TARGETS:
            started = time.perf_counter()
            shot = ai.executor.capture()
            description = f"the {label} {kind if kind != 'textbox' else 'field'}"
            found = engine.locate(shot, description)
            if found.element is None:
                result.misses.append(f"{label}: not found")
                continue
            x, y = found.element.point
            seen = hits.read_text(encoding="utf-8").count("\n")
            try:
                ai.executor.perform(Click(point=Point(x=x, y=y)))
            except AgentError as exc:
                result.misses.append(f"{label}: {type(exc).__name__}: {exc}")
                continue
            result.step_s.append(time.perf_counter() - started)
            # Captures are of the window, which sits at the screen's corner: the same pixels.
            centre = (left + width / 2, top + height / 2)
            result.errors_px.append(((x - centre[0]) ** 2 + (y - centre[1]) ** 2) ** 0.5)
            deadline = time.monotonic() + 2
            while hits.read_text(encoding="utf-8").count("\n") == seen:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            lines = hits.read_text(encoding="utf-8").splitlines()
            hit = lines[-1] if len(lines) > seen else None
            if hit == label:
                result.hits += 1
            else:
                result.misses.append(f"{label}: the click hit {hit or 'nothing'}")
    return result
