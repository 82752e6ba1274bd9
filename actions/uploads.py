"""Giving files to a page's file input: set on the input itself, or through the file chooser
a button opens when the input is hidden behind it (most styled upload buttons)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.errors import ActionError

FILES_OF_JS = "(el) => el.files ? Array.from(el.files).map(f => f.name) : null"
IS_FILE_INPUT_JS = "(el) => el.tagName === 'INPUT' && el.type === 'file'"


def upload(page: Any, css: tuple[float, float], handle: str | None, files: list[Path]) -> list[str]:
    """Give ``files`` to the file input at ``css`` (or ``handle``); the names it then holds.

    Raises:
        ActionError: Neither the element nor a click on it takes files.
    """
    paths = [str(f) for f in files]
    target = page.locator(handle) if handle else None
    if target is not None:
        try:
            if target.evaluate(IS_FILE_INPUT_JS, timeout=1000):
                target.set_input_files(paths, timeout=5000)
                return list(target.evaluate(FILES_OF_JS) or [])
        except Exception:  # noqa: BLE001 - a stale handle: go through the chooser
            pass
    try:
        with page.expect_file_chooser(timeout=3000) as chooser:
            page.mouse.click(*css)
    except Exception as exc:  # noqa: BLE001 - Playwright's timeout: nothing asked for files
        raise ActionError(
            "the element takes no files: neither a file input nor a button that opens a "
            f"file chooser ({str(exc).splitlines()[0]})"
        ) from None
    chosen = chooser.value
    chosen.set_files(paths)
    return list(chosen.element.evaluate(FILES_OF_JS) or [])


def takes_files(page: Any, handle: str) -> bool:
    """Whether the element with this handle is a file input."""
    try:
        return bool(page.locator(handle).evaluate(IS_FILE_INPUT_JS, timeout=1000))
    except Exception:  # noqa: BLE001 - a stale handle: it takes nothing
        return False
