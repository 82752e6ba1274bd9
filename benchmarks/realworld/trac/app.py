"""Trac (from PyPI's Trac), a wiki and issue tracker, served by ``tracd`` on 127.0.0.1 with an
SQLite environment. Trac lives in a virtual environment of its own, ``.venv-trac`` (made on
first use, from PyPI): it needs ``pkg_resources`` (setuptools < 81), and python-multipart,
which the agent's server extra installs, takes the module name ``multipart`` Trac reads forms
with. The environment is made once per run (two tickets; anonymous users may do
everything, as on a private install without logins); its database is copied afresh (under a
new server) before every task, and each task's outcome is read from it afterwards."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.realworld.common import ROOT, SqliteApp, expect, free_port, own_python

REQUIREMENTS = ("Trac==1.6", "setuptools<81")


_SEED = """
import sys
from trac.env import Environment
from trac.ticket.model import Ticket
env = Environment(sys.argv[1])
seeds = (("Crash when saving an empty file", "defect"), ("Export to PDF", "enhancement"))
for summary, kind in seeds:
    ticket = Ticket(env)
    ticket.populate({"summary": summary, "type": kind, "component": "component1",
                     "reporter": "alice", "description": "Seen on 1.0.", "status": "new",
                     "priority": "major"})
    ticket.insert()
"""
CRASH = "Crash when saving an empty file"


class App(SqliteApp):
    """The running Trac; ``env`` fills the task files' ``${...}``."""

    name = "trac"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.home = work / "trac"
        self.db = self.home / "db" / "trac.db"
        self.seed = work / "seed.db"
        self.port = free_port()
        self.env = {"APP_URL": f"http://127.0.0.1:{self.port}/"}

    def _admin(self, *args: str) -> None:
        command = [str(self.python), "-W", "ignore", "-m", "trac.admin.console", str(self.home)]
        subprocess.run([*command, *args], check=True, capture_output=True, cwd=ROOT)

    def __enter__(self) -> App:
        self.python = own_python("trac", REQUIREMENTS)
        self._admin("initenv", "Corpus", "sqlite:db/trac.db")
        self._admin("permission", "add", "anonymous", "TRAC_ADMIN")
        subprocess.run([str(self.python), "-W", "ignore", "-c", _SEED, str(self.home)],
                       check=True, capture_output=True, cwd=ROOT)  # fmt: skip
        shutil.copyfile(self.db, self.seed)
        return self

    def reset(self) -> None:
        """The seeded database again, under a new tracd (it keeps its connections open, so
        the file cannot be swapped under a running one)."""
        self._stop()
        for stale in self.db.parent.glob("trac.db-*"):
            stale.unlink(missing_ok=True)
        shutil.copyfile(self.seed, self.db)
        command = [str(self.python), "-W", "ignore", "-m", "trac.web.standalone", "-p",
                   str(self.port), "-b", "127.0.0.1", "-s", str(self.home)]  # fmt: skip
        self.serve(command, self.work / "server.log", self.env["APP_URL"])


def _ticket(app: App, summary: str, column: str) -> Any:
    found = app.rows(f"SELECT {column} FROM ticket WHERE summary = ?", summary)  # noqa: S608
    return found[0] if found else None


Check = Callable[[App, Any], "str | None"]
"""An outcome check: None when Trac's database shows the task done."""

CHECKS: dict[str, Check] = {
    "attach_log": lambda app, trace: expect(
        app.rows(
            "SELECT a.filename, a.description, a.size FROM attachment a JOIN ticket t "
            "ON a.type = 'ticket' AND a.id = CAST(t.id AS TEXT) WHERE t.summary = ?",
            CRASH,
        ),
        [("crash.log", "Log of the crash", (Path(__file__).parent / "crash.log").stat().st_size)],
        "its attachments",
    ),
    "new_ticket": lambda app, trace: expect(
        _ticket(app, "Search ignores accents", "type, description"),
        ("enhancement", "Searching for cafe should find café."),
        "the new ticket",
    ),
    "comment": lambda app, trace: expect(
        [
            r[0]
            for r in app.rows(
                "SELECT c.newvalue FROM ticket_change c JOIN ticket t ON t.id = c.ticket "
                "WHERE t.summary = ? AND c.field = 'comment'",
                CRASH,
            )
        ],
        ["Also happens with a file of only spaces."],
        "its comments",
    ),  # fmt: skip
    "close_ticket": lambda app, trace: expect(
        _ticket(app, CRASH, "status, resolution"), ("closed", "fixed"), "its status"
    ),
    "priority": lambda app, trace: expect(
        _ticket(app, "Export to PDF", "priority"), ("critical",), "its priority"
    ),
    "add_milestone": lambda app, trace: expect(
        app.rows("SELECT name FROM milestone WHERE name = 'Release 2.1'"),
        [("Release 2.1",)],
        "milestone Release 2.1",
    ),
    "add_component": lambda app, trace: expect(
        app.rows("SELECT owner FROM component WHERE name = 'Printing'"),
        [("carol",)],
        "component Printing's owner",
    ),
    "wiki_page": lambda app, trace: expect(
        "Meetings are on Tuesdays."
        in (
            app.rows("SELECT text FROM wiki WHERE name = 'WikiStart' ORDER BY version DESC")
            or [("",)]
        )[0][0],
        True,
        "the start page says when meetings are",
    ),  # fmt: skip
}
