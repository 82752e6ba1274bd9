"""``agent doctor``: what works on this machine, how to fix the rest, and a calibration.

Each check says ok, warn or fail with a one-line detail and, when it is not ok, the command or
setting that fixes it. Checks never change the machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from agent.engines import EngineSettings

Status = Literal["ok", "warn", "fail"]


@dataclass
class Check:
    """One finding."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def checks(settings: EngineSettings) -> list[Check]:
    """Every check for this machine and these engine settings."""
    found = [_python(), _browser(), _display(), _scaling(), _ocr(), _desktop()]
    if settings.model:
        found += _model(settings.model, settings.engine)
    if settings.engine == "openvino" or importlib.util.find_spec("openvino_genai"):
        found.append(_openvino(settings.engine == "openvino"))
    if settings.endpoint:
        found.append(_endpoint(settings.endpoint, settings.api_key_env))
        if found[-1].status == "ok" and settings.model:
            found.append(image_limit(settings))
    return found


def _python() -> Check:
    version = ".".join(str(v) for v in sys.version_info[:3])
    return Check("python", "ok", f"{version} ({sys.executable})")


def _browser() -> Check:
    if importlib.util.find_spec("playwright") is None:
        return Check("browser", "fail", "playwright is not installed", "pip install gui-agent")
    from playwright.sync_api import sync_playwright

    from actions.browser_launch import find_chromium

    with sync_playwright() as playwright:
        path = find_chromium(playwright)
    if path is None:
        return Check(
            "browser", "warn", "no system Chromium; Playwright's own will be tried",
            "sudo apt-get install -y chromium (or: playwright install chromium)",
        )  # fmt: skip
    return Check("browser", "ok", path)


def _display() -> Check:
    display = os.environ.get("DISPLAY")
    xvfb = shutil.which("Xvfb")
    if display:
        return Check("display", "ok", f"DISPLAY={display}" + (", Xvfb installed" if xvfb else ""))
    if xvfb:
        return Check("display", "ok", "no DISPLAY: desktop tasks start a virtual one (Xvfb)")
    return Check(
        "display", "warn", "no DISPLAY and no Xvfb: desktop tasks cannot run",
        "sudo apt-get install -y xvfb",
    )  # fmt: skip


def _scaling() -> Check:
    """Desktop scaling a person set (toolkit variables, the X screen's DPI): captures and
    clicks are in device pixels either way, but labels drawn larger or smaller than the OCR
    models expect read worse, and a fractional scale blurs them."""
    set_here = {
        k: os.environ[k]
        for k in ("GDK_SCALE", "GDK_DPI_SCALE", "QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS")
        if os.environ.get(k)
    }
    detail = ", ".join(f"{k}={v}" for k, v in set_here.items()) or "no toolkit scaling set"
    dpi = None
    if os.environ.get("DISPLAY"):
        try:
            from actions.x11_windows import open_connection

            display = open_connection(os.environ["DISPLAY"], os.environ.get("XAUTHORITY"))
            screen = display.screen()
            if screen.width_in_mms:
                dpi = round(screen.width_in_pixels / (screen.width_in_mms / 25.4))
            detail += f"; X screen {screen.width_in_pixels}x{screen.height_in_pixels}" + (
                f", {dpi} DPI" if dpi else ""
            )  # fmt: skip
            display.close()
        except Exception as exc:  # an unreachable display is the display check's business
            detail += f"; the X screen cannot be read ({type(exc).__name__})"
    odd = [v for v in set_here.values() if v not in ("1", "1.0")]
    if odd or (dpi and not 80 <= dpi <= 150):
        return Check("scaling", "warn", detail, "run `agent doctor --desktop` to see whether "
                     "clicks still land; scale 1 (96 DPI) reads best")  # fmt: skip
    return Check("scaling", "ok", detail)


def _ocr() -> Check:
    if importlib.util.find_spec("rapidocr") is None:
        return Check(
            "ocr", "warn", "rapidocr is not installed: pages are read from the DOM only",
            "pip install 'gui-agent[ocr]'",
        )  # fmt: skip
    from PIL import Image, ImageDraw

    from perception.ocr import RapidOcrReader
    from perception.screen import Screenshot

    image = Image.new("RGB", (240, 60), "white")
    ImageDraw.Draw(image).text((10, 10), "Sign in", fill="black", font_size=28)
    try:
        lines = RapidOcrReader().read(Screenshot(image=image))
    except Exception as exc:  # a broken onnxruntime or model file: say which
        return Check("ocr", "fail", f"rapidocr does not run: {exc}", "pip install -U rapidocr")
    if not any("sign" in line.text.lower() for line in lines):
        return Check("ocr", "warn", f"rapidocr runs but read {[x.text for x in lines]!r} for "
                     "'Sign in'", "pip install -U 'gui-agent[ocr]'")  # fmt: skip
    return Check("ocr", "ok", "rapidocr's bundled models load and read a test line")


