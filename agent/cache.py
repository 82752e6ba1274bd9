"""The locate cache: find an element again without the engine, validated before it is used.

An entry is keyed by the step's verb and description and where it happens (the page URL
without query and fragment, or the window title). It holds what finds the element again: the
role and name of a DOM element (resolved afresh to a handle in the current accessibility tree)
or, for anything found from pixels, its box and a small thumbnail of it (on a desktop also a
perceptual hash of the whole screen). Replay validates first: the role and name still resolve
to exactly one element (the rest of the page may have changed), or, from pixels, the desktop
still looks like it did and the thumbnail still matches at the same place; otherwise the
engine locates live and the entry is refreshed.

The file is YAML, one entry per step and place, sorted, so teams can commit it beside the task
(``tasks/login.cache.yaml``) and review its diffs. Modes: ``read-write`` (the default on a
developer's machine), ``read-only`` (the default when ``CI`` is set: never writes),
``write-only`` and ``off``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import UsageError
from agent.secrets import Secrets
from perception.aria import find_one
from perception.elements import Box, Element
from perception.fingerprints import looks_the_same, same_screen, screen_hash, thumbnail
from perception.matching import normalize
from perception.screen import Screenshot

log = logging.getLogger(__name__)

CacheMode = Literal["read-write", "read-only", "write-only", "off"]
CACHE_MODES: tuple[str, ...] = get_args(CacheMode)
CacheStatus = Literal["hit", "miss", "live"]
"""Per step: replayed from the cache, an entry that failed validation, or no entry."""


class CacheEntry(BaseModel):
    """What finds one step's element again."""

    model_config = ConfigDict(extra="forbid")

    step: str = Field(description="The verb and the description, as written.")
    where: str = Field(description="The page URL (no query) or the window title.")
    screen: str | None = Field(
        default=None, description="Desktops: a perceptual hash of the screen it was found on."
    )
    engine: str = Field(description="Which engine found it first.")
    role: str | None = None
    name: str | None = Field(default=None, description="DOM elements: the accessible name.")
    text: str = ""
    box: list[float] = Field(min_length=4, max_length=4)
    thumb: str | None = Field(default=None, description="Pixels only: a grey thumbnail, hex.")


class PlannedAction(BaseModel):
    """One action of a recorded goal, with what the screen looked like where it acted."""

    model_config = ConfigDict(extra="forbid")

    action: dict[str, Any] = Field(description="The action, as the trace records it.")
    call: dict[str, Any] | None = Field(default=None, description="The model's tool call.")
    box: list[float] | None = Field(default=None, description="Around the action's point.")
    thumb: str | None = Field(default=None, description="That box's grey thumbnail, hex.")


class PlanEntry(BaseModel):
    """A goal that succeeded: its actions, replayed one by one, each validated first."""

    model_config = ConfigDict(extra="forbid")

    step: str
    where: str
    actions: list[PlannedAction] = Field(default_factory=list)
    answer: str | None = None


