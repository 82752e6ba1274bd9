"""The run report: one self-contained HTML file beside ``trace.json``.

It shows the task, the outcome and a timeline of steps; each step shows its screenshot with the
candidates' boxes, the chosen element and the click point drawn on it, the action, timings,
attempts, the model's raw output and the error. The failing step opens first; ``j``/``k`` (or
the arrow keys) move between steps. Images are downscaled JPEGs embedded in the file (a 20-step
run stays well under 3 MB); the full-size screenshots stay beside it and are linked.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
from pathlib import Path
from typing import Any

from agent.trace import StepRecord, Trace

log = logging.getLogger(__name__)

MAX_WIDTH = 960
"""Embedded screenshots are at most this wide."""
JPEG_QUALITY = 70
_COLOURS = {"chosen": (22, 163, 74), "failed": (220, 38, 38), "candidate": (234, 179, 8)}


def annotated_image(run_dir: Path, step: StepRecord) -> str | None:
    """The step's screenshot, downscaled, boxes and click point drawn, as a data URL."""
    if not step.screenshot or not (run_dir / step.screenshot).is_file():
        return None
    from PIL import Image, ImageDraw

    image = Image.open(run_dir / step.screenshot).convert("RGB")
    factor = min(1.0, MAX_WIDTH / image.width)
    if factor < 1.0:
        image = image.resize((round(image.width * factor), round(image.height * factor)))
    draw = ImageDraw.Draw(image)

    def box(element: dict[str, Any], colour: tuple[int, int, int], width: int) -> None:
        x0, y0, x1, y1 = (v * factor for v in element["box"])
        draw.rectangle([x0, y0, x1, y1], outline=colour, width=width)

    chosen = step.element
    for candidate in step.candidates:
        if chosen is None or candidate.get("box") != chosen.get("box"):
            box(candidate, _COLOURS["candidate"], 1)
    if chosen is not None and "box" in chosen:
        colour = _COLOURS["chosen"] if step.status == "passed" else _COLOURS["failed"]
        box(chosen, colour, 3)
    point = (step.action or {}).get("point")
    if point:
        x, y, r = point["x"] * factor, point["y"] * factor, 6
        draw.ellipse([x - r, y - r, x + r, y + r], outline=_COLOURS["failed"], width=3)
        draw.line([x - r - 4, y, x + r + 4, y], fill=_COLOURS["failed"], width=1)
        draw.line([x, y - r - 4, x, y + r + 4], fill=_COLOURS["failed"], width=1)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2933}
