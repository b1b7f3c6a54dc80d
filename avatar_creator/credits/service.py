"""The credits ledger. The balance changes only by conditional UPDATEs, each with its ledger row beside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avatar_creator import metrics
from avatar_creator.auth.models import User
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.errors import Conflict, InsufficientCredits, NotFound, ValidationFailed


def balance(*, session: Session, user_id: str) -> int:
    """The user's current balance."""
    value = session.scalar(select(User.credit_balance).where(User.id == user_id))
    if value is None:
        raise NotFound("User not found.")
    return value


def grant(*, session: Session, user_id: str, amount: int, description: str, type: str = "grant",
          reference_type: str | None = None, reference_id: str | None = None) -> CreditTransaction:
    """Add credits (a grant or the welcome bonus)."""
    if amount <= 0:
        raise ValidationFailed("amount: must be a positive number of credits", field="amount")
    new_balance = _apply(session, user_id, amount)
    return _record(session, user_id, amount, new_balance, type, description, reference_type, reference_id)


def debit(*, session: Session, user_id: str, cost: int, description: str, reference_type: str,
          reference_id: str) -> CreditTransaction | None:
    """Take ``cost`` credits or raise ``InsufficientCredits``; nothing is recorded for free work."""
    if cost < 0:
        raise ValueError("cost must not be negative")
    if cost == 0:
        return None
    new_balance = session.scalar(
        update(User)
        .where(User.id == user_id, User.credit_balance >= cost)
        .values(credit_balance=User.credit_balance - cost)
        .returning(User.credit_balance)
    )
    if new_balance is None:
        raise InsufficientCredits(required=cost, available=balance(session=session, user_id=user_id))
    metrics.on_commit(session, lambda: metrics.CREDITS_CHARGED.labels(reference_type).inc(cost))
    return _record(session, user_id, -cost, new_balance, "usage", description, reference_type, reference_id)


def remove(*, session: Session, user_id: str, amount: int, description: str) -> CreditTransaction:
    """Take credits away (an operator's adjustment): never below zero, else ``Conflict`` and nothing changes."""
    if amount <= 0:
        raise ValidationFailed("amount: must be a positive number of credits", field="amount")
    new_balance = session.scalar(
        update(User).where(User.id == user_id, User.credit_balance >= amount)
        .values(credit_balance=User.credit_balance - amount).returning(User.credit_balance)
    )
    if new_balance is None:
        available = balance(session=session, user_id=user_id)
        raise Conflict(f"Cannot remove {amount} credits: the balance is {available}.", field="amount")
    return _record(session, user_id, -amount, new_balance, "adjustment", description, None, None)


def refund(*, session: Session, user_id: str, amount: int, description: str, reference_type: str,
           reference_id: str) -> bool:
    """Give ``amount`` back for a reference, exactly once: a second refund of the same reference returns False."""
    if amount <= 0:
        return False
    try:
        with session.begin_nested():
            row = _record(session, user_id, amount, 0, "refund", description, reference_type, reference_id)
    except IntegrityError:
        return False
    row.balance_after = _apply(session, user_id, amount)
    metrics.on_commit(session, lambda: metrics.CREDITS_REFUNDED.labels(reference_type).inc(amount))
    return True


def history(*, session: Session, user_id: str, limit: int = 50) -> list[CreditTransaction]:
    """The newest ledger rows first."""
    return list(session.scalars(
        select(CreditTransaction)
        .where(CreditTransaction.user_id == user_id)
        .order_by(CreditTransaction.created_at.desc(), CreditTransaction.id.desc())
        .limit(limit)
    ))


def spent(*, session: Session, user_id: str, since: datetime, until: datetime) -> int:
    """Credits spent on work in ``[since, until)``: charges less the refunds given back, never below 0.

    Refunds count against the period they were given in, so a refund of an earlier period's charge can only bring
    the figure down to 0; grants and adjustments are not spending.
    """
    net = session.scalar(
        select(func.coalesce(func.sum(CreditTransaction.amount), 0))
        .where(CreditTransaction.user_id == user_id, CreditTransaction.type.in_(("usage", "refund")),
               CreditTransaction.created_at >= since, CreditTransaction.created_at < until)
    )
    return max(0, -int(net or 0))


def _apply(session: Session, user_id: str, amount: int) -> int:
    new_balance = session.scalar(
        update(User).where(User.id == user_id).values(credit_balance=User.credit_balance + amount)
        .returning(User.credit_balance)
    )
    if new_balance is None:
        raise NotFound("User not found.")
    return new_balance


def _record(session: Session, user_id: str, amount: int, balance_after: int, type: str, description: str,
            reference_type: str | None, reference_id: str | None) -> CreditTransaction:
    row = CreditTransaction(user_id=user_id, amount=amount, balance_after=balance_after, type=type,
                            description=description[:200], reference_type=reference_type, reference_id=reference_id)
    session.add(row)
    session.flush()
    return row
