"""Stream tickets: browsers' ``EventSource`` cannot send an ``Authorization`` header, so a bearer client trades its
token for a short-lived signed ticket and opens ``…/events?ticket=…``.

A ticket is ``<user id>.<expiry>.<HMAC>``; it opens streams for its user until it expires (60 s). It is checked only
when a stream opens, and it never reaches the logs (``logs.redact``).
"""

from __future__ import annotations

import hmac

from avatar_creator.signing import hmac_signature

TICKET_TTL_S = 60
_PURPOSE = b"avatar-creator/events-ticket/v1\n"  # so a signature made for something else never verifies here


def issue(user_id: str, *, secret: bytes, now: float, ttl: int = TICKET_TTL_S) -> str:
    """A ticket that opens ``user_id``'s event streams for ``ttl`` seconds from ``now``."""
    expires = int(now) + ttl
    return f"{user_id}.{expires}.{_signature(user_id, expires, secret)}"


def verify(ticket: str, *, secret: bytes, now: float) -> str | None:
    """The user id a valid, unexpired ticket was issued for; None for anything else."""
    user_id, _, rest = ticket.partition(".")
    expires, _, signature = rest.partition(".")
    if not (user_id and expires.isascii() and expires.isdigit() and len(expires) <= 12 and signature):
        return None
    if now >= int(expires):
        return None
    expected = _signature(user_id, int(expires), secret).encode()
    if not hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape")):
        return None
    return user_id


def _signature(user_id: str, expires: int, secret: bytes) -> str:
    return hmac_signature(secret, _PURPOSE, user_id, str(expires))
