"""The network side of ``allowed_domains``: a small HTTP proxy on 127.0.0.1 that the browser
context sends every request through, and that connects only to allowed hosts.

Playwright's routes see a request only as the page sends it: the hops of a redirect, and
WebSockets, go past them (a 302 from an allowed page could carry a typed secret anywhere). A
proxy sees each hop as its own request, and every ``ws://`` and ``https://`` connection as a
CONNECT naming its host, so the check holds wherever the browser's network stack goes.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
"""Longest request or response head read (bytes); longer is refused."""
CONNECT_TIMEOUT_S = 10.0
HOP_HEADERS = (b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization")
"""Headers for this one hop; each proxied request is sent with ``Connection: close`` so the
next one, which the browser may send for another host, comes on a new connection and is
checked again."""
REFUSED = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BAD = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
UNREACHABLE = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def shown(url: str) -> str:
    """An address as the trace keeps it: without query and fragment, where a page sending
    what was typed (a secret, letter by letter) puts it."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def _read_head(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """The head (to its blank line) and what came after it; None when it never ends."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk or len(data) > HEAD_LIMIT:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _without_hop_headers(lines: list[bytes]) -> list[bytes]:
    kept = [line for line in lines if line.split(b":", 1)[0].strip().lower() not in HOP_HEADERS]
    return [*kept, b"Connection: close"]


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy until ``source`` ends, then end ``sink``'s writing side."""
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _resolve(host: str, port: int) -> tuple[Any, ...]:
    """The first address ``host`` resolves to, as ``(ip, port, ...)``."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return tuple(address)


def _host_port(authority: str, default: int) -> tuple[str, int]:
    parts = urlsplit(f"//{authority}")
    return (parts.hostname or "").lower(), parts.port or default


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(60)
        try:
            read = _read_head(client)
            if read is None:
                return
            head, rest = read
            lines = head.split(b"\r\n")
            method, target, version = lines[0].decode("latin-1").split(" ", 2)
            if method == "CONNECT":
                self._tunnel(client, target, rest)
            else:
                self._forward(client, method, target, version, lines[1:], rest)
        except (OSError, ValueError) as exc:
            log.debug("proxy: %s", exc)
        finally:
            client.close()

    def _open(self, client: socket.socket, host: str, port: int, shown: str) -> Any:
        if not self.server.allows(host):
            self.server.on_block(host, shown)
            client.sendall(REFUSED)
            return None
        if host == "localhost" or host.endswith(".localhost"):
            host = "127.0.0.1"  # as the browser resolves them itself (RFC 6761)
        try:
            address = _resolve(host, port)
            if self.server.public_only and not ipaddress.ip_address(address[0]).is_global:
                # Checked on the address connected to: a name re-pointed later cannot slip by.
                self.server.on_block(host, shown)
                client.sendall(REFUSED)
                return None
            return socket.create_connection(address[:2], timeout=CONNECT_TIMEOUT_S)
        except OSError:
            client.sendall(UNREACHABLE)
            return None

    def _tunnel(self, client: socket.socket, target: str, rest: bytes) -> None:
        host, port = _host_port(target, 443)
        upstream = self._open(client, host, port, f"https://{host}/" if port == 443 else target)
        if upstream is None:
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            upstream.settimeout(None)
            client.settimeout(None)
            back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
            back.start()
            _pipe(client, upstream)
            back.join()

    def _forward(
        self,
        client: socket.socket,
        method: str,
        target: str,
        version: str,
        headers: list[bytes],
        rest: bytes,
    ) -> None:
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            client.sendall(BAD)
            return
        host, port = (url.hostname or "").lower(), url.port or 80
        upstream = self._open(client, host, port, shown(target))
        if upstream is None:
            return
        with upstream:
            path = url.path or "/"
            line = f"{method} {path}{'?' + url.query if url.query else ''} {version}"
            upstream.sendall(
                b"\r\n".join([line.encode("latin-1"), *_without_hop_headers(headers)])
                + b"\r\n\r\n"
                + rest
            )
            upstream.settimeout(None)
            client.settimeout(None)
            ahead = threading.Thread(target=_pipe, args=(client, upstream), daemon=True)
            ahead.start()
            reply = _read_head(upstream)
            if reply is None:
                client.sendall(UNREACHABLE)
                return
            status, *fields = reply[0].split(b"\r\n")
            client.sendall(b"\r\n".join([status, *_without_hop_headers(fields)]) + b"\r\n\r\n")
            client.sendall(reply[1])
            _pipe(upstream, client)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        allows: Callable[[str], bool],
        on_block: Callable[[str, str], None],
        public_only: bool,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.allows = allows
        self.on_block = on_block
        self.public_only = public_only


class DomainProxy:
    """A running proxy that connects only to hosts ``allows`` accepts (with ``public_only``,
    only where they resolve to a public address: no loopback, private network or link-local
    one); each refusal goes to ``on_block`` (the host, and the address without its query).
    Close it with :meth:`close`."""

    def __init__(
        self,
        allows: Callable[[str], bool],
        on_block: Callable[[str, str], None],
        *,
        public_only: bool = False,
    ) -> None:
        self._server = _Server(allows, on_block, public_only)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="gui-agent-domain-proxy", daemon=True
        )
        self._thread.start()

    @property
    def settings(self) -> dict[str, str]:
        """Playwright's ``proxy`` option for a context that sends everything through it
        (loopback too: Playwright adds ``<-loopback>`` to the bypass list)."""
        port = self._server.server_address[1]
        return {"server": f"http://127.0.0.1:{port}"}

    def close(self) -> None:
        """Stop accepting connections."""
        self._server.shutdown()
        self._server.server_close()
