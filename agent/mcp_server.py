"""``agent mcp``: the library's verbs as Model Context Protocol tools over one browser session.

A thin layer over :class:`agent.api.Agent`: each tool runs one verb as a task-file step would
(the same locating, checks, retries and errors) and answers with what happened and the element
it acted on; a failing step is a tool error carrying the step's own message. The browser is
driven on one thread of its own, because Playwright's sync objects belong to the thread that
made them while the MCP server runs an event loop. Secrets are named with ``--secret`` and used
as ``${NAME}``; their values never appear in an answer.
"""

import asyncio
import functools
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from agent.errors import AgentError, UserError

INSTRUCTIONS = (
    "Drive a web browser with gui-agent. Call `open` with an address (or a local HTML file) "
    "first. Describe elements in words as a person would: 'Sign in', 'the Username field', "
    "'the Save button in the dialog', 'the delete button of Buy milk'. Every action is checked "
    "(a click must change something, typed text must be in the field); a failure says why. "
    "Write secrets as ${NAME}; their values are never shown."
)


class Session:
    """One browser the tools share, created by the first ``open`` and driven on one thread."""

    def __init__(
        self,
        engine: Any,
        *,
        allowed_domains: list[str] | None = None,
        secrets: dict[str, str] | None = None,
        confirm: Callable[[str], bool] | None = None,
        trace_dir: Path | None = Path("runs"),
        timeout: float = 15.0,
        headed: bool = False,
    ) -> None:
        self.engine = engine
        self.allowed_domains = allowed_domains
        self.secrets = secrets or {}
        self.confirm = confirm
        self.trace_dir = trace_dir
        self.timeout = timeout
        self.headed = headed
        self.agent: Any = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gui-agent-mcp")

    async def call(self, fn: Callable[..., Any], *args: Any, fresh: bool = False) -> Any:
        """Run ``fn`` on the session's thread (``fresh``: on a thread of its own, for a task
        file's own Playwright); tool errors carry the agent's own message."""
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            if fresh:
                return await asyncio.to_thread(fn, *args)
            return await asyncio.wrap_future(self._thread.submit(fn, *args))
        except AgentError as exc:
            raise ToolError(self._masked(str(exc))) from None

    # -- run on the session's thread ---------------------------------------------------------------
    def open(self, url: str) -> str:
        """Open ``url`` (the first call launches the browser); where the page is now."""
        from agent.api import Agent

        if self.agent is None:
            self.agent = Agent.browser(
                url, engine=self.engine, allowed_domains=self.allowed_domains,
                secrets=self.secrets, confirm=self.confirm, trace_dir=self.trace_dir,
                timeout=self.timeout, headless=not self.headed, name="mcp session",
            )  # fmt: skip
        else:
            self.agent.goto(url)
        page = self.agent.page
        return self._masked(f"opened {page.url} (title: {page.title()!r})")

    def step(self, verb: str, **args: Any) -> str:
        """Run one verb as a task-file step; what it did and what it acted on."""
        agent = self._agent()
        output = agent.do(verb, **args)
        record = agent.trace.steps[-1]
        said = [f"passed: {verb} {record.target}"]
        if record.element:
            found = record.element
            said.append(
                f"element: {found.get('role') or 'text'} {found.get('text')!r} at "
                f"{[round(v) for v in found.get('box', [])]}"
            )
        said += [note for note in record.notes if note.startswith(("effects", "not counted"))]
        if output is not None:
            said.append(f"output: {output}")
        return self._masked("\n".join(said))

    def locate(self, target: str) -> str:
        """Where a described element is, without acting on it."""
        found = self._agent().locate(target)
        box = [round(v) for v in (found.box.x0, found.box.y0, found.box.x1, found.box.y1)]
        return self._masked(
            f"{found.role or 'text'} {found.text!r} at {box} (confidence {found.confidence:.2f})"
        )

    def screenshot(self) -> bytes:
        """The page as JPEG bytes, secrets blacked out as in every capture."""
        shot = self._agent().executor.capture()
        buffer = io.BytesIO()
        shot.image.convert("RGB").save(buffer, format="JPEG", quality=80)
        return buffer.getvalue()

    def run_task(self, path: str, out: Path) -> str:
        """Run a task file in a browser of its own; its status and one line per step."""
        from agent.runner import run_task
        from agent.taskfile import load_task

        loaded = load_task(Path(path), env={**os.environ, **self.secrets})
        trace, trace_path = run_task(loaded, engine=self.engine, out=out, confirm=self.confirm)
        lines = [f"{trace.status}: {trace.task} (trace: {trace_path})"]
        for record in trace.steps:
            why = f": {record.error}" if record.error else ""
            lines.append(f"{record.index + 1}. {record.status} {record.verb} {record.target}{why}")
        return self._masked("\n".join(lines))

    def close(self) -> None:
        """End the session's browser (the trace and report are written)."""
        if self.agent is not None:
            self.agent.close()
            self.agent = None

    def shutdown(self) -> None:
        """Close the browser on its own thread, then end the thread."""
        self._thread.submit(self.close).result()
        self._thread.shutdown()

    def _agent(self) -> Any:
        if self.agent is None:
            raise UserError("no page is open: call `open` with an address first")
        return self.agent

    def _masked(self, text: str) -> str:
        """No answer holds a secret's value (a task file run by `run_task` may type one it
        does not declare)."""
        from agent.secrets import Secrets

        return str(Secrets(self.secrets).mask(text)) if self.secrets else text


