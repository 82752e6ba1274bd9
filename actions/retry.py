"""Retry and polling policies, built only here (tenacity), so every wait is logged the same way."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tenacity import (
    RetryCallState,
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    retry_if_not_result,
    stop_after_attempt,
    stop_after_delay,
    stop_before_delay,
    wait_exponential,
    wait_fixed,
)
from tenacity.stop import stop_base

from agent.errors import RETRYABLE

log = logging.getLogger(__name__)


class _TimeUp(stop_base):
    """Stop once a clock that may pause (a step's, which does not count model time) runs out."""

    def __init__(self, left: Callable[[], float]) -> None:
        self.left = left

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.left() <= 0


def step_retrying(*, attempts: int, left: Callable[[], float]) -> Retrying:
    """Retry a step's attempt on model and action errors, within its attempts and while
    ``left()`` (the seconds left of its timeout) is positive."""
    return Retrying(
        stop=stop_after_attempt(max(1, attempts)) | _TimeUp(left),
        retry=retry_if_exception_type(RETRYABLE),
        wait=wait_fixed(0.25),
        before_sleep=before_sleep_log(log, logging.INFO),
        reraise=True,
    )


def polling(
    *, timeout_s: float, interval_s: float = 0.1, accept: Callable[[Any], bool] = bool
) -> Retrying:
    """Call until ``accept(result)`` or the timeout; the last result is returned either way."""
    return Retrying(
        stop=stop_after_delay(max(0.0, timeout_s)),
        retry=retry_if_not_result(accept),
        wait=wait_fixed(interval_s),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )


def http_retrying(
    *, attempts: int, retry_on: type[BaseException] | tuple[type[BaseException], ...]
) -> Retrying:
    """Retry an HTTP call on transient failures with exponential backoff (0.5 s, 1 s, 2 s...)."""
    from tenacity import wait_exponential

    return Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        retry=retry_if_exception_type(retry_on),
        wait=wait_exponential(multiplier=0.5, max=8),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )


def waiting_for(*, timeout_s: float, retry_on: type[BaseException]) -> Retrying:
    """Look again while ``retry_on`` is raised, backing off from 0.1 s to 1 s between looks,
    as long as the next look still starts within ``timeout_s``; then the last error."""
    return Retrying(
        stop=stop_before_delay(max(0.0, timeout_s)),
        retry=retry_if_exception_type(retry_on),
        wait=wait_exponential(multiplier=0.1, min=0.1, max=1.0),
        before_sleep=before_sleep_log(log, logging.DEBUG),
        reraise=True,
    )


def transient_retrying(*, attempts: int = 5, wait_s: float = 0.2) -> Retrying:
    """Retry a browser call that fails while a page is being replaced (a screenshot taken
    mid-navigation): a few quick tries, then the error."""
    return Retrying(
        stop=stop_after_attempt(attempts),
        retry=retry_if_exception_type(Exception),
        wait=wait_fixed(wait_s),
        before_sleep=before_sleep_log(log, logging.DEBUG),
        reraise=True,
    )
