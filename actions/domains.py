"""``allowed_domains``: which hosts a run's browser may reach, enforced twice.

The context's route sees what the page asks for (and names it in the trace); the proxy of
:mod:`actions.domain_proxy`, when the run launched the context, sees what the network stack
does after that (each hop of a redirect, WebSockets). ``file:`` addresses are refused: a task's
own page is served over http, and a page, a ``goto`` or a start URL reading the disk could put
any file into an ``extract`` and the trace.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from actions.browser_launch import is_browser_gone
from actions.domain_proxy import DomainProxy, shown
from agent.errors import ActionError, UsageError

log = logging.getLogger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Always reachable: the machine's own apps, and the task's local pages served on it."""
INERT_SCHEMES = frozenset({"data", "blob", "about"})
"""Addresses that reach no host."""


def ascii_host(name: str) -> str:
    """A host as the browser sends it: lower case, without a trailing dot, an international
    name in its punycode form (``bücher.localhost`` -> ``xn--bcher-kva.localhost``).

    Raises:
        UsageError: The name cannot be a host name.
    """
    host = name.strip().lower().rstrip(".").lstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UsageError(f"allowed_domains: {name!r} is not a host name ({exc})") from None


class DomainRule:
    """Hosts named in ``allowed_domains`` and their subdomains (``*``: any host), plus
    loopback unless ``loopback`` is False."""

    def __init__(self, domains: list[str], *, loopback: bool = True) -> None:
        self.domains = [d if d.strip() == "*" else ascii_host(d) for d in domains if d.strip()]
        self.loopback = loopback

    def allows_host(self, host: str) -> bool:
        """Whether a connection to ``host`` may be made."""
        try:
            host = ascii_host(host.strip("[]"))
        except UsageError:
            return False
        if host in LOOPBACK and self.loopback:
            return True
        return any(d == "*" or host == d or host.endswith("." + d) for d in self.domains)

    def allows_url(self, url: str) -> bool:
        """Whether the browser may load ``url``."""
        parts = urlsplit(url)
        if parts.scheme in INERT_SCHEMES:
            return True
        if parts.scheme == "file":
            return False
        return self.allows_host(parts.hostname or "")

    def check_url(self, url: str) -> None:
        """Refuse, before loading, an address the rule blocks (a start URL, a ``goto``).

        Raises:
            UsageError: The address is outside the allowed domains.
        """
        if not self.allows_url(url):
            raise UsageError(f"{shown(url)} is outside allowed_domains {self.domains}")


class DomainLimit:
    """A context's ``allowed_domains`` in force: the route's refusals, and the proxy's.

    The proxy also refuses Chromium's own traffic (its autofill service, say), which no page
    asked for; only refusals of hosts a page requested (a redirect's hop, a WebSocket: the
    context's request events name them) are listed, so the trace says what the pages tried.
    """

    def __init__(
        self, rule: DomainRule, *, proxied: bool = False, public_only: bool = False
    ) -> None:
        self.rule = rule
        self._routed: list[str] = []
        self._refused: list[tuple[str, str]] = []  # (host, address), from the proxy's threads
        self._asked: set[str] = set()
        self._proxy = (
            DomainProxy(rule.allows_host, self.refuse, public_only=public_only) if proxied else None
        )

    @property
    def proxy(self) -> dict[str, str] | None:
        """Playwright's ``proxy`` option for a context this limit's proxy serves."""
        return self._proxy.settings if self._proxy is not None else None

    def close(self) -> None:
        """Stop the proxy (its context is closed first)."""
        if self._proxy is not None:
            self._proxy.close()

    @property
    def blocked(self) -> list[str]:
        """Addresses blocked so far (without query), in order: the route's, then the hops."""
        hops = [shown for host, shown in list(self._refused) if host in self._asked]
        return [*self._routed, *hops]

    def refuse(self, host: str, address: str) -> None:
        """The proxy refused to connect to ``host`` (called from its threads)."""
        self._refused.append((host, address))
        log.info("proxy refused %s: not in allowed_domains %s", address, self.rule.domains)

    def _asked_for(self, url: str) -> None:
        self._asked.add((urlsplit(url).hostname or "").lower())

    def enforce(self, context: Any) -> None:
        """Abort every request of the context (all its tabs) that the rule blocks."""

        def route(route: Any) -> None:
            url = route.request.url
            if self.rule.allows_url(url):
                route.continue_()
                return
            address = shown(url)
            self._routed.append(address)
            log.warning("blocked %s: not in allowed_domains %s", address, self.rule.domains)
            route.abort("blockedbyclient")

        context.route("**/*", route)
        context.on("request", lambda request: self._asked_for(request.url))
        context.on("page", self._watch_sockets)
        for page in context.pages:
            self._watch_sockets(page)

    def _watch_sockets(self, page: Any) -> None:
        page.on("websocket", lambda socket: self._asked_for(socket.url))


def goto(page: Any, url: str, limit: DomainLimit | None) -> None:
    """Load ``url`` in ``page`` under the limit, waiting for its load event.

    Raises:
        UsageError: The address itself is outside the allowed domains.
        ActionError: It did not load: refused, no answer, or a hop the limit blocked (named).
    """
    if limit is not None:
        limit.rule.check_url(url)
    before = len(limit.blocked) if limit is not None else 0
    try:
        page.goto(url, wait_until="load")
    except Exception as exc:
        if is_browser_gone(exc):  # browser_gone() around it says what happened
            raise
        reason = str(exc).splitlines()[0].removeprefix("Page.goto: ")
        if limit is not None and (hops := limit.blocked[before:]):
            reason = f"it led to {hops[-1]}, outside allowed_domains {limit.rule.domains}"
        raise ActionError(f"{shown(url)} did not load: {reason}") from None