def build_server(session: Session, *, out: Path = Path("runs")) -> Any:
    """The MCP server whose tools drive ``session``."""
    from mcp.server.mcpserver import Image, MCPServer

    server = MCPServer("gui-agent", instructions=INSTRUCTIONS)
    call = session.call

    async def step(verb: str, **args: Any) -> str:
        return str(await call(functools.partial(session.step, verb, **args)))

    @server.tool()
    async def open(url: str) -> str:
        """Open a web address (or a local HTML file) in the session's browser."""
        return str(await call(session.open, url))

    @server.tool()
    async def screenshot() -> Image:
        """What the browser shows now, as an image (secrets blacked out)."""
        return Image(data=await call(session.screenshot), format="jpeg")

    @server.tool()
    async def locate(target: str) -> str:
        """Find a described element ('the Username field') without acting: its role, text, box."""
        return str(await call(session.locate, target))

    @server.tool()
    async def click(target: str, confirm: bool = False) -> str:
        """Click a described element; its effect must show."""
        return await step("click", target=target, confirm=confirm)

    @server.tool()
    async def type(
        text: str, into: str | None = None, submit: bool = False, confirm: bool = False
    ) -> str:
        """Type text (${NAME} for a secret) into a described field, or where focus is;
        submit presses Enter after it."""
        return await step("type", text=text, into=into, submit=submit, confirm=confirm)

    @server.tool()
    async def press(keys: str) -> str:
        """Press a key or chord: Enter, Tab, Control+S."""
        return await step("press", keys=keys)

    @server.tool()
    async def scroll(
        direction: Literal["down", "up", "left", "right"] = "down",
        screens: float = 1.0,
        within: str | None = None,
    ) -> str:
        """Scroll the page (or inside a described element) by a number of screens."""
        return await step("scroll", direction=direction, amount=screens, within=within)

    @server.tool()
    async def select(option: str, field: str) -> str:
        """Choose an option in a described select box or dropdown (field: 'Country')."""
        return await step("select", option=option, in_=field)

    @server.tool()
    async def upload(files: list[str], into: str) -> str:
        """Give files (paths on this machine) to a described file field."""
        return await step("upload", file=files, into=into)

    @server.tool()
    async def expect(text: str) -> str:
        """Check that a text (or a described element) is visible, waiting up to 5 s."""
        return await step("expect", text=text)

    @server.tool()
    async def extract(what: str) -> str:
        """Read the text of a described element ('the order total')."""
        return await step("extract", what=what)

    @server.tool()
    async def run_task(path: str) -> str:
        """Run a gui-agent task file (YAML) in a browser of its own; its result per step."""
        # A task's own Playwright cannot share the session's thread: it gets one of its own.
        return str(await call(session.run_task, path, out, fresh=True))

    return server


def run_mcp(args: Any, err: Any) -> int:
    """``agent mcp``: serve the tools over stdio (or streamable HTTP on 127.0.0.1)."""
    from agent.cli_args import engine_settings
    from agent.engines import EngineSettings, load_engine, make_engine
    from agent.secrets import read_env_file

    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        raise UserError("agent mcp needs the 'mcp' extra: pip install 'gui-agent[mcp]'") from None
    env = dict(os.environ)
    if args.env_file:
        env.update(read_env_file(args.env_file))
    missing = [name for name in args.secret if name not in env]
    if missing:
        raise UserError(f"secret {', '.join(missing)} is not set (environment or --env-file)")
    engine = load_engine(make_engine(settings=EngineSettings.resolve(engine_settings(args))))
    domains = args.allowed_domains.split(",") if args.allowed_domains else None
    session = Session(
        engine, allowed_domains=domains, secrets={n: env[n] for n in args.secret},
        confirm=(lambda what: True) if args.yes else None, trace_dir=args.out,
        timeout=args.timeout, headed=args.headed,
    )  # fmt: skip
    server = build_server(session, out=args.out)
    try:
        if args.http is not None:
            print(f"MCP over streamable HTTP: http://127.0.0.1:{args.http}/mcp", file=err)
            server.run("streamable-http", host="127.0.0.1", port=args.http)
        else:  # stdout is the protocol's: anything said goes to stderr
            server.run("stdio")
    finally:
        session.shutdown()
    return 0