header{padding:14px 22px;background:#1f2933;color:#fff}header h1{margin:0;font-size:19px}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;font-weight:600;font-size:12px}
.passed{background:#dcfce7;color:#166534}.failed,.error{background:#fee2e2;color:#991b1b}
.skipped,.pending,.running,.interrupted{background:#e5e7eb;color:#374151}
main{display:flex;gap:16px;padding:16px}nav{width:330px;flex:none}
nav ol{list-style:none;margin:0;padding:0}nav li{padding:6px 8px;border-radius:6px;cursor:pointer;
margin-bottom:2px;background:#fff;border:1px solid #e5e7eb}nav li.current{outline:2px solid #2563eb}
section.step{display:none;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:14px;
flex:1;min-width:0}section.step.current{display:block}section img{max-width:100%;
border:1px solid #d1d5db}pre{background:#f3f4f6;padding:8px;white-space:pre-wrap;
word-break:break-word;max-height:300px;overflow:auto}table{border-collapse:collapse}
td{padding:2px 10px 2px 0;vertical-align:top}.error-text{color:#991b1b;font-weight:600}
.legend span{margin-right:14px}.muted{color:#6b7280}
"""
_JS = """
const items=[...document.querySelectorAll('nav li')];
const steps=[...document.querySelectorAll('section.step')];
function show(i){i=Math.max(0,Math.min(steps.length-1,i));
steps.forEach((s,j)=>s.classList.toggle('current',j===i));
items.forEach((s,j)=>s.classList.toggle('current',j===i));
items[i]&&items[i].scrollIntoView({block:'nearest'});window.current=i;}
items.forEach((li,i)=>li.addEventListener('click',()=>show(i)));
document.addEventListener('keydown',e=>{if(['j','ArrowDown','ArrowRight'].includes(e.key))show(window.current+1);
if(['k','ArrowUp','ArrowLeft'].includes(e.key))show(window.current-1);});
show(Number(document.body.dataset.first||0));
"""


def _step_html(run_dir: Path, step: StepRecord) -> str:
    esc = html.escape
    image = annotated_image(run_dir, step)
    rows = [
        ("status", f'<span class="badge {esc(step.status)}">{esc(step.status)}</span>'),
        ("engine", esc(step.engine or "-")),
        ("attempts", str(step.attempts)),
        ("time", f"{step.duration_ms / 1000:.2f} s (capture {step.timings.capture:.0f} ms, "
                 f"locate {step.timings.locate:.0f}, act {step.timings.act:.0f}, "
                 f"verify {step.timings.verify:.0f})"),
    ]  # fmt: skip
    if step.element:
        e = step.element
        rows.append(("element", esc(f"{e.get('role')} {e.get('text')!r} box {e.get('box')} "
                                    f"confidence {e.get('confidence')}")))  # fmt: skip
    if step.output is not None:
        rows.append(("output", esc(repr(step.output))))
    parts = [f"<h2>{step.index + 1}. {esc(step.verb)} {esc(step.target)}</h2>"]
    if step.error:
        parts.append(f'<p class="error-text">{esc(step.error)}</p>')
    parts.append(
        "<table>"
        + "".join(f"<tr><td class=muted>{k}</td><td>{v}</td></tr>" for k, v in rows)
        + "</table>"
    )
    if image:
        legend = (
            '<span style="color:#16a34a">■ chosen</span>'
            '<span style="color:#eab308">■ candidates</span>'
            '<span style="color:#dc2626">◎ click</span>'
        )
        link = f'<a href="{esc(step.screenshot or "")}">full-size screenshot</a>'
        parts.append(f'<p class="legend muted">{legend} {link}</p>')
        parts.append(f'<img alt="step {step.index + 1}" src="{image}">')
    if step.action:
        parts.append("<h3>action</h3><pre>" + esc(json.dumps(step.action, indent=1)) + "</pre>")
    if step.notes:
        parts.append("<h3>notes</h3><pre>" + esc("\n".join(step.notes)) + "</pre>")
    if step.plan:
        parts.append(
            "<h3>plan</h3><pre>"
            + esc(json.dumps(step.plan, indent=1, ensure_ascii=False))
            + "</pre>"
        )
    if step.model_output:
        parts.append("<h3>model output</h3><pre>" + esc(step.model_output) + "</pre>")
    if step.candidates:
        listed = "\n".join(
            f"{c.get('confidence')}  {c.get('role')}  {c.get('text')!r}  {c.get('box')}"
            for c in step.candidates
        )
        parts.append("<h3>candidates</h3><pre>" + esc(listed) + "</pre>")
    return f'<section class="step" id="step-{step.index + 1}">' + "".join(parts) + "</section>"


def render(trace: Trace, run_dir: Path) -> str:
    """The report's HTML for a trace whose screenshots are in ``run_dir``."""
    esc = html.escape
    failing = next((s.index for s in trace.steps if s.status in ("failed", "error")), 0)
    nav = "".join(
        f'<li data-step="{s.index + 1}"><span class="badge {esc(s.status)}">{esc(s.status)}</span> '
        f"{s.index + 1}. <b>{esc(s.verb)}</b> {esc(s.target[:60])}</li>"
        for s in trace.steps
    )
    sections = "".join(_step_html(run_dir, s) for s in trace.steps)
    error = f'<p class="error-text">{esc(trace.error)}</p>' if trace.error else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{esc(trace.task)}: {esc(trace.status)}</title><style>{_CSS}</style></head>"
        f'<body data-first="{failing}"><header><h1>{esc(trace.task)} '
        f'<span class="badge {esc(trace.status)}">{esc(trace.status)}</span></h1>'
        f'<div class="muted">{len(trace.steps)} steps, {trace.duration_ms / 1000:.1f} s, engine '
        f"{esc(trace.engine)}, started {esc(trace.started)}, file {esc(trace.file or '-')}</div>"
        f"{error}</header><main><nav><ol>{nav}</ol><p class=muted>j/k or arrows: next/previous"
        f"</p></nav>{sections}</main><script>{_JS}</script></body></html>"
    )


def write_report(run_dir: Path) -> Path:
    """(Re)build ``report.html`` from the run's ``trace.json``."""
    trace = Trace.model_validate_json((run_dir / "trace.json").read_text(encoding="utf-8"))
    path = run_dir / "report.html"
    path.write_text(render(trace, run_dir), encoding="utf-8")
    return path


def try_write_report(run_dir: Path) -> Path | None:
    """Write the report, logging (not raising) a failure: a run never fails for its report."""
    try:
        return write_report(run_dir)
    except OSError as exc:  # a full or read-only disk: say so, without a traceback
        log.error("could not write the report in %s: %s", run_dir, exc.strerror or exc)
        return None
    except Exception:  # noqa: BLE001 - the trace is the record; the report is a view of it
        log.exception("could not write the report in %s", run_dir)
        return None
