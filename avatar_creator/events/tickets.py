"""Stream tickets: browsers' ``EventSource`` cannot send an ``Authorization`` header, so a bearer client trades its
token for a short-lived signed ticket and opens ``…/events?ticket=…``.

A ticket is ``<session id>.<expiry>.<nonce>.<HMAC>``. It opens one stream (``UsedTickets`` remembers the nonces
spent), only before it expires (60 s) and only while the session that asked for it is alive. It never reaches the
logs (``logs.redact``).
"""

from __future__ import annotations

import abc
import hmac
import secrets
import threading
from dataclasses import dataclass

from avatar_creator.errors import ServiceUnavailable
from avatar_creator.settings import Settings
from avatar_creator.signing import hmac_signature

TICKET_TTL_S = 60
_PURPOSE = b"avatar-creator/events-ticket/v2\n"  # so a signature made for something else never verifies here


@dataclass(frozen=True)
class Ticket:
    session_id: str
    expires: int  # Unix time
    nonce: str  # what makes each ticket single-use, even two asked for in the same second


def issue(session_id: str, *, secret: bytes, now: float, ttl: int = TICKET_TTL_S) -> str:
    """A ticket that opens one of ``session_id``'s event streams within ``ttl`` seconds from ``now``."""
    expires = int(now) + ttl
    nonce = secrets.token_urlsafe(12)
    return f"{session_id}.{expires}.{nonce}.{_signature(session_id, expires, nonce, secret)}"


def verify(ticket: str, *, secret: bytes, now: float) -> Ticket | None:
    """What a genuine, unexpired ticket says; None for anything else. Whether it was used is ``UsedTickets``'."""
    parts = ticket.split(".")
    if len(parts) != 4:
        return None
    session_id, expires, nonce, signature = parts
    if not (session_id and nonce and signature and expires.isascii() and expires.isdigit() and len(expires) <= 12):
        return None
    if now >= int(expires):
        return None
    expected = _signature(session_id, int(expires), nonce, secret).encode()
    if not hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape")):
        return None
    return Ticket(session_id=session_id, expires=int(expires), nonce=nonce)


class UsedTickets(abc.ABC):
    """The nonces of tickets that opened a stream, kept until those tickets expire."""

    @abc.abstractmethod
    def first_use(self, ticket: Ticket, *, now: float) -> bool:
        """Record ``ticket`` as used; False when it already was (by any process of the deployment)."""


class LocalUsedTickets(UsedTickets):
    """Embedded mode: one API process, so its memory is the record."""

    def __init__(self) -> None:
        self._expiry_by_nonce: dict[str, int] = {}
        self._lock = threading.Lock()
        self._prune_at = 1024  # forget expired nonces when the record reaches this size (amortised O(1))

    def first_use(self, ticket: Ticket, *, now: float) -> bool:
        with self._lock:
            if len(self._expiry_by_nonce) >= self._prune_at:
                self._expiry_by_nonce = {nonce: expires for nonce, expires in self._expiry_by_nonce.items()
                                         if expires > now}
                self._prune_at = max(1024, 2 * len(self._expiry_by_nonce))
            if ticket.nonce in self._expiry_by_nonce:
                return False
            self._expiry_by_nonce[ticket.nonce] = ticket.expires
            return True


class RedisUsedTickets(UsedTickets):
    """Scaled out: ``SET NX`` in Redis, so a ticket spent on one API process fails on every other."""

    def __init__(self, url: str, *, prefix: str):
        import redis

        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._prefix = f"{prefix}:ticket:"

    def first_use(self, ticket: Ticket, *, now: float) -> bool:
        import redis

        try:  # kept one second past the expiry, so clock skew between hosts cannot revive it
            return bool(self._client.set(self._prefix + ticket.nonce, b"1", nx=True,
                                         ex=max(1, ticket.expires - int(now) + 1)))
        except redis.RedisError as error:
            raise ServiceUnavailable("Stream tickets cannot be checked right now; try again shortly.",
                                     headers={"Retry-After": "2"}) from error


def build_used_tickets(settings: Settings) -> UsedTickets:
    """Redis when ``AVATAR_REDIS_URL`` is set (API replicas share it), else this process's memory."""
    if settings.redis_url:
        return RedisUsedTickets(settings.redis_url, prefix=settings.redis_prefix)
    return LocalUsedTickets()


def _signature(session_id: str, expires: int, nonce: str, secret: bytes) -> str:
    return hmac_signature(secret, _PURPOSE, session_id, str(expires), nonce)
