"""``agent serve``: grounding over HTTP (REST with OpenAPI docs) and a small web page.

- ``POST /api/v1/infer`` ``{"prompt", "image"}``: every interactive element when the prompt
  asks for them, else the described one.
- ``POST /api/v1/locate`` ``{"description", "image"}``: one element, or 404.
- ``POST /api/v1/capture`` ``{"url"}``: a screenshot of a page, taken by the server.
- ``GET /api/v1/runs``, ``GET /api/v1/runs/{id}`` (its trace), ``GET /runs/{id}/...`` (its
  report and screenshots), ``GET /healthz``, ``GET /docs`` (OpenAPI).

The engine loads once, in the background, and is shared; calls into it are serialised. Bound to
127.0.0.1 by default; any other address needs a token (``Authorization: Bearer``).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, Field

try:  # FastAPI resolves the handlers' annotations from this module's names
    from fastapi import Depends, FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
except ImportError:  # pragma: no cover - the 'server' extra is missing; create_app says so
    FastAPI = None  # type: ignore[assignment,misc]

from actions import domains
from agent.engines import load_engine
from agent.errors import AgentError, MissingDependency, UsageError
from agent.server_guards import (
    MIN_TOKEN_CHARS,
    BodyLimit,
    Text,
    docs_page,
    validation_errors,
)
from perception import budget
from perception.elements import Element
from perception.engine import Engine
from perception.screen import Screenshot

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10_000_000
"""The largest image accepted (decoded), 10 MB."""
MAX_IMAGE_PIXELS = 40_000_000
"""An 8K screen is 33 M pixels; anything larger is refused before it is decoded."""
MAX_WORK_S = 10.0
"""The engine's work on one request stops after about this long (``--max-work-seconds``): an
ordinary screen takes the offline engine under a second, a screen tiled with words minutes."""
MAX_CAPTURES = 2
"""Captures at once: each is a Chromium (hundreds of MB); more wait for a 429's retry."""
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_ALL = re.compile(r"\b(all|every|each|list)\b", re.IGNORECASE)


class InferRequest(BaseModel):
    """A screenshot and an instruction."""

    prompt: Text = Field(default="", max_length=2000, description="What to find; empty: all.")
    image: str = Field(description="A base64 PNG or JPEG (a data URL is fine too).")


class LocateRequest(BaseModel):
    """A screenshot and one description."""

    description: Text = Field(min_length=1, max_length=2000)
    image: str = Field(description="A base64 PNG or JPEG (a data URL is fine too).")


class CaptureRequest(BaseModel):
    """A page for the server to open and capture."""

    url: Text = Field(pattern=r"^https?://", max_length=4000)
    width: int = Field(default=1280, ge=200, le=3840)
    height: int = Field(default=800, ge=200, le=2160)


