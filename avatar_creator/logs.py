"""Logging set-up; no line ever carries URL signatures, stream tickets or tokens.

Lines are text or, with ``AVATAR_LOG_FORMAT=json``, one JSON object each. Both carry the ids of what they are about
(the request, its user, the generation a worker runs) from ``log_context``, a context variable: the request-id
middleware opens one per request and the worker one per job.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_SECRET_QUERY = re.compile(r"([?&](?:sig|ticket|token|access_token)=)[^&\s\"]+", re.IGNORECASE)
CONTEXT_FIELDS = ("request_id", "user_id", "generation_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"

# A dict, not a frozen mapping: a dependency that learns the user (run in a copy of the context, in a thread)
# adds it to the same dict the request's later lines read.
_context: ContextVar[dict[str, str] | None] = ContextVar("avatar_log_context", default=None)


def redact(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1[redacted]", text)


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Lines logged inside carry these ids (besides those of an enclosing context)."""
    token = _context.set({**(_context.get() or {}), **{name: value for name, value in fields.items() if value}})
    try:
        yield
    finally:
        _context.reset(token)


def add_to_context(**fields: str) -> None:
    """Add ids learnt along the way (the signed-in user) to the current context, if there is one."""
    current = _context.get()
    if current is not None:
        current.update(fields)


def context_value(name: str) -> str | None:
    return (_context.get() or {}).get(name)


class RedactSecrets(logging.Filter):
    """Strips secret query parameters from a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class AddContext(logging.Filter):
    """Puts the current context's ids on the record (``record.context``), for either format."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = dict(_context.get() or {})
        record.context_ids = ids
        record.context = "".join(f" {name}={ids[name]}" for name in CONTEXT_FIELDS if name in ids)
        return True


class TextFormatter(logging.Formatter):
    """``TEXT_FORMAT``, with tracebacks redacted too (an exception's message may quote a URL)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))


class JsonFormatter(TextFormatter):
    """One JSON object per line: time, level, logger, message, the context's ids and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": redact(record.getMessage()),
                **getattr(record, "context_ids", {})}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    # On the handler, so the children of the loggers below (avatar_creator.jobs, ...) are redacted too.
    handler.addFilter(RedactSecrets())
    handler.addFilter(AddContext())
    logging.basicConfig(level=level.upper(), handlers=[handler])
    for name in ("uvicorn.access", "uvicorn.error", "avatar_creator"):
        logging.getLogger(name).addFilter(RedactSecrets())
    logging.getLogger("alembic").setLevel(logging.WARNING)