class CacheFile(BaseModel):
    """The file: a version, the located elements, and the goals' plans."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    entries: list[CacheEntry] = Field(default_factory=list)
    plans: list[PlanEntry] = Field(default_factory=list)


def default_mode() -> CacheMode:
    """``GUI_AGENT_CACHE`` when set, else ``read-only`` under CI and ``read-write`` elsewhere."""
    chosen = os.environ.get("GUI_AGENT_CACHE")
    if chosen:
        return check_mode(chosen)
    return "read-only" if os.environ.get("CI") else "read-write"


def check_mode(mode: str) -> CacheMode:
    """``mode`` if it is a cache mode, else a UsageError naming them."""
    if mode not in CACHE_MODES:
        raise UsageError(f"cache: expected one of {', '.join(CACHE_MODES)}, got {mode!r}")
    return mode  # type: ignore[return-value]


CACHE_SUFFIX = ".cache.yaml"


def is_cache_file(path: Path) -> bool:
    """Whether a path is a cache file (``agent run tasks/*.yaml`` passes them too)."""
    return path.name.endswith(CACHE_SUFFIX)


def cache_path_for(task_path: Path) -> Path:
    """Where a task file's cache lives: ``login.yaml`` -> ``login.cache.yaml``."""
    return task_path.with_name(task_path.stem + CACHE_SUFFIX)


class LocateCache:
    """One cache file, loaded once, written back (if the mode allows) by :meth:`save`.

    Args:
        path: The YAML file (it need not exist).
        mode: See the module docstring.
        secrets: Values that must never reach the file (masked to their placeholders).
    """

    def __init__(
        self, path: Path, mode: CacheMode = "read-write", *, secrets: Secrets | None = None
    ) -> None:
        self.path = path
        self.mode = check_mode(mode)
        self.secrets = secrets or Secrets()
        self._entries: dict[str, CacheEntry] = {}
        self._plans: dict[str, PlanEntry] = {}
        self._dirty = False
        self._broken = False
        self.hits = self.misses = 0
        if mode in ("read-write", "read-only") and path.exists():
            self._load()

    @property
    def reads(self) -> bool:
        """Whether lookups are answered."""
        return self.mode in ("read-write", "read-only")

    @property
    def writes(self) -> bool:
        """Whether found elements are stored."""
        return self.mode in ("read-write", "write-only")

    def _load(self) -> None:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            loaded = CacheFile.model_validate(data)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            first = str(exc).strip().splitlines()[0]
            log.warning(
                "%s: unreadable cache file (%s); locating live, and leaving the file as it is",
                self.path, first,
            )  # fmt: skip
            self._broken = True
            return
        self._entries = {_key(e.step, e.where): e for e in loaded.entries}
        self._plans = {_key(p.step, p.where): p for p in loaded.plans}

    # -- lookup --------------------------------------------------------------------------------
    def lookup(self, step: str, shot: Screenshot, page: Any) -> tuple[Element | None, CacheStatus]:
        """The step's element, validated against the current screen, and how it went."""
        if not self.reads:
            return None, "live"
        entry = self._entries.get(_key(step, where(shot, page)))
        if entry is None:
            return None, "live"
        element = self._validate(entry, shot, page)
        if element is None:
            self.misses += 1
            log.info("cache: %r no longer matches the screen; locating live", step)
            return None, "miss"
        self.hits += 1
        return element, "hit"

    def _validate(self, entry: CacheEntry, shot: Screenshot, page: Any) -> Element | None:
        if entry.name is not None and page is not None:
            # The handle is the proof: exactly one element with that role and name. The rest
            # of the page may change (a counter, a clock) without spoiling the entry.
            found = find_one(page, entry.role, entry.name, scale=shot.scale)
            return found.model_copy(update={"engine": entry.engine}) if found else None
        if entry.screen is not None and not same_screen(entry.screen, screen_hash(shot)):
            return None  # a desktop that looks different as a whole
        box = Box.from_list(entry.box)
        if entry.thumb is None or not looks_the_same(shot, box, entry.thumb):
            return None
        return Element(
            box=box, text=entry.text, role=entry.role or "text", engine=entry.engine,
            confidence=1.0,
        )  # fmt: skip

    # -- store ---------------------------------------------------------------------------------
    def entry_for(
        self, step: str, shot: Screenshot, page: Any, element: Element
    ) -> CacheEntry | None:
        """How to find the element again, read from the screen it was found on (so call it
        then, before acting); None when the mode does not write."""
        if not self.writes:
            return None
        place = where(shot, page)
        dom = element.engine == "offline/dom" and element.handle is not None and page is not None
        entry = CacheEntry(
            step=step,
            where=place,
            screen=screen_hash(shot) if page is None else None,
            engine=element.engine,
            role=element.role,
            name=element.text if dom else None,
            text=element.text,
            box=element.box.as_list(),
            thumb=None if dom else thumbnail(shot, element.box),
        )  # fmt: skip
        return CacheEntry.model_validate(self.secrets.mask(entry.model_dump()))

    def store(self, entry: CacheEntry) -> None:
        """Keep an entry (once its step has passed) until :meth:`save`."""
        key = _key(entry.step, entry.where)
        if self._entries.get(key) != entry:
            self._entries[key] = entry
            self._dirty = True

    def plan_for(self, step: str, place: str) -> PlanEntry | None:
        """The recorded plan of a goal at this place, if the mode reads."""
        return self._plans.get(_key(step, place)) if self.reads else None

    def store_plan(self, plan: PlanEntry) -> None:
        """Keep a goal's successful plan (secrets masked) until :meth:`save`."""
        if not self.writes:
            return
        plan = PlanEntry.model_validate(self.secrets.mask(plan.model_dump()))
        key = _key(plan.step, plan.where)
        if self._plans.get(key) != plan:
            self._plans[key] = plan
            self._dirty = True

    def save(self) -> None:
        """Write the file if anything changed and the mode writes (never over a broken one)."""
        if not (self._dirty and self.writes):
            return
        if self._broken:
            log.warning("%s: not overwriting the unreadable cache file", self.path)
            return
        entries = [self._entries[k] for k in sorted(self._entries)]
        plans = [self._plans[k] for k in sorted(self._plans)]
        data = CacheFile(entries=entries, plans=plans).model_dump(mode="json", exclude_none=True)
        if not data["plans"]:
            del data["plans"]
        text = (
            "# gui-agent locate cache: how each step found its element. Safe to commit; "
            "delete to re-locate.\n"
            + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, self.path)
        self._dirty = False
        log.info("cache: wrote %d entries to %s", len(entries), self.path)


class _Dumper(yaml.SafeDumper):
    """Boxes on one line: ``box: [454.0, 338.0, 467.0, 351.0]``."""


def _flow_numbers(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = bool(data) and all(isinstance(v, int | float) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _flow_numbers)


def _key(step: str, place: str) -> str:
    return f"{normalize(step)} @ {place}"


def where(shot: Screenshot, page: Any) -> str:
    """The page URL without query and fragment, or the capture's window title."""
    if page is not None:
        parts = urlsplit(page.url)
        netloc = parts.netloc
        if parts.hostname in ("127.0.0.1", "localhost", "::1"):
            netloc = parts.hostname  # a local site is served on a new port every run
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return shot.source
