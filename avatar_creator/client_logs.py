"""``POST /api/logs/frontend-error`` and ``/api/logs/unhandled-rejection``: the browser's error reports, as log lines.

Nothing is stored: each report becomes one WARNING line, with the user id when the caller is signed in. Sign-in is
optional, the body is capped while it streams and the reports are rate-limited per user, else per client address.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from avatar_creator.avatars.multipart import _limited
from avatar_creator.deps import DatabaseDep, RateLimiterDep, SettingsDep, resolve_principal, session_token
from avatar_creator.errors import CsrfFailed, Unauthorized, ValidationFailed
from avatar_creator.logs import redact

MAX_REPORT_BYTES = 16 * 1024

log = logging.getLogger("avatar_creator.client_logs")
router = APIRouter(prefix="/api/logs", tags=["logs"])
# The body is read by hand (to cap it while it streams), so the document is told its shape here.
REPORT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "description": f"the browser's report, at most {MAX_REPORT_BYTES} bytes"}}}}}


def reporter_id(request: Request, database: DatabaseDep, settings: SettingsDep) -> str | None:
    """The signed-in caller's id, else None: a report needs no sign-in, so a stale token just makes it anonymous.

    A session cookie counts only with its CSRF token, so another site cannot file reports under the user's name.
    """
    try:
        return resolve_principal(request, database, settings).user.id
    except (Unauthorized, CsrfFailed):
        return None


ReporterId = Annotated[str | None, Depends(reporter_id)]


def limit_reports(request: Request, response: Response, limiter: RateLimiterDep, user_id: ReporterId) -> None:
    key = f"user:{user_id}" if user_id else f"address:{request.client.host if request.client else 'unknown'}"
    response.headers.update(limiter.hit("client_logs", key))


@router.post("/frontend-error", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(limit_reports)],
             openapi_extra=REPORT_BODY)
async def frontend_error(request: Request, user_id: ReporterId) -> None:
    await log_report(request, "frontend-error", user_id)


@router.post("/unhandled-rejection", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(limit_reports)],
             openapi_extra=REPORT_BODY)
async def unhandled_rejection(request: Request, user_id: ReporterId) -> None:
    await log_report(request, "unhandled-rejection", user_id)


async def log_report(request: Request, kind: str, user_id: str | None) -> None:
    """Log one report: a JSON object of at most ``MAX_REPORT_BYTES``, else 413 or 400 and no line."""
    too_large = f"the report is larger than the limit of {MAX_REPORT_BYTES:,} bytes"
    body = b"".join([chunk async for chunk in _limited(request, MAX_REPORT_BYTES, too_large)])
    try:
        report = json.loads(body)
    except ValueError:  # not JSON, or not UTF-8
        raise ValidationFailed("body: send the report as a JSON object", field="body") from None
    if not isinstance(report, dict):
        raise ValidationFailed("body: send the report as a JSON object", field="body")
    # Re-encoded as one ASCII line: a report cannot forge log lines or carry bytes a log handler cannot write.
    text = redact(json.dumps(report, ensure_ascii=True, separators=(",", ":")))
    found = session_token(request)
    if user_id and found:  # a client may echo the token it signs in with (headers, storage) into a report
        text = text.replace(found[0], "[redacted]")
    caller = f"user {user_id}" if user_id else f"anonymous at {request.client.host if request.client else 'unknown'}"
    log.warning("browser %s from %s: %s", kind, caller, text)
