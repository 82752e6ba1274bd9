"""Django's admin site (from PyPI's django), served by ``manage.py runserver`` on 127.0.0.1.

The database is made once per run (migrations, an admin, two users and a group) and copied
afresh before every task; each task's outcome is read from it afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.realworld.common import ROOT, SqliteApp, expect, free_port, wait_for_http

ADMIN_PASSWORD = "Corpus-2026-pw"
SETTINGS = "benchmarks.realworld.django_admin.settings"
_SEED = """
from django.contrib.auth.models import Group, User
User.objects.create_superuser("admin", "admin@example.org", {password!r})
User.objects.create_user("alice", "", "Alice-2026-pw")
User.objects.create_user("bob", "", "Bob-2026-pw")
Group.objects.create(name="Support")
"""


class App(SqliteApp):
    """The running admin site; ``env`` fills the task files' ``${...}``."""

    name = "django_admin"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.seed = work / "seed.sqlite3"
        self.db = work / "live.sqlite3"
        self.port = free_port()
        self.env = {"APP_URL": f"http://127.0.0.1:{self.port}/", "ADMIN_PASSWORD": ADMIN_PASSWORD}

    def _django(self, *args: str, db: Path, **popen: Any) -> Any:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "GUI_AGENT_DJANGO_DB": str(db),
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        command = [sys.executable, "-m", "django", *args]
        if popen:
            return subprocess.Popen(command, env=env, cwd=ROOT, **popen)
        return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)

    def __enter__(self) -> App:
        self._django("migrate", "--noinput", db=self.seed)
        self._django("shell", "-c", _SEED.format(password=ADMIN_PASSWORD), db=self.seed)
        self.reset()
        self._log = (self.work / "server.log").open("wb")
        self._server = self._django(
            "runserver", f"127.0.0.1:{self.port}", "--noreload", db=self.db, stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for_http(self.env["APP_URL"], self._server)
        return self

    def reset(self) -> None:
        """The seeded database again (the server opens it afresh for every request)."""
        shutil.copyfile(self.seed, self.db)


def _one(app: App, sql: str, *args: Any) -> Any:
    found = app.rows(sql, *args)
    return found[0][0] if found else None


def _user(app: App, name: str, column: str) -> Any:
    return _one(app, f"SELECT {column} FROM auth_user WHERE username = ?", name)  # noqa: S608


def _in_group(app: App, user: str, group: str) -> bool:
    return bool(
        app.rows(
            "SELECT 1 FROM auth_user_groups ug JOIN auth_user u ON u.id = ug.user_id "
            "JOIN auth_group g ON g.id = ug.group_id WHERE u.username = ? AND g.name = ?",
            user, group,
        )
    )  # fmt: skip


def _group_permissions(app: App, group: str) -> list[str]:
    return [
        row[0]
        for row in app.rows(
            "SELECT p.codename FROM auth_group_permissions gp JOIN auth_group g "
            "ON g.id = gp.group_id JOIN auth_permission p ON p.id = gp.permission_id "
            "WHERE g.name = ?",
            group,
        )
    ]


Check = Callable[[App, Any], "str | None"]
"""An outcome check: None when the database shows the task done, else what it shows."""

CHECKS: dict[str, Check] = {
    "log_in": lambda app, trace: expect(
        _user(app, "admin", "last_login") is not None, True, "admin's last login is set"
    ),
    "add_group": lambda app, trace: expect(
        _one(app, "SELECT count(*) FROM auth_group WHERE name = 'Editors'"), 1, "groups Editors"
    ),
    "add_user": lambda app, trace: expect(
        (_user(app, "carol", "password") or "!").startswith("!"), False, "carol has a password"
    ),
    "first_name": lambda app, trace: expect(
        _user(app, "alice", "first_name"), "Alice", "alice's first name"
    ),
    "email": lambda app, trace: expect(
        _user(app, "alice", "email"), "alice@example.org", "alice's email"
    ),
    "staff_status": lambda app, trace: expect(_user(app, "bob", "is_staff"), 1, "bob is staff"),
    "deactivate": lambda app, trace: expect(_user(app, "bob", "is_active"), 0, "bob is active"),
    "delete_group": lambda app, trace: expect(
        _one(app, "SELECT count(*) FROM auth_group WHERE name = 'Support'"), 0, "groups Support"
    ),
    "group_in_popup": lambda app, trace: expect(
        _in_group(app, "alice", "Editors"), True, "alice in Editors"
    ),
    "user_to_group": lambda app, trace: expect(
        _in_group(app, "alice", "Support"), True, "alice in Support"
    ),
    "group_by_search": lambda app, trace: expect(
        _in_group(app, "bob", "Support"), True, "bob in Support"
    ),
    "group_permission": lambda app, trace: expect(
        _group_permissions(app, "Auditors"), ["view_user"], "Auditors' permissions"
    ),
    "delete_selected": lambda app, trace: expect(
        _user(app, "bob", "id") is None and _user(app, "alice", "id") is not None,
        True,
        "bob deleted and alice kept",
    ),  # fmt: skip
    "log_out": lambda app, trace: expect(
        _one(app, "SELECT count(*) FROM django_session"), 0, "sessions left"
    ),
    "count_users": lambda app, trace: expect(
        trace.outputs.get("the number of users"),
        _one(app, "SELECT count(*) FROM auth_user"),
        "users counted",
    ),
}
