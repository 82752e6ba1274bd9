"""An order desk written with Streamlit (from PyPI) and streamlit-option-menu, served by
``streamlit run`` on 127.0.0.1: a dropdown built from divs (BaseWeb), a menu inside an iframe
(a Streamlit component) and a header fixed over the page. Streamlit lives in a virtual
environment of its own, ``.venv-streamlit`` (made on first use, from PyPI: about 500 MB with
pyarrow and pandas). The app script (``site.py``) is ours; every widget is Streamlit's. Its
database is emptied before every task and read afterwards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.realworld.common import SqliteApp, expect, free_port, own_python

REQUIREMENTS = ("streamlit==1.67.0", "streamlit-option-menu==0.4.0")
SCHEMA = (
    "CREATE TABLE orders (customer TEXT, product TEXT, quantity INTEGER, city TEXT, slot TEXT,"
    " notes TEXT)",
    "CREATE TABLE settings (units TEXT, currency TEXT)",
)


class App(SqliteApp):
    """The running order desk; ``env`` fills the task files' ``${...}``."""

    name = "streamlit_app"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.db = work / "desk.sqlite3"
        self.port = free_port()
        self.env = {"APP_URL": f"http://127.0.0.1:{self.port}/"}

    def __enter__(self) -> App:
        python = own_python("streamlit", REQUIREMENTS)
        for table in SCHEMA:
            self.rows(table)
        command = [
            str(python), "-m", "streamlit", "run", str(Path(__file__).parent / "site.py"),
            "--server.address", "127.0.0.1", "--server.port", str(self.port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--global.developmentMode", "false",
        ]  # fmt: skip
        env_db = {"GUI_AGENT_STREAMLIT_DB": str(self.db)}
        self.serve(command, self.work / "server.log", self.env["APP_URL"], env=env_db)
        return self

    def reset(self) -> None:
        """Empty tables (each page load starts a fresh session)."""
        for table in ("orders", "settings"):
            self.rows(f"DELETE FROM {table}")  # noqa: S608 - fixed names


Check = Callable[[App, Any], "str | None"]
"""An outcome check: None when the app's database shows the task done."""

CHECKS: dict[str, Check] = {
    "place_order": lambda app, trace: expect(
        app.rows("SELECT customer, product, quantity, city, slot, notes FROM orders"),
        [("Dana Reyes", "Cable clamp", 12, "Lyon", "Morning", "")],
        "orders",
    ),
    "notes_first": lambda app, trace: expect(
        app.rows("SELECT customer, product, quantity, slot, notes FROM orders"),
        [("Ines Martin", "Eye hook", 1, "Evening", "Use loading bay 3")],
        "orders",
    ),
    "settings": lambda app, trace: expect(
        app.rows("SELECT units, currency FROM settings"), [("Imperial", "GBP")], "settings"
    ),
}
