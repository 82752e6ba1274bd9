"""Typing any Unicode text on X11 through spare keycodes, without racing the application.

pyautogui drops characters that are not on the keyboard. xdotool binds each one to a spare
keycode, sends the key and unbinds it at once; an application that looks the keycode up a
moment later (a busy one) then reads the old binding and types nothing or a space. Here every
character of a chunk is bound to its own spare keycode first, the chunk is typed, and the
bindings are only removed once the screen has settled (the application has drawn what it
received).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_SPECIAL = {"\n": 0xFF0D, "\t": 0xFF09, " ": 0x20}
"""Return, Tab, space."""


def keysym_for(char: str) -> int:
    """The X keysym of a character: Latin-1 as is, the rest as 0x01000000 + code point."""
    if char in _SPECIAL:
        return _SPECIAL[char]
    code = ord(char)
    return code if 0x20 <= code <= 0xFF else 0x01000000 + code


def spare_keycodes(connection: Any) -> list[int]:
    """Keycodes with no keysym bound, which can be borrowed for the length of a text."""
    low = connection.display.info.min_keycode
    high = connection.display.info.max_keycode
    mapping = connection.get_keyboard_mapping(low, high - low + 1)
    return [low + i for i, syms in enumerate(mapping) if not any(syms)]


def type_unicode(
    connection: Any,
    text: str,
    *,
    write_plain: Callable[[str], None],
    settle: Callable[[], object],
    key_delay_s: float = 0.005,
) -> None:
    """Type ``text``: ASCII runs through ``write_plain`` (the normal keyboard), everything else
    through borrowed keycodes. ``settle`` returns once the screen has stopped changing."""
    import time

    from Xlib import X
    from Xlib.ext import xtest

    spare = spare_keycodes(connection)
    if not spare:
        raise RuntimeError("no spare keycode on this X keyboard to type non-ASCII text with")
    width = len(connection.get_keyboard_mapping(spare[0], 1)[0])
    for plain, run in _runs(text):
        if plain:
            write_plain(run)
            continue
        for chunk in _chunks(run, len(spare)):
            bound = {char: spare[i] for i, char in enumerate(dict.fromkeys(chunk))}
            for char, keycode in bound.items():
                connection.change_keyboard_mapping(keycode, [[keysym_for(char)] * width])
            connection.sync()
            try:
                for char in chunk:
                    xtest.fake_input(connection, X.KeyPress, bound[char])
                    xtest.fake_input(connection, X.KeyRelease, bound[char])
                    connection.sync()
                    time.sleep(key_delay_s)
                settle()
            finally:
                for keycode in bound.values():
                    connection.change_keyboard_mapping(keycode, [[0] * width])
                connection.sync()
    log.debug("typed %d characters through spare keycodes", len(text))


def _runs(text: str) -> list[tuple[bool, str]]:
    """``text`` split into runs of printable ASCII (``True``) and the rest."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        plain = char.isascii() and char.isprintable()
        if runs and runs[-1][0] == plain:
            runs[-1] = (plain, runs[-1][1] + char)
        else:
            runs.append((plain, char))
    return runs


def _chunks(run: str, size: int) -> list[str]:
    """Consecutive pieces of ``run`` with at most ``size`` distinct characters each."""
    chunks: list[str] = []
    current = ""
    for char in run:
        if char not in current and len(set(current)) >= size:
            chunks.append(current)
            current = ""
        current += char
    if current:
        chunks.append(current)
    return chunks
