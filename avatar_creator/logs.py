"""Logging set-up; access-log lines never carry URL signatures, stream tickets or tokens."""

from __future__ import annotations

import logging
import re

_SECRET_QUERY = re.compile(r"([?&](?:sig|ticket|token|access_token)=)[^&\s\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Strips secret query parameters from a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def configure(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("uvicorn.access", "uvicorn.error", "avatar_creator"):
        logging.getLogger(name).addFilter(RedactSecrets())
    logging.getLogger("alembic").setLevel(logging.WARNING)
