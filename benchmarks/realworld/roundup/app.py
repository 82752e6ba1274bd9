"""Roundup (from PyPI's roundup), an issue tracker with its "classic" template and the SQLite
backend, served by ``roundup-server`` on 127.0.0.1. The tracker is made once per run (an
admin, a user, two issues); its database is copied afresh before every task, and each task's
outcome is read from it afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.realworld.common import ROOT, SqliteApp, expect, free_port

ADMIN_PASSWORD = "Corpus-2026-pw"
_SEED = (
    ("user", "username=alice", "password=Alice-2026-pw", "roles=User", "address=alice@example.org"),
    ("issue", "title=Printer on floor 2 jams", "priority=bug", "status=unread"),
    ("issue", "title=Add a dark mode", "priority=wish", "status=unread"),
)


class App(SqliteApp):
    """The running tracker; ``env`` fills the task files' ``${...}``."""

    name = "roundup"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.home = work / "tracker"
        self.seed = work / "seed-db"
        self.db = self.home / "db" / "db"
        self.port = free_port()
        url = f"http://127.0.0.1:{self.port}/tracker/"
        self.env = {"APP_URL": url, "ADMIN_PASSWORD": ADMIN_PASSWORD}

    def _admin(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "roundup.scripts.roundup_admin", "-i", str(self.home), *args],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip

    def __enter__(self) -> App:
        options = f"tracker_web={self.env['APP_URL']},mail_domain=example.org"
        self._admin("install", "classic", "sqlite", options)
        self._admin("initialise", ADMIN_PASSWORD)
        for kind, *values in _SEED:
            self._admin("create", kind, *values)
        shutil.copytree(self.home / "db", self.seed)
        command = [sys.executable, "-m", "roundup.scripts.roundup_server", "-p", str(self.port),
                   "-n", "127.0.0.1", f"tracker={self.home}"]  # fmt: skip
        if os.geteuid() == 0:  # roundup-server refuses to serve as root
            command[3:3] = ["-u", "nobody", "-g", "nogroup"]
        self.reset()
        self.serve(command, self.work / "server.log", self.env["APP_URL"])
        return self

    def reset(self) -> None:
        """The seeded database again (the server opens it afresh for every request)."""
        # SQLite's -shm and -wal files may vanish while this runs: whatever is left goes.
        shutil.rmtree(self.home / "db", ignore_errors=True)
        shutil.copytree(self.seed, self.home / "db", dirs_exist_ok=True)
        if os.geteuid() == 0:
            self.work.chmod(0o755)  # the server's user must reach the tracker
            for path in [self.home, *self.home.rglob("*")]:
                shutil.chown(path, "nobody", "nogroup")

    def sessions(self) -> list[str]:
        """The users who hold a web session."""
        held = self.rows("SELECT session_value FROM sessions", db=self.home / "db" / "db-session")
        return [value for (value,) in held]


def _issue(app: App, title: str, column: str) -> Any:
    found = app.rows(f"SELECT _{column} FROM _issue WHERE _title = ?", title)  # noqa: S608
    return found[0][0] if found else None


def _named(app: App, table: str, name: str, column: str = "name") -> Any:
    found = app.rows(f"SELECT id FROM _{table} WHERE _{column} = ?", name)  # noqa: S608
    return found[0][0] if found else None


PRINTER = "Printer on floor 2 jams"
Check = Callable[[App, Any], "str | None"]
"""An outcome check: None when the tracker's database shows the task done."""

CHECKS: dict[str, Check] = {
    "log_in": lambda app, trace: expect(
        any("'admin'" in s for s in app.sessions()), True, "admin holds a session"
    ),
    "new_issue": lambda app, trace: expect(
        _issue(app, "Projector remote is missing", "priority"),
        _named(app, "priority", "urgent"),
        "the new issue's priority",
    ),
    "resolve_issue": lambda app, trace: expect(
        _issue(app, PRINTER, "status"), _named(app, "status", "resolved"), "its status"
    ),
    "assign_issue": lambda app, trace: expect(
        _issue(app, "Add a dark mode", "assignedto"),
        _named(app, "user", "alice", "username"),
        "who it is assigned to",
    ),
    "add_note": lambda app, trace: expect(
        [
            s
            for (s,) in app.rows(
                "SELECT m._summary FROM _msg m JOIN issue_messages im ON im.linkid = m.id "
                "JOIN _issue i ON i.id = im.nodeid WHERE i._title = ?",
                PRINTER,
            )
        ],
        ["Replaced the paper tray; please try again."],
        "the notes on it",
    ),  # fmt: skip
    "add_keyword": lambda app, trace: expect(
        _named(app, "keyword", "hardware") is not None, True, "keyword hardware exists"
    ),
    "add_user": lambda app, trace: expect(
        app.rows("SELECT _address FROM _user WHERE _username = 'dave'"),
        [("dave@example.org",)],
        "dave's address",
    ),
}
