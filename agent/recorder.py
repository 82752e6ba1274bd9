"""``agent record``: a task file written from what a person does in a browser.

Each action becomes a step described the way the offline engine resolves it (a field's label,
a button's name, a role word, an ordinal when the name is not unique), and every description
is checked at recording time: it must find the very element the person used, or a more
specific one is tried. Typing is merged per field (a click that only focused the field is
dropped); a password field's text becomes ``${NAME}``, declared as a secret, and its value is
written nowhere. The locate cache is written beside the task, so its first replay asks no
engine.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from pathlib import Path
from typing import Any

import yaml

from agent.cache import LocateCache, cache_path_for
from agent.record_script import NAME_JS, RECORD_JS
from perception.choose import same_place
from perception.elements import Box, Element
from perception.matching import Intent

log = logging.getLogger(__name__)
ORDINALS = ("second", "third", "fourth", "fifth")
LATE_MS = 500
"""A target that came this long after the person's last action is waited for."""
ROLE_WORDS = {"button": "button", "link": "link", "field": "field", "checkbox": "checkbox",
              "radio": "radio button", "select": "select box"}  # fmt: skip
INTENTS = {"click": Intent.CLICK, "type": Intent.TYPE, "select": Intent.SELECT,
           "upload": Intent.CLICK}  # fmt: skip


