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
    "featherpad/append_note": {"todo.txt": "call mum\n"},
    "pcmanfm/rename_file": {"draft.txt": "the draft\n"},
}
ENV: dict[str, dict[str, str]] = {"zenity/password": {"PIN": "4321"}}
"""Variables a task's file names besides ${WORK} (its secrets among them)."""


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


def _renamed(old: str, new: str) -> Check:
    def check(work: Path, run: Path) -> str | None:
        if (work / old).exists():
            return f"{old} is still there"
        return None if (work / new).exists() else f"no {new}"

    return check


def _sheet(name: str, expected: str) -> Check:
    """The saved workbook's first sheet, as CSV (ssconvert, Gnumeric's own converter)."""

    def check(work: Path, run: Path) -> str | None:
        import subprocess

        path = work / name
        if not path.exists():
            return f"{name} was not saved"
        csv = work / "check.csv"
        done = subprocess.run(["ssconvert", str(path), str(csv)], capture_output=True, timeout=60)
        if done.returncode != 0 or not csv.exists():
            return f"ssconvert could not read {name}"
        text = csv.read_text().strip()
        return None if text == expected else f"the sheet holds {text!r}, not {expected!r}"

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
    "featherpad/append_note": _file("todo.txt", "call mum\nbuy stamps"),
    "featherpad/save_as": _file("qt-notes.txt", "Qt notes"),
    "gxmessage/tidy_downloads": _printed("Delete"),
    "gxmessage/city_answer": _printed("Lisbon"),
    "pcmanfm/new_folder": _folder("invoices"),
    "pcmanfm/rename_file": _renamed("draft.txt", "final.txt"),
    "gnumeric/rent_row": _sheet("budget.gnumeric", "Rent,950"),
    "zenity/calendar_day": _printed("2027-03-15"),
    "zenity/password": _printed("4321"),
    "yad/pick_colour": _printed("Green"),
    "xterm/python_sum": _file("sum.txt", "42"),
}