def _desktop() -> Check:
    missing = [m for m in ("pyautogui", "mss") if importlib.util.find_spec(m) is None]
    tools = [t for t in ("xdotool", "tesseract") if shutil.which(t) is None]
    if missing:
        return Check(
            "desktop", "warn", f"missing {', '.join(missing)}: desktop tasks cannot run",
            "pip install 'gui-agent[desktop]'",
        )  # fmt: skip
    if tools:
        packages = " ".join("tesseract-ocr" if t == "tesseract" else t for t in tools)
        return Check(
            "desktop", "warn", f"no {', '.join(tools)} (typing beyond ASCII, second OCR reader)",
            f"sudo apt-get install -y {packages}",
        )  # fmt: skip
    return Check("desktop", "ok", "pyautogui, mss, xdotool, tesseract")


def _model(model: str, engine: str) -> list[Check]:
    from perception.torch_pairing import torchvision_problem

    folder = Path(model).expanduser()
    found: list[Check] = []
    if folder.is_dir():
        files = {p.name for p in folder.iterdir()}
        weights = [f for f in files if f.endswith((".safetensors", ".bin"))]
        needed = ["config.json", "preprocessor_config.json", "tokenizer.json"]
        lacking = [f for f in needed if f not in files]
        exported = "openvino_language_model.xml" in files
        if lacking and not exported:
            found.append(Check("model", "fail", f"{folder}: no {', '.join(lacking)}",
                               "download the whole checkpoint folder"))  # fmt: skip
        elif not weights:
            found.append(Check("model", "fail", f"{folder}: no weight files",
                               "download the *.safetensors files too"))  # fmt: skip
        else:
            kind = "an OpenVINO export" if exported else "a checkpoint"
            found.append(Check("model", "ok", f"{folder}: {kind}, {len(weights)} weight files"))
    else:
        found.append(Check("model", "warn", f"{model}: not a folder (a hub id in the cache?)",
                           "pass --model the downloaded folder"))  # fmt: skip
    if engine != "openvino":
        problem = torchvision_problem()
        if problem:
            found.append(Check("torch", "fail", problem.split(";")[0], "pip uninstall torchvision"))
        elif importlib.util.find_spec("torch") is None:
            found.append(Check("torch", "fail", "torch is not installed",
                               "pip install torch==2.13.0 'gui-agent[qwen]'"))  # fmt: skip
        else:
            import torch

            found.append(Check("torch", "ok", f"torch {torch.__version__}, "
                               f"CUDA {'yes' if torch.cuda.is_available() else 'no'}"))  # fmt: skip
    return found


def _openvino(wanted: bool) -> Check:
    if importlib.util.find_spec("openvino_genai") is None:
        return Check("openvino", "fail" if wanted else "warn", "openvino-genai is not installed",
                     "pip install 'gui-agent[openvino]'")  # fmt: skip
    cli = os.environ.get("GUI_AGENT_OPTIMUM_CLI") or shutil.which("optimum-cli")
    if not cli:
        return Check("openvino", "warn", "OpenVINO runs exports, but no exporter is configured",
                     "set GUI_AGENT_OPTIMUM_CLI (see the README's OpenVINO lines)")  # fmt: skip
    return Check("openvino", "ok", f"OpenVINO GenAI, exporter {cli}")


def _endpoint(endpoint: str, key_env: str) -> Check:
    request = urllib.request.Request(endpoint.rstrip("/") + "/models")
    if key := os.environ.get(key_env):
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        why = getattr(exc, "reason", exc)
        return Check("endpoint", "fail", f"{endpoint}: {why}",
                     "start the server; --endpoint is its base URL, ending in /v1")  # fmt: skip
    names = [m.get("id") for m in data.get("data", []) if isinstance(m, dict)]
    return Check(
        "endpoint", "ok", f"{endpoint} serves {', '.join(map(str, names)) or 'no models'}",
        "its image limit must hold the budget: vLLM --mm-processor-kwargs max_pixels, "
        "llama-server --image-min-tokens 1024",
    )  # fmt: skip


