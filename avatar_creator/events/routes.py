"""``GET …/events`` (the caller's live events, SSE) and ``POST …/events/ticket`` (a signed ticket to open one)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from avatar_creator.auth import service as auth_service
from avatar_creator.auth.models import AuthSession
from avatar_creator.db import Database
from avatar_creator.deps import BroadcasterDep, CurrentUser, DatabaseDep, SettingsDep, UsedTicketsDep, session_token
from avatar_creator.errors import Unauthorized, ValidationFailed
from avatar_creator.events import service, tickets
from avatar_creator.events.broadcast import Subscription
from avatar_creator.events.stream import SessionEnded, event_stream
from avatar_creator.events.tickets import UsedTickets
from avatar_creator.generation import service as generation_service
from avatar_creator.openapi import statuses
from avatar_creator.settings import Settings

router = APIRouter(prefix="/api/apps/avatar-creator", tags=["events"])

PING_S = 15  # a comment line this often keeps proxies from closing an idle stream
SEND_TIMEOUT_S = 30  # a client that takes no bytes for this long is disconnected
SHUTDOWN_GRACE_S = 1.0  # at shutdown, streams get this long to end cleanly before they are cancelled


@router.post("/events/ticket")
def create_ticket(request: Request, user: CurrentUser, database: DatabaseDep, settings: SettingsDep) -> dict:
    """A ticket for ``EventSource``, which cannot send an ``Authorization`` header: opens one stream within 60 s,
    while the caller's session lives."""
    found = session_token(request)
    if found is None:  # CurrentUser has found it already
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    auth_session = _live_session(database, token=found[0])
    return {"ticket": tickets.issue(auth_session.id, secret=settings.secret, now=time.time()),
            "expiresIn": tickets.TICKET_TTL_S}


@router.get("/events", responses=statuses(401))  # its own sign-in: the bearer, the cookie or a ticket
async def stream_events(
    request: Request,
    database: DatabaseDep,
    broadcaster: BroadcasterDep,
    settings: SettingsDep,
    used_tickets: UsedTicketsDep,
    ticket: Annotated[str | None, Query(max_length=200)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id_query: Annotated[str | None, Query(alias="lastEventId")] = None,
) -> EventSourceResponse:
    """The caller's events; ``Last-Event-ID`` (or ``?lastEventId=``, for a new ``EventSource``) replays missed ones."""
    after_id = _parse_event_id(last_event_id if last_event_id is not None else last_event_id_query)
    user_id, session_id = await _authenticate(request, database, settings, used_tickets, ticket)
    subscription = broadcaster.subscribe(user_id, session_id)
    try:
        cursor, queue_head = await run_in_threadpool(_opening, database, user_id, session_id, after_id)
    except BaseException:
        broadcaster.unsubscribe(subscription)
        raise

    async def read(after: int, before: int | None, limit: int) -> list[service.Event]:
        return await run_in_threadpool(_read, database, user_id, session_id, after, before, limit)

    return EventSourceResponse(
        event_stream(subscription, cursor=cursor, read=read, queue_head=queue_head),
        ping=PING_S, send_timeout=SEND_TIMEOUT_S,
        # sse-starlette declares an anyio.Event but only calls set() on it: this object has that.
        shutdown_event=_ClosesOnShutdown(subscription),  # type: ignore[arg-type]
        shutdown_grace_period=SHUTDOWN_GRACE_S,
        background=BackgroundTask(broadcaster.unsubscribe, subscription),
    )


async def _authenticate(request: Request, database: Database, settings: Settings, used_tickets: UsedTickets,
                        ticket: str | None) -> tuple[str, str]:
    """The caller's user and session ids, from a ticket (spent here), else the bearer header or the session cookie."""
    if ticket is not None:
        valid = tickets.verify(ticket, secret=settings.secret, now=time.time())
        if valid is None:
            raise Unauthorized("This stream ticket is invalid or expired; get a new one from POST …/events/ticket.")
        auth_session = await run_in_threadpool(_live_session, database, session_id=valid.session_id)
        if not await run_in_threadpool(used_tickets.first_use, valid, now=time.time()):
            raise Unauthorized("This stream ticket was used already; get a new one from POST …/events/ticket.")
    else:
        found = session_token(request)
        if found is None:
            raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>', the session cookie, or ?ticket=.")
        auth_session = await run_in_threadpool(_live_session, database, token=found[0])
    return auth_session.user_id, auth_session.id


def _live_session(database: Database, *, token: str | None = None, session_id: str | None = None) -> AuthSession:
    with database.session(write=False) as session:
        return auth_service.live_session(session=session, token=token, session_id=session_id)


def _opening(database: Database, user_id: str, session_id: str, after_id: int | None) -> tuple[int, dict]:
    """Where the stream starts (after ``after_id``, or after the user's newest event) and the queue's head.

    Called after subscribing, so nothing committed from now on can fall between the start and the live events, and
    a sign-out that committed before the subscription existed (its notice missed it) is seen here.
    """
    with database.session(write=False) as session:
        auth_service.live_session(session=session, session_id=session_id)
        if after_id is None:
            after_id = service.latest_id(session=session, user_id=user_id) or 0
        return after_id, generation_service.queue_head(session=session)


def _read(database: Database, user_id: str, session_id: str, after: int, before: int | None,
          limit: int) -> list[service.Event]:
    """The user's stored events; ``SessionEnded`` if the stream's session has ended meanwhile (its notice may have
    been lost with the Redis link that made this read necessary)."""
    with database.session(write=False) as session:
        try:
            auth_service.live_session(session=session, session_id=session_id)
        except Unauthorized as error:
            raise SessionEnded from error
        return service.replay(session=session, user_id=user_id, after_id=after, before_id=before, limit=limit)


def _parse_event_id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):  # fits a BIGINT
        raise ValidationFailed("Last-Event-ID: must be an event id sent by this stream", field="Last-Event-ID")
    return int(value)


class _ClosesOnShutdown:
    """Given to sse-starlette as its ``shutdown_event``: at server shutdown it ``set()``s it, which ends the stream
    cleanly (the response completes) instead of cancelling it, so uvicorn can move on to the lifespan's shutdown."""

    def __init__(self, subscription: Subscription):
        self._subscription = subscription

    def set(self) -> None:
        self._subscription.close()

