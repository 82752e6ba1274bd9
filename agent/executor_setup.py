"""What an Agent sets on its executor before the first step: the dialog policy, where
downloads go, and the secrets every capture must hide."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from actions.base import AnswersDialogs, Executor, HidesSecrets, KeepsDownloads, MasksCaptures
from agent.errors import UsageError
from agent.run import Run
from agent.secrets import PREFIX_MIN


def prepare(
    executor: Executor,
    run: Run,
    *,
    dialogs: Literal["accept", "dismiss"] | None,
    downloads: str | Path | None,
) -> None:
    """Set the run's options on the executor.

    Raises:
        UsageError: ``dialogs`` for an executor without page dialogs (a desktop).
    """
    if dialogs is not None:
        if not isinstance(executor, AnswersDialogs):
            raise UsageError("dialogs is a browser option: a desktop has no page dialogs")
        executor.dialogs.policy = dialogs
    if isinstance(executor, KeepsDownloads):  # the run folder's downloads/ by default
        folder = downloads or (run.run_dir and run.run_dir / "downloads")
        executor.downloads.folder = Path(folder) if folder else executor.downloads.folder
    if run.secrets and isinstance(executor, HidesSecrets):
        # Before anything is captured: a model, the trace and the report see only black there.
        executor.hide(list(run.secrets.values.values()), least=PREFIX_MIN)
    elif run.secrets and isinstance(executor, MasksCaptures):
        from agent.screen_secrets import SecretMasker

        executor.masker = SecretMasker(run.secrets)  # a desktop: read from its pixels
