"""Serving a task's local site on 127.0.0.1 for the length of a run."""

from __future__ import annotations

import functools
import logging
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        log.debug("site: " + format, *args)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that drops a request (a page closed while loading) is no error of ours;
        # the standard server would print a traceback for it.
        log.debug("site: request from %s ended early", client_address, exc_info=True)


class LocalSite:
    """A static file server for one folder on 127.0.0.1, on a free port, in a thread.

    Use as a context manager; ``url_for(path)`` gives the address of a file in the folder.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def url_for(self, relative: str) -> str:
        """The served address of a path relative to the root."""
        return self.base_url + relative.lstrip("/")

    def __enter__(self) -> LocalSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