class EngineHolder:
    """Loads the engine once in the background and serialises calls into it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.state = "loading"
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(2)
        """Requests decoding their image or waiting for the engine with it."""
        threading.Thread(target=self._load, daemon=True).start()

    def _load(self) -> None:
        try:
            load_engine(self.engine)
            self.state = "ready"
        except Exception as exc:  # noqa: BLE001 - reported by /healthz and every call
            log.exception("the engine failed to load")
            self.state = f"error: {exc}"


def element_json(element: Element) -> dict[str, Any]:
    """The API's shape of an element: :meth:`Element.summary`, as traces and ``agent locate``
    show it (no handle: an uploaded image has none)."""
    found = element.summary()
    found.pop("handle", None)
    found.setdefault("purpose", "")
    return found


def decode_image(data: str) -> Screenshot:
    """A base64 PNG/JPEG (or data URL) -> Screenshot; ValueError with the reason otherwise."""
    if data.startswith("data:"):
        data = data.split(",", 1)[-1]
    if len(data) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise OverflowError(f"image larger than {MAX_IMAGE_BYTES // 1_000_000} MB")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("image is not base64") from None
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:  # reads the header only
                width, height = probe.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise OverflowError("image has too many pixels (a decompression bomb?)") from None
    except Exception:  # noqa: BLE001 - PIL raises many kinds for junk
        raise ValueError("image is not a PNG or JPEG") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise OverflowError(
            f"image is {width}x{height}: more than {MAX_IMAGE_PIXELS // 1_000_000} M pixels"
        )
    try:
        return Screenshot.from_bytes(raw, source="upload")
    except Exception:  # noqa: BLE001 - PIL raises many kinds for junk
        raise ValueError("image is not a PNG or JPEG") from None


def _plain_run(folder: Path) -> bool:
    """A run folder inside the runs folder itself: a real directory (not a link to one
    elsewhere) holding a real ``trace.json``."""
    trace = folder / "trace.json"
    return (
        not folder.is_symlink() and folder.is_dir() and not trace.is_symlink() and trace.is_file()
    )


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas before the server's threads start.

    glibc gives threads their own arenas; under many concurrent requests with large bodies the
    resident memory then creeps up round after round without a leak (measured: +2 to +9 MiB per
    1,000 requests; flat with two arenas). Returns whether the cap was set (glibc only).
    """
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_arena_max = -8  # from malloc.h
        return bool(libc.mallopt(m_arena_max, arenas))
    except (OSError, AttributeError):
        return False


