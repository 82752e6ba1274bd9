"""Files a page downloads: each is saved (into the run folder's ``downloads/`` by default) as
it arrives, and the step that started it records its name and size."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedFile:
    """A downloaded file: its name as the site gave it, where it is, how big it is."""

    name: str
    path: Path
    size: int

    def summary(self) -> str:
        """One line for the trace."""
        return f"downloaded {self.name} ({self.size} bytes) to {self.path}"


@dataclass
class Downloads:
    """Saves every download of the pages it watches.

    Attributes:
        folder: Where files go (made when the first arrives); None: a temporary folder.
        saved: Every file saved so far, oldest first.
    """

    folder: Path | None = None
    saved: list[SavedFile] = field(default_factory=list)
    _unseen: list[SavedFile] = field(default_factory=list)
    _failed: list[str] = field(default_factory=list)
    _started: list[Any] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        """Save the page's downloads (once per page, however often it is asked)."""
        if getattr(page, "_gui_agent_downloads", None) is self:
            return
        page.on("download", self._on_download)
        try:
            page._gui_agent_downloads = self
        except AttributeError:  # a page object that takes no attributes
            pass

    def _on_download(self, download: Any) -> None:
        # Only noted here: Playwright's calls (saving) wait outside its event handlers.
        self._started.append(download)

    def save_started(self) -> None:
        """Save the downloads started since the last call (each waits until complete)."""
        started, self._started = self._started, []
        for download in started:
            self._save(download)

    def _save(self, download: Any) -> None:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="gui-agent-downloads-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        name = Path(str(download.suggested_filename)).name or "download"
        path = self.folder / name
        n = 1
        while path.exists():  # a second file of the same name keeps the first
            n += 1
            path = self.folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        try:
            download.save_as(path)
        except Exception as exc:  # noqa: BLE001 - a cancelled or failed download
            self._failed.append(f"the download of {name} failed: {download.failure() or exc}")
            return
        saved = SavedFile(name=name, path=path, size=path.stat().st_size)
        self.saved.append(saved)
        self._unseen.append(saved)
        log.info("%s", saved.summary())

    def take(self) -> tuple[list[SavedFile], list[str]]:
        """The files saved, and the downloads that failed, since the last call (the ones
        started are saved first)."""
        self.save_started()
        saved, failed = self._unseen, self._failed
        self._unseen, self._failed = [], []
        return saved, failed

    def find(self, name: str) -> SavedFile | None:
        """The newest saved file of that name (or whose name contains it)."""
        self.save_started()
        for saved in reversed(self.saved):
            if saved.name == name or name in saved.name:
                return saved
        return None