def image_limit(settings: EngineSettings) -> Check:
    """How many visual tokens the server makes of a 1280x800 screenshot, against what
    gui-agent sends: two requests, with and without the image, and the difference of their
    ``usage.prompt_tokens``. A server that shrinks images further (vLLM's ``max_pixels``,
    llama-server's ``--image-max-tokens``) loses small targets."""
    from PIL import Image

    from perception.served import OpenAIEngine
    from perception.vlm import TOKEN_PIXELS, image_budget

    assert settings.endpoint and settings.model
    engine = OpenAIEngine(settings.endpoint, settings.model, api_key_env=settings.api_key_env,
                          retries=0, timeout_s=120)  # fmt: skip
    if settings.pixels():
        engine.max_pixels = settings.pixels()  # type: ignore[assignment]
    text = {"type": "text", "text": "Hi"}
    image = Image.new("RGB", (1280, 800), "white")
    counts = []
    for content in ([{"type": "image"}, text], [text]):
        payload = engine.payload([{"role": "user", "content": content}], image, max_new_tokens=1)
        try:
            reply = engine.post(payload)
        except Exception as exc:  # the probe is advice: a failure is said, not raised
            return Check("image limit", "warn", f"the probe request failed: {exc}")
        tokens = (reply.get("usage") or {}).get("prompt_tokens")
        if not isinstance(tokens, int):
            return Check("image limit", "warn", "the server reports no token usage: its image "
                         "limit cannot be checked")  # fmt: skip
        counts.append(tokens)
    width, height = image_budget((1280, 800), engine.max_pixels)
    sent = (width // TOKEN_PIXELS) * (height // TOKEN_PIXELS)
    seen = counts[0] - counts[1]
    detail = f"a 1280x800 screenshot: sent as {width}x{height} ({sent} visual tokens), the " \
        f"server used {seen}"  # fmt: skip
    if seen < 0.8 * sent:
        return Check(
            "image limit", "warn", detail + ": it shrinks images further, and small targets get "
            "lost", "raise the server's limit (vLLM: --mm-processor-kwargs '{\"max_pixels\": "
            f"{engine.max_pixels}}}'; llama-server: --image-max-tokens {sent}) or lower "
            "--max-pixels to match",
        )  # fmt: skip
    return Check("image limit", "ok", detail)


def report(found: list[Check]) -> dict[str, Any]:
    """The checks as data (``--json``)."""
    return {"checks": [asdict(c) for c in found]}


def run_doctor(args: Any, console: Any) -> int:
    """``agent doctor``: print the checks and the calibration; 1 when something fails."""
    import tempfile

    from rich.table import Table

    from agent.calibration import calibrate_browser, calibrate_desktop
    from agent.cli_args import engine_settings
    from agent.engines import load_engine, make_engine

    settings = EngineSettings.resolve({**engine_settings(args), "pixels_only": args.pixels})
    found = checks(settings)
    calibration: list[dict[str, Any]] = []
    failed = any(c.status == "fail" for c in found)
    if not args.no_calibrate and not failed:
        engine = load_engine(make_engine(settings=settings))
        calibration = [
            {"surface": "browser", **r.summary()}
            for r in calibrate_browser(engine, list(args.scales))
        ]
        if args.desktop:
            pixels = load_engine(make_engine(settings=settings.model_copy(
                update={"pixels_only": True})))  # fmt: skip
            with tempfile.TemporaryDirectory() as tmp:
                row = calibrate_desktop(pixels, work_dir=tmp).summary()
            calibration.append({"surface": "desktop window", **row})
        failed = any(row["missed"] for row in calibration)
    if args.json:
        print(json.dumps({**report(found), "calibration": calibration}, indent=2))
        return 1 if failed else 0
    table = Table(title="gui-agent doctor", show_lines=False)
    for column in ("check", "status", "detail", "fix"):
        table.add_column(column, overflow="fold")
    colours = {"ok": "green", "warn": "yellow", "fail": "red"}
    for check in found:
        table.add_row(check.name, f"[{colours[check.status]}]{check.status}[/]", check.detail,
                      check.fix)  # fmt: skip
    console.print(table)
    if calibration:
        where = "pixels only" if args.pixels else "DOM and pixels"
        grid = Table(title=f"calibration: {settings.engine} engine ({where}), 1280x800 page")
        for column in ("surface", "scale", "hit", "error px (median / max)", "s per step",
                       "missed"):  # fmt: skip
            grid.add_column(column, overflow="fold")
        for row in calibration:
            grid.add_row(
                row["surface"], f"{row['device_scale_factor']:g}",
                f"{row['hit']}/{row['targets']}",
                f"{row['error_px_median']} / {row['error_px_max']}",
                f"{row['seconds_per_step_median']}", "; ".join(row["missed"]) or "-",
            )  # fmt: skip
        console.print(grid)
    return 1 if failed else 0
