"""The credits ledger: exact under concurrency, refunds exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from avatar_creator.auth.models import User
from avatar_creator.credits import service
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.db import Database
from avatar_creator.errors import InsufficientCredits


@pytest.fixture
def database(database_url):
    database = Database(database_url, pool_size=50)
    yield database
    database.dispose()


def make_user(database: Database, balance: int) -> str:
    with database.session() as session:
        user = User(email="ledger@example.com", password_hash="x", credit_balance=0, storage_used=0,
                    storage_quota=1)
        session.add(user)
        session.flush()
        if balance:
            service.grant(session=session, user_id=user.id, amount=balance, description="start")
        return user.id


def ledger_sum(database: Database, user_id: str) -> int:
    with database.session(write=False) as session:
        return session.scalar(select(func.sum(CreditTransaction.amount)).where(CreditTransaction.user_id == user_id))


def test_fifty_threads_debiting_ten_from_one_hundred(database):
    user_id = make_user(database, 100)

    def debit(index: int) -> bool:
        try:
            with database.session() as session:
                service.debit(session=session, user_id=user_id, cost=10, description="work",
                              reference_type="test", reference_id=str(index))
            return True
        except InsufficientCredits:
            return False

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(debit, range(50)))

    assert outcomes.count(True) == 10
    with database.session(write=False) as session:
        assert service.balance(session=session, user_id=user_id) == 0
        balances = session.scalars(select(CreditTransaction.balance_after)
                                   .where(CreditTransaction.user_id == user_id)).all()
    assert min(balances) >= 0
    assert ledger_sum(database, user_id) == 0


def test_insufficient_credits_names_required_and_available(database):
    user_id = make_user(database, 5)
    with pytest.raises(InsufficientCredits) as raised, database.session() as session:
        service.debit(session=session, user_id=user_id, cost=10, description="too much", reference_type="test",
                      reference_id="1")
    assert "10" in raised.value.message and "5" in raised.value.message


def test_refund_happens_exactly_once_even_when_raced(database):
    user_id = make_user(database, 100)
    with database.session() as session:
        service.debit(session=session, user_id=user_id, cost=30, description="job", reference_type="generation",
                      reference_id="g1")

    def refund(_index: int) -> bool:
        with database.session() as session:
            return service.refund(session=session, user_id=user_id, amount=30, description="failed",
                                  reference_type="generation", reference_id="g1")

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(refund, range(10)))
    assert outcomes.count(True) == 1
    with database.session(write=False) as session:
        assert service.balance(session=session, user_id=user_id) == 100
    assert ledger_sum(database, user_id) == 100
