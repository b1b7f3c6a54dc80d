"""What the worker pool and the reaper are handed: the rules of the jobs they run (``generation.runner``).

The mechanics (claim, lease, heartbeat, fence, reaper, doorbell, worker loop) live in ``jobs``; what a job does and
what each of its outcomes means (an avatar, a refund, an event) belong to its domain. The domain implements
``JobHandler``; ``jobs`` imports nothing from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session

from avatar_creator.jobs.queue import Attempt, Backoff, JobQueue

INTERNAL = "INTERNAL"
NO_WORKER = "NO_WORKER"


class JobFailed(Exception):
    """A job's work failed. ``retryable``: trying again later may succeed (not before ``retry_after`` seconds)."""

    def __init__(self, code: str, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


class JobStopped(Exception):
    """The work stopped because ``should_stop`` said so (the job was cancelled or lost, or the process stops)."""


class JobHandler(Protocol):
    """A domain's jobs. Every ``session`` method changes the job's row under the fence and adds its side effects in
    that same transaction; the caller commits. Each returns False (or None) and changes nothing when the attempt is
    no longer current."""

    queue: JobQueue

    def claimed(self, job: Any) -> None:
        """Tell the job's owner that a worker took it (the claim has committed; no session)."""

    def log_fields(self, job: Any) -> dict[str, str | None]:
        """The ids the worker's log lines about this job carry (``logs.log_context``): the job's, its owner's, the
        request's that queued it."""

    def run(self, job: Any, *, on_progress: Callable[[float], None], should_stop: Callable[[], bool]) -> Any:
        """Do a claimed job's work, outside any transaction, and return its result for ``complete``.

        Raises ``JobFailed`` (classified) or ``JobStopped``; any other exception is an unexpected, retryable failure.
        """

    def save_progress(self, *, session: Session, attempt: Attempt, progress: int) -> bool:
        """Record progress (0–99); False when the attempt is no longer current and its work should stop."""

    def complete(self, *, session: Session, attempt: Attempt, result: Any) -> bool:
        """Record the job's result."""

    def fail(self, *, session: Session, attempt: Attempt, error: JobFailed) -> bool:
        """End the job as failed."""

    def retry_later(self, *, session: Session, attempt: Attempt, delay_seconds: float, error: JobFailed) -> bool:
        """Send the job back to pending, to run again after ``delay_seconds``."""

    def release(self, *, session: Session, attempt: Attempt) -> bool:
        """Give the job back at shutdown, the attempt uncounted."""

    def recover(self, *, session: Session, attempt: Attempt, dead_workers: list[str], backoff: Backoff) -> str | None:
        """A lost attempt: pending again with backoff, or failed after the last attempt. Returns the new status, or
        None when it is no longer lost (or another transaction holds it: the next pass sees it again)."""

    def fail_unclaimed(self, *, session: Session, job_id: str, waited_seconds: float) -> bool:
        """End a pending job that no worker claimed in ``waited_seconds`` (``NO_WORKER``)."""
