"""sqlite-web (from PyPI's sqlite-web), a database browser, on a small library database on
127.0.0.1. Each task changes the database through its pages; its check reads the file."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.realworld.common import SqliteApp, expect, free_port

BOOKS = [
    (1, "Solaris", "Stanisław Lem", 1961),
    (2, "Kindred", "Octavia E. Butler", 1979),
    (3, "The Left Hand of Darkness", "Ursula K. Le Guin", 1969),
    (4, "Excession", "Iain M. Banks", 1996),
]


class App(SqliteApp):
    """``sqlite_web library.db``, restarted on a fresh database before every task (it keeps
    the schema it read, so the file cannot be swapped under it)."""

    name = "sqlite_web"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.db = work / "library.db"
        self.port = free_port()
        self.env = {"APP_URL": f"http://127.0.0.1:{self.port}/"}

    def __enter__(self) -> App:
        return self

    def reset(self) -> None:
        """Stop the server, write the library afresh, start it again."""
        self._stop()
        self.db.unlink(missing_ok=True)
        with sqlite3.connect(self.db) as db:
            db.execute(
                "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author TEXT, year INTEGER)"
            )
            db.executemany("INSERT INTO books VALUES (?, ?, ?, ?)", BOOKS)
        command = [sys.executable, "-m", "sqlite_web.sqlite_web", str(self.db), "-H",
                   "127.0.0.1", "-p", str(self.port), "-x"]  # fmt: skip
        self.serve(command, self.work / "server.log", self.env["APP_URL"])


def _columns(app: App) -> list[str]:
    return [row[1] for row in app.rows("PRAGMA table_info(books)")]


Check = Callable[[App, Any], "str | None"]
"""An outcome check: None when the database shows the task done, else what it shows."""

CHECKS: dict[str, Check] = {
    "insert_row": lambda app, trace: expect(
        app.rows("SELECT author, year FROM books WHERE title = 'The Dispossessed'"),
        [("Ursula K. Le Guin", 1974)],
        "the new book's row",
    ),
    "add_column": lambda app, trace: expect(
        [r[2] for r in app.rows("PRAGMA table_info(books)") if r[1] == "rating"],
        ["INTEGER"],
        "the rating column's type",
    ),
    "rename_column": lambda app, trace: expect(
        _columns(app), ["id", "title", "writer", "year"], "the columns"
    ),
    "drop_column": lambda app, trace: expect(
        _columns(app), ["id", "title", "author"], "the columns"
    ),
    "delete_row": lambda app, trace: expect(
        [r[0] for r in app.rows("SELECT title FROM books ORDER BY id")],
        ["Solaris", "The Left Hand of Darkness", "Excession"],
        "the titles left",
    ),
    "edit_row": lambda app, trace: expect(
        app.rows("SELECT year FROM books WHERE title = 'Excession'"), [(1997,)], "its year"
    ),
    "run_sql": lambda app, trace: expect(
        app.rows("SELECT count(*) FROM books WHERE year < 1970"), [(0,)], "books before 1970"
    ),
    "create_table": lambda app, trace: expect(
        app.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'loans'"),
        [("loans",)],
        "the loans table",
    ),
}
