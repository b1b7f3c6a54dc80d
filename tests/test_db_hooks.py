"""``db.after_commit`` and ``db.db_now``: side effects only after a commit; one clock from the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from avatar_creator.db import Database, after_commit, db_now


@pytest.fixture
def database(database_url):
    database = Database(database_url, pool_size=2)
    yield database
    database.dispose()


def test_callbacks_run_after_the_commit_and_never_after_a_rollback(database):
    ran = []
    with database.session() as session:
        after_commit(session, lambda: ran.append("first"))
        with pytest.raises(ValueError), session.begin_nested():  # a savepoint rolling back does not cancel them
            raise ValueError
        after_commit(session, lambda: ran.append("second"))
        assert ran == []
    assert ran == ["first", "second"]

    with pytest.raises(KeyError), database.session() as session:
        after_commit(session, lambda: ran.append("rolled back"))
        raise KeyError
    assert ran == ["first", "second"]


def test_a_failing_callback_does_not_undo_the_commit_or_stop_the_others(database):
    ran = []
    with database.session() as session:
        after_commit(session, lambda: 1 / 0)
        after_commit(session, lambda: ran.append("still ran"))
    assert ran == ["still ran"]


def test_db_now_offsets_the_database_clock(database):
    with database.session(write=False) as session:
        now, later, earlier = session.execute(select(db_now(), db_now(2.5), db_now(-600))).one()
    assert now.tzinfo is not None
    assert (later - now).total_seconds() == pytest.approx(2.5, abs=0.002)
    assert (now - earlier).total_seconds() == pytest.approx(600, abs=0.002)
