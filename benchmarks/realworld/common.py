"""What the corpus's applications share: free ports and waiting for a server to answer."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def own_python(name: str, requirements: tuple[str, ...]) -> Path:
    """The Python of an application's own virtual environment, ``ROOT/.venv-<name>``, made
    (and ``requirements`` installed from PyPI) the first time, or again when they change."""
    venv = ROOT / f".venv-{name}"
    python, stamp = venv / "bin" / "python", venv / ".installed"
    if not stamp.exists() or stamp.read_text() != " ".join(requirements):
        print(f"installing {name} into {venv.name} (once; from PyPI)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], check=True)
        stamp.write_text(" ".join(requirements))
    return python


def wait_for_http(url: str, process: subprocess.Popen[Any]) -> None:
    """Return once ``url`` answers (any HTTP status); RuntimeError if the server exits or
    stays silent for START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_S:g} s")


class SqliteApp:
    """What an application of the corpus on one SQLite file shares: reading its database and
    stopping its server. Subclasses set ``db``, ``_server`` and ``_log`` when they start."""

    db: Path
    _server: subprocess.Popen[bytes] | None = None
    _log: Any = None

    def rows(self, sql: str, *args: Any, db: Path | None = None) -> list[tuple[Any, ...]]:
        """What the database (or another of the application's SQLite files) holds now."""
        with sqlite3.connect(db or self.db) as connection:
            return list(connection.execute(sql, args))

    def serve(
        self, command: list[str], log: Path, url: str, env: dict[str, str] | None = None
    ) -> None:
        """Start the application's server (stopping the one running; ``env``: variables added
        to its environment), its output appended to ``log``, and return once ``url``
        answers."""
        self._stop()
        if self._log is None:
            self._log = log.open("ab")
        self._server = subprocess.Popen(command, cwd=ROOT, stdout=self._log,
                                        stderr=subprocess.STDOUT,
                                        env={**os.environ, **(env or {})})  # fmt: skip
        wait_for_http(url, self._server)

    def _stop(self) -> None:
        if self._server is not None:
            self._server.terminate()
            self._server.wait(timeout=10)
            self._server = None

    def __exit__(self, *exc: object) -> None:
        self._stop()
        if self._log is not None:
            self._log.close()


def expect(actual: Any, wanted: Any, what: str) -> str | None:
    """An outcome check's answer: None when ``actual`` is what was wanted, else what it is."""
    return None if actual == wanted else f"{what}: {actual!r}, wanted {wanted!r}"
