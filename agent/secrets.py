"""Secrets: declared names whose values are typed but never shown.

A task declares ``secrets: [SHOP_PASSWORD]`` and writes ``${SHOP_PASSWORD}``; the placeholder
stays in the step (so models, traces, reports and logs only ever see the placeholder), and the
value is put in at the last moment, when the executor types. Anything that might still echo a
value (an error quoting a field's content) is masked back to its placeholder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from agent.errors import UserError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Secrets:
    """Values by name; :meth:`reveal` puts them in, :meth:`mask` takes them out."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values = {k: v for k, v in (values or {}).items() if v}
        self._forms: list[tuple[str, re.Pattern[str]]] | None = None
        for name in self.values:
            if not _NAME.match(name):
                raise UserError(f"secret name {name!r}: use letters, digits and _")

    @classmethod
    def from_env(cls, names: Iterable[str], env: Mapping[str, str]) -> Secrets:
        """The declared names' values from the environment (or a .env file's mapping)."""
        missing = [n for n in names if not env.get(n)]
        if missing:
            raise UserError(f"secret {', '.join(missing)} is not set (environment or --env-file)")
        return cls({n: env[n] for n in names})

    def __bool__(self) -> bool:
        return bool(self.values)

    def placeholder(self, name: str) -> str:
        """How a secret appears wherever it is shown: ``${NAME}``."""
        return "${" + name + "}"

    def reveal(self, text: str, *, only: set[str] | None = None) -> str:
        """The text with each ``${NAME}`` replaced by its value (only at the executor);
        with ``only``, just those names."""
        for name, value in self.values.items():
            if only is None or name in only:
                text = text.replace(self.placeholder(name), value)
        return text

    def named_in(self, text: str) -> set[str]:
        """The secrets whose placeholder the text holds."""
        return {name for name in self.values if self.placeholder(name) in text}

    def uses(self, text: str) -> bool:
        """Whether the text holds a secret's placeholder."""
        return any(self.placeholder(name) in text for name in self.values)

    def forms(self) -> list[tuple[str, re.Pattern[str]]]:
        """Each secret's pattern: every form :meth:`mask` takes out (:func:`secret_pattern`)."""
        if self._forms is None:
            longest_first = sorted(self.values.items(), key=lambda kv: -len(kv[1]))
            self._forms = [(name, secret_pattern(value)) for name, value in longest_first]
        return self._forms

    def mask(self, value: Any) -> Any:
        """Strings, lists and dicts with every secret replaced by its placeholder, in any
        form a field, a page or an encoder may give it back (:func:`secret_pattern`)."""
        if not self.values:
            return value
        if isinstance(value, str):
            for name, pattern in self.forms():
                value = pattern.sub(self.placeholder(name), value)
            return value
        if isinstance(value, list):
            return [self.mask(v) for v in value]
        if isinstance(value, dict):
            return {k: self.mask(v) for k, v in value.items()}
        return value


PREFIX_MIN = 6
"""The shortest start of a secret masked on its own (a field with ``maxlength`` keeps one)."""
SEPARATORS = r"[\s\-./()]"
"""Characters a field may put between a secret's characters (``4111 1111``)."""
_SEPARATOR = SEPARATORS + "{0,2}"
"""What a field that reformats may put between characters (a card number's spaces)."""
_ESCAPED = (
    r"(?:\\|%[0-9A-Fa-f]{2}|&[#\w]{1,8};|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}|[^0-9A-Za-z\s]){1,3}"
)
"""A character that is not a letter or digit, as an encoder may write it: itself,
backslash-escaped (``repr``, JSON), percent-encoded (a URL), an HTML entity."""


def _char(c: str) -> str:
    if c.isalnum():
        return re.escape(c)
    if c == " ":
        return r"(?:\s|\+|%20)"  # a space in a query string
    return _ESCAPED


def secret_pattern(value: str) -> re.Pattern[str]:
    """A pattern for every form of ``value`` that text written from a page may hold: any
    letter case; escaped or percent- or entity-encoded punctuation; separators a field adds
    (``4111 1111``); and any start of at least :data:`PREFIX_MIN` characters (whole when
    shorter), since a field may keep only a prefix."""
    chars = [_char(c) for c in value]
    least = min(len(chars), PREFIX_MIN)
    pattern = ""
    for c in reversed(chars[least:]):  # the optional tail, innermost last
        pattern = f"(?:{_SEPARATOR}{c}{pattern})?"
    head = _SEPARATOR.join(chars[:least])
    return re.compile(head + pattern, re.IGNORECASE)


class MaskingFilter(logging.Filter):
    """A logging filter that masks secret values in every record it passes."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the message (formatted with its arguments); always lets the record through."""
        if self.secrets:
            record.msg = self.secrets.mask(record.getMessage())
            record.args = None
        return True


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (``#`` comments, optional quotes), as a ``.env`` file holds them."""
    values: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"{path}: cannot read the env file: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise UserError(f"{path}:{number}: expected NAME=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values
