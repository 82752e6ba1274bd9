"""What keeps ``agent serve`` answering under hostile requests: a cap on every body (read
no further than it), errors that are JSON whatever the input held (NaN, a lone surrogate),
text fields that must be real Unicode, and API docs that need no CDN."""

from __future__ import annotations

import html
import json
from typing import Annotated, Any

from pydantic import AfterValidator

MAX_BODY_BYTES = 16_000_000
"""The largest request body read (an image of 10 MB is 13.4 MB in base64)."""
DRAIN_BYTES = 512_000_000
"""How much of a refused body is read and dropped before answering (past it: a reset)."""
MIN_TOKEN_CHARS = 16
"""The shortest ``--token`` accepted: a short one is guessed."""


def _unicode(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (it holds a lone surrogate)") from None
    return text


Text = Annotated[str, AfterValidator(_unicode)]
"""A string field that refuses lone surrogates (they cannot be written back as JSON)."""


class BodyLimit:
    """ASGI middleware: a body over ``limit`` bytes is refused with 413, by its declared
    length before anything is read, or as soon as a streamed body passes it."""

    def __init__(self, app: Any, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _refuse(receive, send, self.limit)
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _refuse(receive, send, self.limit)


class _TooLarge(Exception):
    pass


async def _refuse(receive: Any, send: Any, limit: int) -> None:
    # The rest is read and dropped (a chunk at a time: nothing is kept), up to DRAIN_BYTES, so
    # the client hears the 413 instead of a connection reset mid-upload.
    drained = 0
    while drained < DRAIN_BYTES:
        message = await receive()
        drained += len(message.get("body", b""))
        if message.get("type") != "http.request" or not message.get("more_body"):
            break
    body = json.dumps({"detail": f"request body larger than {limit // 1_000_000} MB"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors without the input they quote (NaN, a surrogate, 200 MB of text:
    none can be echoed safely), each location made plain text."""
    plain = []
    for error in errors:
        where = [str(part).encode("utf-8", "replace").decode("utf-8")[:80] for part in error["loc"]]
        plain.append({"loc": where, "msg": str(error["msg"]), "type": str(error["type"])})
    return plain


def docs_page(schema: dict[str, Any]) -> str:
    """The API described from its OpenAPI schema as plain HTML (Swagger UI loads its code
    from a CDN, which a machine offline cannot reach)."""
    rows = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            summary = operation.get("summary", "")
            detail = operation.get("description", "")
            rows.append(
                f"<h3><code>{html.escape(method.upper())} {html.escape(path)}</code></h3>"
                f"<p><b>{html.escape(summary)}</b> {html.escape(detail)}</p>"
            )
    models = json.dumps(schema.get("components", {}).get("schemas", {}), indent=2)
    return (
        "<!doctype html><meta charset=utf-8><title>gui-agent API</title>"
        "<style>body{font:15px sans-serif;max-width:60em;margin:2em auto}</style>"
        f"<h1>gui-agent API</h1><p>The schema: <a href=/openapi.json>/openapi.json</a></p>"
        f"{''.join(rows)}<h2>Bodies</h2><pre>{html.escape(models)}</pre>"
    )
