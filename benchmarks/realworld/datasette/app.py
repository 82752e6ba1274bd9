"""Datasette (from PyPI's datasette), a data browser, serving a small library database on
127.0.0.1. Its tasks read values off its pages; each check compares what the task extracted
with what the database holds (the agent only reads, so a wrong reading is its false pass)."""

from __future__ import annotations

import csv
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.realworld.common import ROOT, SqliteApp, free_port, wait_for_http

AUTHORS = ("Ursula K. Le Guin", "Octavia E. Butler", "Stanisław Lem", "Iain M. Banks",
           "N. K. Jemisin", "Ted Chiang")  # fmt: skip
WORDS = ("Dragon", "Star", "Glass", "River", "Machine", "Winter", "Harbour", "Signal", "Garden",
         "Mirror")  # fmt: skip


def _books() -> list[tuple[int, str, str, int, int]]:
    rng = random.Random(2026)  # the same library every run
    books = []
    for number in range(1, 41):
        title = f"The {rng.choice(WORDS)} of {rng.choice(WORDS)}"
        books.append((number, title, rng.choice(AUTHORS), rng.randint(1955, 2024),
                      rng.randint(120, 900)))  # fmt: skip
    return books


class App(SqliteApp):
    """``datasette serve library.db``; ``env`` fills the task files' ``${...}``."""

    name = "datasette"

    def __init__(self, work: Path) -> None:
        self.db = work / "library.db"
        self.port = free_port()
        self.env = {"APP_URL": f"http://127.0.0.1:{self.port}/"}
        self._log_path = work / "server.log"

    def __enter__(self) -> App:
        with sqlite3.connect(self.db) as db:
            db.execute(
                "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author TEXT, "
                "year INTEGER, pages INTEGER)"
            )
            db.executemany("INSERT INTO books VALUES (?, ?, ?, ?, ?)", _books())
            db.execute('CREATE VIRTUAL TABLE books_fts USING fts5(title, content="books", '
                       'content_rowid="id")')  # fmt: skip
            db.execute("INSERT INTO books_fts (rowid, title) SELECT id, title FROM books")
        self._server = subprocess.Popen(
            [sys.executable, "-m", "datasette", "serve", str(self.db), "-h", "127.0.0.1",
             "-p", str(self.port), "--setting", "sql_time_limit_ms", "3000"],
            cwd=ROOT, stdout=(log := self._log_path.open("wb")), stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._log = log
        wait_for_http(self.env["APP_URL"], self._server)
        return self

    def reset(self) -> None:
        """Nothing to reset: the tasks only read."""


def _read(key: str, sql: str, *args: Any) -> Callable[[App, Any], str | None]:
    def check(app: App, trace: Any) -> str | None:
        wanted = app.rows(sql, *args)[0][0]
        got = trace.outputs.get(key)
        return None if got == wanted else f"{key!r} read as {got!r}; the database has {wanted!r}"

    return check


def _downloaded(app: App, trace: Any) -> str | None:
    """The CSV file the task downloaded holds every book, as the database has them."""
    saved = next((s.output for s in trace.steps if s.verb == "expect" and s.output), None)
    if saved is None:
        return "no file was downloaded"
    with Path(saved).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    wanted = [(str(i), t) for i, t in app.rows("SELECT id, title FROM books ORDER BY id")]
    got = [(r.get("id", ""), r.get("title", "")) for r in rows]
    return None if got == wanted else f"the file has {len(got)} rows; the database {len(wanted)}"


CHECKS: dict[str, Callable[[App, Any], str | None]] = {
    "export_csv": _downloaded,
    "count_by_author": _read(
        "the number of rows", "SELECT count(*) FROM books WHERE author = ?", "Ted Chiang"
    ),
    "search_titles": _read(
        "the number of rows",
        "SELECT count(*) FROM books_fts WHERE books_fts MATCH ?",
        "dragon",
    ),  # fmt: skip
    "sql_count": _read("count(*)", "SELECT count(*) FROM books WHERE year < 1980"),
    "row_title": _read("title", "SELECT title FROM books WHERE id = 7"),
    "row_pages": _read("pages", "SELECT pages FROM books WHERE id = 12"),
    "facet_count": _read(
        "the count next to Stanisław Lem",
        "SELECT count(*) FROM books WHERE author = ?",
        "Stanisław Lem",
    ),  # fmt: skip
    "sorted_first": _read("the first title", "SELECT title FROM books ORDER BY pages DESC"),
}
