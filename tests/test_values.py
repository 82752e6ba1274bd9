"""Typed values from screen text."""

from __future__ import annotations

import pytest

from agent.values import convert


@pytest.mark.parametrize(
    "text,kind,value",
    [
        ("Total: 170 EUR", "int", 170),
        ("3 items left of 10", "int", 3),
        ("1,234 items", "int", 1234),
        ("Balance: −42", "int", -42),
        ("$4.50", "float", 4.5),
        ("Total: 1,234.50 USD", "float", 1234.5),
        ("true", "bool", True),
        ("Not checked", "bool", False),
        ("  Keep as is ", "text", "  Keep as is "),
    ],
)
def test_convert(text: str, kind: str, value: object) -> None:
    assert convert(text, kind) == value  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text,kind,message",
    [("no digits", "int", "holds no number"), ("4.5 kg", "int", "not a whole number"),
     ("maybe", "bool", "not a yes/no value")],
)  # fmt: skip
def test_convert_refuses_with_a_reason(text: str, kind: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        convert(text, kind)  # type: ignore[arg-type]
