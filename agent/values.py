"""Turning text read from the screen into typed values (``extract`` with ``as:``)."""

from __future__ import annotations

import re
from typing import Literal

_NUMBER = re.compile(r"[-+−]?\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?|[-+−]?\d+(?:\.\d+)?")
_TRUE = frozenset({"true", "yes", "on", "1", "checked", "enabled", "selected"})
_FALSE = frozenset({"false", "no", "off", "0", "unchecked", "disabled", "not checked"})

Kind = Literal["text", "int", "float", "bool"]


def convert(text: str, kind: Kind) -> str | int | float | bool:
    """The first number in ``text`` (int, float), a yes/no word (bool), or the text itself.

    Thousands separators (``1,234``) are understood; ``3 items left of 10`` gives 3.

    Raises:
        ValueError: The text holds no value of that kind; the message says what it read.
    """
    if kind == "text":
        return text
    if kind == "bool":
        word = " ".join(text.casefold().split())
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError(f"{text!r} is not a yes/no value ({', '.join(sorted(_TRUE))}...)")
    match = _NUMBER.search(text)
    if not match:
        raise ValueError(f"{text!r} holds no number")
    number = re.sub(r"[,\u202f\u00a0 ]", "", match.group(0)).replace("−", "-")
    if kind == "int":
        if "." in number:
            raise ValueError(f"{text!r} holds {number}, not a whole number")
        return int(number)
    return float(number)