class Recorder:
    """Records what happens on ``page`` (and pages it opens) into task-file steps.

    Args:
        page: A Playwright page, already at the start address.
        engine: The engine descriptions are checked with (the offline engine by default).
        start: The start address as the task file should say it (a path or a URL).
    """

    def __init__(self, page: Any, *, engine: Any = None, start: str | None = None) -> None:
        from actions.playwright import PlaywrightExecutor
        from perception.offline import OfflineEngine

        self.page = page
        self.start = start or page.url
        self.engine = engine or OfflineEngine()
        self.executor = PlaywrightExecutor(page)
        self.steps: list[dict[str, Any]] = []
        self.secrets: list[str] = []
        self.warnings: list[str] = []
        # How each description found its element, read while the page was as the person saw it.
        self._found: list[Any] = []
        # Only its entry_for is used (entries are kept until write): its path is never written.
        self._entries = LocateCache(Path("recording.cache.yaml"), "write-only")
        self.title = page.title()
        self._events: deque[dict[str, Any]] = deque()
        self._typing: dict[str, Any] | None = None  # the field being typed into
        page.context.expose_binding(
            "__guiAgentRecord", lambda _src, data: self._events.append(data)
        )
        page.context.add_init_script(RECORD_JS)
        page.evaluate(RECORD_JS)

    # -- events ----------------------------------------------------------------------------
    def pump(self, seconds: float = 0.05) -> int:
        """Let the page report (for ``seconds``) and turn what it reported into steps; how many
        events were handled."""
        self.page.wait_for_timeout(seconds * 1000)
        self.title = self.page.title() or self.title
        handled = 0
        while self._events:
            event = self._events.popleft()
            getattr(self, f"_on_{event['kind']}")(event)
            handled += 1
        return handled

    def _on_click(self, event: dict[str, Any]) -> None:
        if not (event["field"] and self._typing and self._typing["id"] == event["id"]):
            self._flush()
            described = self._describe(event, "click")
            if described:
                self._waited(event, described)
                self.steps.append(
                    {"click": described, "_id": event["id"], "_field": event["field"]}
                )
        # The person's press was held back: click the same point, letting it through.
        self.page.evaluate("window.__guiAgentPassing = true")
        try:
            self.page.mouse.click(event["x"], event["y"])
        finally:
            try:
                self.page.evaluate("window.__guiAgentPassing = false")
            except Exception:  # noqa: BLE001 - the click navigated: the new page starts fresh
                pass

    def _on_type(self, event: dict[str, Any]) -> None:
        if self._typing and self._typing["id"] == event["id"]:
            self._typing["value"] = event["value"]
            return
        self._flush()
        into = self._describe(event, "type")
        if into is None:
            return
        last = self.steps[-1] if self.steps else None
        if last and last.get("_field") and last.get("_id") == event["id"]:
            self.steps.pop()  # the click only focused the field typed into now
            if self.steps and self.steps[-1] == {"wait_for": last["click"]}:
                self.steps[-1] = {"wait_for": into}  # the field came late: still wait for it
            self._found = [f for f in self._found if f.step != f"click {last['click']}"]
        self._waited(event, into)
        self._typing = {"id": event["id"], "into": into, "value": event["value"],
                        "password": event["password"]}  # fmt: skip

    def _waited(self, event: dict[str, Any], description: str) -> None:
        """A target that came LATE_MS or more after the person's last action (the page was
        working, the person waited) is waited for, so the replay reads as the recording."""
        if event.get("late", 0) >= LATE_MS:
            self.steps.append({"wait_for": description})

    def _on_select(self, event: dict[str, Any]) -> None:
        self._flush()
        field = self._describe(event, "select")
        if field:
            self.steps.append({"select": {"option": event["option"], "in": field}})

    def _on_upload(self, event: dict[str, Any]) -> None:
        self._flush()
        field = self._describe(event, "upload")
        if field:
            files = event["files"]
            self.steps.append({"upload": {"file": files[0] if len(files) == 1 else files,
                                          "into": field}})  # fmt: skip
            self.warnings.append(f"put {', '.join(files)} beside the task file")

    def _on_press(self, event: dict[str, Any]) -> None:
        self._flush()
        self.steps.append({"press": event["keys"]})

    def _on_expect(self, event: dict[str, Any]) -> None:
        self._flush()
        self.steps.append({"expect": " ".join(event["text"].split())})

    def _flush(self) -> None:
        typing, self._typing = self._typing, None
        if typing is None:
            return
        text = typing["value"]
        if typing["password"] and text:
            name = self._secret_name(typing["into"])
            text = f"${{{name}}}"
        self.steps.append({"type": {"text": text, "into": typing["into"]}})

    def _secret_name(self, into: str) -> str:
        words = re.findall(r"[A-Za-z0-9]+", into.replace("the ", "").replace(" field", ""))
        name = "_".join(w.upper() for w in words) or "PASSWORD"
        name = name if name[0].isalpha() else f"SECRET_{name}"
        if name not in self.secrets:
            self.secrets.append(name)
        return name

    # -- descriptions ----------------------------------------------------------------------------
    def _describe(self, event: dict[str, Any], verb: str) -> str | None:
        """A description the engine resolves to the element the person used, most plain first;
        None (and a warning) when none does."""
        named = self.page.evaluate(NAME_JS, event["id"]) or {"name": "", "role": ""}
        name, role = named["name"], named["role"]
        shot = self.executor.capture()
        scale = shot.scale
        target = Element(box=Box.from_list([v * scale for v in event["box"]]), text=name)
        intent = INTENTS[verb]
        for description in _candidates(name, role):
            found = self.engine.locate(shot, description, intent=intent, page=self.page)
            element = found.element
            if element is not None and not found.tie and same_place(element, target):
                entry = self._entries.entry_for(f"{verb} {description}", shot, self.page, element)
                self._found.append(entry)
                return description
        self.warnings.append(
            f"{verb}: no description of the {role or 'element'} {name!r} finds it again; "
            "the step is left out"
        )
        return None

    # -- output ----------------------------------------------------------------------------
    def task(self, name: str | None = None) -> dict[str, Any]:
        """The task file's content (as a dict) recorded so far."""
        self._flush()
        size = self.page.viewport_size or {"width": 1280, "height": 800}
        width, height = size["width"], size["height"]
        task: dict[str, Any] = {
            "name": name or f"Recorded on {self.title or self.start}",
            "browser": {"url": self.start, "viewport": {"width": width, "height": height}},
        }
        if self.secrets:
            task["secrets"] = list(self.secrets)
        task["steps"] = [{k: v for k, v in s.items() if not k.startswith("_")} for s in self.steps]
        return task

    def write(self, path: Path, name: str | None = None) -> Path:
        """Write the task file and, beside it, the locate cache of every recorded step."""
        task = self.task(name)
        path.write_text(
            "# Recorded with `agent record`; replay it with `agent run`.\n"
            + yaml.safe_dump(task, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )
        cache = LocateCache(cache_path_for(path), "write-only")
        kept = {_step_key(step) for step in task["steps"]}
        for entry in self._found:
            if entry is not None and entry.step in kept:
                cache.store(entry)
        cache.save()
        return path


def _step_key(step: dict[str, Any]) -> str | None:
    """The cache key a replayed step looks its element up by."""
    verb, args = next(iter(step.items()))
    if isinstance(args, str):
        return f"{verb} {args}"
    target = args.get("into") or args.get("in") or args.get("target")
    return f"{verb} {target}" if target else None


def _candidates(name: str, role: str) -> list[str]:
    """Descriptions to try for an element, the plainest first."""
    if not name:
        return [f"the {ROLE_WORDS[role]}"] if role in ROLE_WORDS else []
    word = ROLE_WORDS.get(role, "")
    quoted = f'"{name}"' if '"' not in name else name
    plain = [name] if role not in ("checkbox", "radio") else []
    plain += (
        [f"{quoted} {word}" if role in ("checkbox", "radio") else f"{name} {word}"] if word else []
    )
    plain += [quoted] if quoted != name else []
    ordinal = [f"the {o} {name} {word}".strip() for o in ORDINALS] if word else []
    return plain + ordinal


def run_record(args: Any, err: Any) -> int:
    """``agent record``: open a browser window at the address, record until Ctrl-C or the
    window closes, then write the task file and its cache."""
    import os

    from agent.api import Agent
    from agent.errors import UserError

    if not args.headless and not os.environ.get("DISPLAY"):
        raise UserError(
            "agent record opens a browser window for you to act in: it needs a display "
            "(DISPLAY); on a machine without one, run it under xvfb-run with a VNC viewer"
        )
    out: Path = args.output
    start = args.url
    if "://" not in start and Path(start).exists():  # a local page: relative to the task file
        start = os.path.relpath(Path(start).resolve(), out.resolve().parent)
    with Agent.browser(args.url, engine="offline", headless=args.headless, trace_dir=None) as ai:
        recorder = Recorder(ai.page, engine=ai.engine, start=start)
        print("recording: act in the browser window; select text and press Ctrl+Shift+E to "
              "expect it; Ctrl-C or closing the window ends and writes "
              f"{out}", file=err)  # fmt: skip
        try:
            while not ai.page.is_closed():
                before = len(recorder.steps)
                recorder.pump(0.1)
                for step in recorder.steps[before:]:
                    print(f"  + {_shown(step)}", file=err)
        except KeyboardInterrupt:
            pass
        except Exception as exc:  # noqa: BLE001 - the window was closed mid-call
            if not ai.page.is_closed():
                raise
            log.debug("recording ended with the window: %s", exc)
        recorder.write(out, args.name)
    for warning in recorder.warnings:
        print(f"warning: {warning}", file=err)
    cache = cache_path_for(out)
    beside = f" and {cache}" if cache.exists() else ""
    print(f"wrote {out} ({len(recorder.task()['steps'])} steps){beside}", file=err)
    return 0


def _shown(step: dict[str, Any]) -> str:
    verb, value = next(iter(step.items()))
    return f"{verb}: {value}"