def create_app(
    engine: Engine,
    *,
    runs_dir: Path,
    token: str | None = None,
    capture_domains: list[str] | None = None,
    public_only: bool = False,
    max_work_s: float = MAX_WORK_S,
) -> Any:
    """The FastAPI application. ``/capture`` may reach only ``capture_domains`` when given,
    and with ``public_only`` only public addresses (what a server off loopback should do:
    its callers must not reach this machine's services or its private network). The engine's
    work on one image stops after about ``max_work_s`` seconds with a 422, so that no request
    holds the engine for longer than that."""
    if FastAPI is None:
        raise MissingDependency(
            "agent serve needs the 'server' extra: pip install 'gui-agent[server]'"
        )

    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise UsageError(f"--token: at least {MIN_TOKEN_CHARS} characters (a short one is guessed)")
    holder = EngineHolder(engine)
    app = FastAPI(
        title="gui-agent", version="0.1.0", description=__doc__, docs_url=None, redoc_url=None
    )
    app.add_middleware(BodyLimit)
    captures = threading.BoundedSemaphore(MAX_CAPTURES)
    runs_dir = runs_dir.resolve()

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_errors(list(exc.errors()))}, status_code=422)

    def authorised(request: Request) -> None:
        # A header from scripts; the cookie the web page sets, so its report links open too.
        given = request.headers.get("authorization") or ""
        cookie = unquote(request.cookies.get("gui_agent_token") or "")
        if token and given != f"Bearer {token}" and cookie != token:
            raise HTTPException(401, "a token is required: Authorization: Bearer <token>")

    def ready() -> Engine:
        if holder.state != "ready":
            raise HTTPException(503, f"the engine is {holder.state}")
        return holder.engine

    def screenshot(data: str) -> Screenshot:
        try:
            return decode_image(data)
        except OverflowError as exc:
            raise HTTPException(413, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None

    def run_dir(run_id: str) -> Path:
        if not _RUN_ID.fullmatch(run_id) or not _plain_run(runs_dir / run_id):
            raise HTTPException(404, f"no run {run_id[:80]!r}")
        return runs_dir / run_id

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness, and the engine's state (loading, ready, error)."""
        return {"status": "ok", "engine": holder.engine.name, "state": holder.state}

    def ground(image: str, prompt: str, *, every: bool) -> tuple[list[Element], dict[str, Any]]:
        """Run the engine on an uploaded image, one call at a time; model errors are a 422."""
        engine = ready()
        started = time.perf_counter()
        # Decoding overlaps the engine's work, but only two requests may decode or wait for
        # the engine at once: at most three decoded images exist (a dozen at once took 3.4 GB).
        with holder.slots:
            shot = screenshot(image)
            holder.lock.acquire()
        try:
            try:
                with budget.work_limit(max_work_s):
                    if every:
                        found = engine.elements(shot)
                    else:
                        element = engine.locate(shot, prompt).element
                        found = [element] if element else []
            except AgentError as exc:
                raise HTTPException(422, str(exc)) from None
        finally:
            holder.lock.release()
        return found, {"engine": engine.name, "ms": round((time.perf_counter() - started) * 1000)}

    @app.post("/api/v1/infer", dependencies=[Depends(authorised)])
    def infer(body: InferRequest) -> dict[str, Any]:
        """Every interactive element (prompt empty or asking for all), or the described one."""
        every = not body.prompt.strip() or bool(_ALL.search(body.prompt))
        found, meta = ground(body.image, body.prompt, every=every)
        return {"elements": [element_json(e) for e in found], **meta}

    @app.post("/api/v1/locate", dependencies=[Depends(authorised)])
    def locate(body: LocateRequest) -> dict[str, Any]:
        """The described element, or 404 when nothing matches."""
        found, meta = ground(body.image, body.description, every=False)
        if not found:
            raise HTTPException(404, f"nothing matches {body.description!r}")
        return {**element_json(found[0]), **meta}

    @app.post("/api/v1/capture", dependencies=[Depends(authorised)])
    def capture(body: CaptureRequest) -> dict[str, Any]:
        """Open the URL in a fresh headless Chromium and return its screenshot (base64 PNG)."""
        from actions.playwright import PlaywrightExecutor

        if not captures.acquire(blocking=False):
            raise HTTPException(429, f"{MAX_CAPTURES} captures are running: try again soon")
        try:
            executor = PlaywrightExecutor.launch(
                viewport=(body.width, body.height), timeout_s=20, public_only=public_only,
                allowed_domains=capture_domains or (["*"] if public_only else None),
            )  # fmt: skip
        except BaseException:
            captures.release()
            raise
        try:
            domains.goto(executor.page, body.url, executor.domain_limit)
            data = executor.page.screenshot(type="png")
        except UsageError as exc:  # outside what this server may capture
            raise HTTPException(403, str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the message names the cause
            refused = 403 if executor.blocked else 502  # it led somewhere it may not go
            raise HTTPException(refused, f"cannot open: {str(exc).splitlines()[0]}") from None
        finally:
            executor.close()
            captures.release()
        return {"image": base64.b64encode(data).decode("ascii")}

    @app.get("/api/v1/runs", dependencies=[Depends(authorised)])
    def runs() -> list[dict[str, Any]]:
        """Recent runs, newest first."""
        import json

        out = []
        folders = [p for p in runs_dir.glob("*/trace.json") if _plain_run(p.parent)]
        for trace in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)[:200]:
            try:
                data = json.loads(trace.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            name = trace.parent.name
            out.append(
                {
                    "id": name,
                    "task": data.get("task"),
                    "status": data.get("status"),
                    "started": data.get("started"),
                    "steps": len(data.get("steps", [])),
                    "report": f"/runs/{name}/report.html",
                }
            )
        return out

    @app.get("/api/v1/runs/{run_id}", dependencies=[Depends(authorised)])
    def run(run_id: str) -> JSONResponse:
        """A run's trace."""
        import json

        return JSONResponse(
            json.loads((run_dir(run_id) / "trace.json").read_text(encoding="utf-8"))
        )

    @app.get("/runs/{run_id}/{name}", dependencies=[Depends(authorised)])
    def run_file(run_id: str, name: str) -> FileResponse:
        """A run's report or screenshot."""
        if not re.fullmatch(r"report\.html|step-\d{3,5}\.jpg", name):
            raise HTTPException(404, f"no file {name!r}")
        path = run_dir(run_id) / name
        if path.is_symlink() or not path.is_file():  # a link could point anywhere
            raise HTTPException(404, f"no file {name!r}")
        return FileResponse(path)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> str:
        return docs_page(app.openapi())

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return (resources.files("agent") / "web" / "index.html").read_text(encoding="utf-8")

    return app
