"""What an operator does, the one home of each for the JSON API and the admin pages alike: each opens one short write
transaction in which the change and its audit entry commit together."""

from __future__ import annotations

from avatar_creator.admin import queue, users
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.db import Database
from avatar_creator.events.broadcast import Broadcaster
from avatar_creator.generation.models import Generation
from avatar_creator.jobs.queue import Signals
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage


def change_credits(*, database: Database, signals: Signals, actor_id: str, user_id: str, amount: int,
                   reason: str) -> CreditTransaction:
    """Grant or remove credits with a reason; the ledger row."""
    with database.session() as session:
        return users.change_credits(session=session, signals_events=signals.events, actor_id=actor_id,
                                    user_id=user_id, amount=amount, reason=reason)


def change_user(*, database: Database, broadcaster: Broadcaster, actor_id: str, user_id: str, role: str | None,
                disabled: bool | None) -> users.Account:
    """Set the role and/or disable or enable the account; the account as it is now."""
    with database.session() as session:
        if role is not None:
            users.set_role(session=session, actor_id=actor_id, user_id=user_id, role=role)
        if disabled is not None:
            users.set_disabled(session=session, broadcaster=broadcaster, actor_id=actor_id, user_id=user_id,
                               disabled=disabled)
        account = users.get(session=session, user_id=user_id)
        session.refresh(account.user)
        return account


def delete_user(*, database: Database, storage: Storage, broadcaster: Broadcaster, actor_id: str,
                user_id: str) -> None:
    with database.session() as session:
        users.delete_user(session=session, storage=storage, broadcaster=broadcaster, actor_id=actor_id,
                          user_id=user_id)


def cancel_generation(*, database: Database, signals: Signals, actor_id: str, generation_id: str) -> Generation:
    with database.session() as session:
        return queue.cancel(session=session, signals=signals, actor_id=actor_id, generation_id=generation_id)


def retry_generation(*, database: Database, settings: Settings, signals: Signals, actor_id: str,
                     generation_id: str) -> tuple[Generation, bool]:
    """The retry and whether it was answered again (``True``: retried before, nothing charged now)."""
    with database.session() as session:
        retried = queue.retry(session=session, settings=settings, signals=signals, actor_id=actor_id,
                              generation_id=generation_id)
        return retried.generation, retried.replayed
