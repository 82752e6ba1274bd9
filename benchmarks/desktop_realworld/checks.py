"""What each desktop task starts from and how its outcome is read, outside the agent: the file
the program saved, the folder the shell made, what a dialog program printed on exit.

A task is named ``program/file`` (``mousepad/save_as``). ``PREPARE`` lists the files a task
starts with in its work folder; ``CHECKS`` reads the outcome and returns what is wrong, or
None when the task did what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Check = Callable[[Path, Path], "str | None"]
"""(work folder, run folder) -> the problem, or None."""

PREPARE: dict[str, dict[str, str]] = {
    "mousepad/append_line": {"groceries.txt": "bread\n"},
    "mousepad/replace_all": {"essay.txt": "The colour of the sky.\nA colour wheel.\n"},
}


def _file(name: str, expected: str) -> Check:
    """The work folder's file holds ``expected`` (a final newline or not)."""

    def check(work: Path, run: Path) -> str | None:
        path = work / name
        if not path.exists():
            return f"{name} was not saved"
        text = path.read_text(errors="replace")
        if text.rstrip("\n") != expected.rstrip("\n"):
            return f"{name} holds {text!r}, not {expected!r}"
        return None

    return check


def _folder(name: str) -> Check:
    def check(work: Path, run: Path) -> str | None:
        return None if (work / name).is_dir() else f"no folder {name}"

    return check


def _printed(expected: str) -> Check:
    """The program's last line of output (after any toolkit warnings) is ``expected``."""

    def check(work: Path, run: Path) -> str | None:
        log = run / "program.log"
        lines = [
            line.strip()
            for line in (log.read_text(errors="replace").splitlines() if log.exists() else [])
            if line.strip() and not _is_warning(line)
        ]
        last = lines[-1] if lines else None
        return None if last == expected else f"the program printed {last!r}, not {expected!r}"

    return check


def _is_warning(line: str) -> bool:
    return any(mark in line for mark in ("Gtk-", "Gdk-", "GLib", "dbind-", "Warning:", "WARNING"))


CHECKS: dict[str, Check] = {
    "mousepad/append_line": _file("groceries.txt", "bread\nmilk"),
    "mousepad/save_as": _file("meeting.txt", "Meeting at noon"),
    "mousepad/replace_all": _file("essay.txt", "The color of the sky.\nA color wheel.\n"),
    "zenity/entry_name": _printed("Ada Lovelace"),
    "zenity/question_yes": _printed("answer=0"),
    "zenity/question_no": _printed("answer=1"),
    "zenity/radio_size": _printed("Large"),
    "zenity/checklist_chores": _printed("Dishes,Vacuum"),
    "zenity/account_form": _printed("Grace|Hopper|Arlington"),
    "xterm/echo_to_file": _file("greeting.txt", "hello from xterm"),
    "xterm/make_folder": _folder("reports"),
    "xmessage/archive_mail": _printed("Archive"),
    "yad/contact_form": _printed("Ada Lovelace|ada@example.org|555 0100|"),
    "idle/save_script": _file("answer.py", "print(6 * 7)"),
}
