"""Flask-Admin (from PyPI's flask-admin), an admin interface over SQLAlchemy models, served on
127.0.0.1 by ``site.py`` (two model views, the way its users configure it). The database is
written afresh before every task and each task's outcome is read from it afterwards."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.realworld.common import SqliteApp, expect, free_port

SITE = Path(__file__).with_name("site.py")
_SCHEMA = """
CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, country VARCHAR);
CREATE TABLE book (id INTEGER PRIMARY KEY, title VARCHAR NOT NULL, year INTEGER,
    in_stock BOOLEAN NOT NULL, author_id INTEGER REFERENCES author (id));
INSERT INTO author VALUES (1, 'Stanisław Lem', 'Poland'), (2, 'Octavia E. Butler', 'USA'),
    (3, 'Ursula K. Le Guin', 'USA');
INSERT INTO book VALUES (1, 'Solaris', 1961, 1, 1), (2, 'Kindred', 1979, 1, 2),
    (3, 'The Cyberiad', 1965, 0, 1), (4, 'Parable of the Sower', 1993, 1, 2),
    (5, 'The Dispossessed', 1974, 1, 3);
"""


class App(SqliteApp):
    """The running site; ``env`` fills the task files' ``${...}``."""

    name = "flask_admin"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.db = work / "library.db"
        self.port = free_port()
        self.env = {"APP_URL": f"http://127.0.0.1:{self.port}/admin/"}

    def __enter__(self) -> App:
        self.reset()
        command = [sys.executable, str(SITE), str(self.db), str(self.port)]
        self.serve(command, self.work / "server.log", self.env["APP_URL"])
        return self

    def reset(self) -> None:
        """The library as it was (SQLAlchemy opens a connection per request)."""
        with sqlite3.connect(self.db) as db:
            db.executescript("DROP TABLE IF EXISTS book; DROP TABLE IF EXISTS author;" + _SCHEMA)


def _book(app: App, title: str) -> Any:
    found = app.rows("SELECT year, in_stock, author_id FROM book WHERE title = ?", title)
    return found[0] if found else None


def _read(key: str, sql: str) -> Callable[[App, Any], str | None]:
    def check(app: App, trace: Any) -> str | None:
        wanted = app.rows(sql)[0][0]
        return expect(trace.outputs.get(key), wanted, f"{key!r} as read")

    return check


Check = Callable[[App, Any], "str | None"]
"""An outcome check: None when the database shows the task done."""

CHECKS: dict[str, Check] = {
    "add_author": lambda app, trace: expect(
        app.rows("SELECT country FROM author WHERE name = 'Ted Chiang'"),
        [("USA",)],
        "Ted Chiang's country",
    ),  # fmt: skip
    "add_book": lambda app, trace: expect(
        _book(app, "The Lathe of Heaven"), (1971, 1, 3), "the new book (year, in stock, author)"
    ),
    "edit_year": lambda app, trace: expect(_book(app, "Kindred"), (1980, 1, 2), "Kindred"),
    "out_of_stock": lambda app, trace: expect(_book(app, "Solaris"), (1961, 0, 1), "Solaris"),
    "delete_book": lambda app, trace: expect(
        _book(app, "The Cyberiad"), None, "The Cyberiad's row"
    ),
    "search_count": _read(
        "the number of books found", "SELECT count(*) FROM book WHERE title LIKE '%the%'"
    ),
    "delete_two": lambda app, trace: expect(
        [t for (t,) in app.rows("SELECT title FROM book ORDER BY id")],
        ["Solaris", "The Cyberiad", "The Dispossessed"],
        "the books left",
    ),
}
