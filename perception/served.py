"""The served engine: the same prompts over any OpenAI-compatible ``/v1/chat/completions``.

vLLM, SGLang, llama.cpp's llama-server, Ollama, LM Studio and ``transformers serve`` all take
screenshots as base64 data URLs. The key, if the server wants one, comes from an environment
variable and is only ever sent in the Authorization header.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from actions.retry import http_retrying
from agent.errors import EndpointError, ModelError
from perception import budget
from perception.coords import GRID
from perception.decoding import CallKind, served_sampling
from perception.profiles import PromptProfile
from perception.vlm import Message, VlmEngine, image_budget

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)


class _Transient(Exception):
    """A failure worth another try: connection refused, timeout, 429 or 5xx."""


class OpenAIEngine(VlmEngine):
    """Qwen3-VL (or another VLM) behind an OpenAI-compatible server.

    Args:
        endpoint: The base URL as OpenAI clients take it, e.g. ``http://127.0.0.1:8000/v1``.
        model: The model name the server knows.
        api_key_env: The environment variable holding the key (none needed if unset).
        timeout_s: Seconds to wait for one answer.
        retries: Extra tries on connection errors, timeouts, 429 and 5xx.
        max_pixels: Screenshots are shrunk to this many pixels before sending.
    """

    name = "openai"

    def __init__(
        self,
        endpoint: str,
        model: str,
        *,
        api_key_env: str = "OPENAI_API_KEY",
        timeout_s: float = 300.0,
        retries: int = 3,
        max_pixels: int = 1280 * 32 * 32,
        divisor: float = GRID,
        max_new_tokens: int = 256,
        temperature: float | None = None,
        profile: PromptProfile | None = None,
    ) -> None:
        super().__init__(
            divisor=divisor, max_pixels=max_pixels, max_new_tokens=max_new_tokens,
            temperature=temperature, profile=profile,
        )  # fmt: skip
        self.endpoint = endpoint.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.retries = retries

    @staticmethod
    def data_url(image: Image.Image, max_pixels: int) -> str:
        """The screenshot as a PNG data URL, shrunk to the image budget."""
        size = image_budget(image.size, max_pixels)
        if size != image.size:
            image = image.resize(size)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    def payload(
        self,
        messages: list[Message],
        image: Image.Image,
        *,
        max_new_tokens: int,
        kind: CallKind = "ground",
    ) -> dict[str, Any]:
        """The request body: OpenAI chat messages with the screenshot as an image_url part."""
        url = self.data_url(image, self.max_pixels)
        converted: list[dict[str, Any]] = []
        for message in messages:
            parts: list[dict[str, Any]] = []
            for part in message["content"]:
                if part["type"] == "image":
                    parts.append({"type": "image_url", "image_url": {"url": url}})
                else:
                    parts.append({"type": "text", "text": part["text"]})
            if message["role"] == "system":
                converted.append({"role": "system", "content": "\n".join(p["text"] for p in parts)})
            else:
                converted.append({"role": message["role"], "content": parts})
        return {
            "model": self.model,
            "messages": converted,
            "max_tokens": max_new_tokens,
            **served_sampling(kind, self.temperature),
        }

    def generate(
        self,
        messages: list[Message],
        image: Image.Image,
        *,
        max_new_tokens: int,
        kind: CallKind = "ground",
    ) -> str:
        """POST one chat completion (with retries) and return the answer's text."""
        payload = self.payload(messages, image, max_new_tokens=max_new_tokens, kind=kind)
        body = json.dumps(payload).encode()
        started = time.monotonic()
        try:
            for attempt in http_retrying(attempts=1 + self.retries, retry_on=_Transient):
                with attempt:
                    budget.check("waiting for the model server")
                    reply = self._post(body)
        except _Transient as exc:
            raise EndpointError(
                f"{self.endpoint}/chat/completions: {exc} (after {1 + self.retries} tries). "
                "Is the server running, and is --endpoint its base URL (ending in /v1)?"
            ) from None
        log.info("openai: answer in %.1f s", time.monotonic() - started)
        return _answer_text(reply)

    def post(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST one request body as it is (no retries) and return the server's JSON answer
        (``agent doctor`` reads its ``usage``)."""
        return self._post(json.dumps(payload).encode())

    def _post(self, body: bytes) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(
            f"{self.endpoint}/chat/completions", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                data: dict[str, Any] = json.loads(response.read().decode("utf-8"))
                return data
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            if exc.code == 429 or exc.code >= 500:
                raise _Transient(f"HTTP {exc.code}: {detail}") from None
            raise EndpointError(
                f"{self.endpoint}/chat/completions refused the request: HTTP {exc.code}: {detail}"
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _Transient(f"cannot reach the server ({reason})") from None
        except json.JSONDecodeError as exc:
            raise ModelError(f"the server's answer is not JSON: {exc}") from None


def _answer_text(reply: dict[str, Any]) -> str:
    """The message text; tool calls the server already parsed are turned back into text."""
    try:
        message = reply["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise ModelError(
            f"the server's answer has no choices[0].message: {str(reply)[:300]}"
        ) from None
    content = message.get("content") or ""
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    for call in message.get("tool_calls") or []:
        function = call.get("function", {})
        arguments = function.get("arguments", "{}")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                pass
        call_json = json.dumps({"name": function.get("name"), "arguments": arguments})
        content += f"\n<tool_call>\n{call_json}\n</tool_call>"
    return str(content)
