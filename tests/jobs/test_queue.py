"""The table as a queue: exclusive claims in order, fenced finishes, leases, recovery and refunds."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select, update

from avatar_creator.db import db_now
from avatar_creator.generation import lifecycle
from avatar_creator.generation.models import Generation
from avatar_creator.imaging import thumbnail_of
from avatar_creator.jobs import queue
from avatar_creator.jobs.reaper import reap_once
from avatar_creator.providers.base import GenerationRequest
from avatar_creator.providers.offline import OfflineProvider


def claim(database, signals, worker_id="w1", lease_seconds=5.0) -> Generation | None:
    generation = lifecycle.JOBS.claim(database=database, worker_id=worker_id, lease_seconds=lease_seconds)
    if generation is not None:
        lifecycle.claimed(signals=signals, generation=generation)
    return generation


def row(database, generation_id) -> Generation:
    with database.session(write=False) as session:
        return session.get(Generation, generation_id)


def picture():
    request = GenerationRequest(prompt="p", negative_prompt="", user_prompt="p", width=64, height=64, seed=3)
    result = OfflineProvider().generate(request, on_progress=lambda _: None, should_cancel=lambda: False)
    return result, thumbnail_of(result.image)


def complete(database, storage, signals, attempt):
    result, thumbnail = picture()
    with database.session() as session:
        return lifecycle.complete(session=session, attempt=attempt, storage=storage, result=result,
                                  thumbnail=thumbnail, signals=signals)


def test_claims_take_the_oldest_ready_row_and_skip_future_ones(database, signals, enqueue):
    first, second = enqueue(), enqueue()
    later = enqueue()[0]
    with database.session() as session:
        session.execute(update(Generation).where(Generation.id == later).values(available_at=db_now(60)))
    claimed = [claim(database, signals), claim(database, signals), claim(database, signals)]
    assert [c.id if c else None for c in claimed] == [first[0], second[0], None]
    assert claimed[0].status == "processing" and claimed[0].attempt == 1 and claimed[0].worker_id == "w1"
    assert claimed[0].lease_until > claimed[0].started_at


def test_concurrent_claimers_never_take_the_same_job(database, signals, enqueue):
    ids = enqueue(4) + enqueue(4) + enqueue(4) + enqueue(4) + enqueue(4)
    taken: list[str] = []
    lock = threading.Lock()

    def drain(worker: int) -> None:
        while (generation := claim(database, signals, worker_id=f"w{worker}")) is not None:
            with lock:
                taken.append(generation.id)

    threads = [threading.Thread(target=drain, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(taken) == Counter(ids)


def test_a_cancelled_job_s_result_is_discarded_without_a_file(database, storage, signals, enqueue, owner, ledger):
    generation_id = enqueue()[0]
    attempt = queue.Attempt(generation_id, claim(database, signals).attempt)
    with database.session() as session:
        assert lifecycle.save_progress(session=session, attempt=attempt, progress=30, signals=signals)
        assert lifecycle.cancel(session=session, user_id=owner.user_id, generation_id=generation_id, signals=signals)
    with database.session() as session:
        assert not lifecycle.save_progress(session=session, attempt=attempt, progress=60, signals=signals)
    assert complete(database, storage, signals, attempt) is None
    assert list(storage.iter_keys()) == []
    ledger.assert_exact(owner.user_id)


def test_a_lost_lease_goes_to_the_next_worker_and_the_first_result_is_fenced_out(
        database, settings, storage, signals, handler, enqueue, owner, ledger):
    generation_id = enqueue()[0]
    first = queue.Attempt(generation_id, claim(database, signals, "w1", lease_seconds=0.05).attempt)
    threading.Event().wait(0.1)
    backoff = queue.Backoff(base_seconds=0, max_seconds=0)
    assert reap_once(database=database, settings=settings, handler=handler, backoff=backoff).recovered == 1
    lost = row(database, generation_id)
    assert (lost.status, lost.attempt, lost.worker_id, lost.error_code) == ("pending", 1, None, "INTERNAL")

    second = claim(database, signals, "w2")
    assert second.attempt == 2
    assert complete(database, storage, signals, first) is None
    assert complete(database, storage, signals, queue.Attempt(generation_id, second.attempt)) is not None
    done = row(database, generation_id)
    assert done.status == "completed" and done.error_code is None and done.avatar_id
    assert len(list(storage.iter_keys())) == 2
    ledger.assert_exact(owner.user_id)


def test_after_the_last_attempt_a_lost_job_fails_and_is_refunded_once(database, settings, signals, handler, enqueue,
                                                                      owner, ledger):
    generation_id = enqueue()[0]
    backoff = queue.Backoff(base_seconds=0, max_seconds=0)
    for expected in ("pending", "pending", "failed"):
        claim(database, signals, lease_seconds=0.01)
        threading.Event().wait(0.05)
        reap_once(database=database, settings=settings, handler=handler, backoff=backoff)
        assert row(database, generation_id).status == expected
    failed = row(database, generation_id)
    assert (failed.attempt, failed.error_code, failed.refunded) == (3, "INTERNAL", failed.cost)
    reap_once(database=database, settings=settings, handler=handler, backoff=backoff)  # nothing doubles
    assert ledger.refunds(generation_id) == [failed.cost]
    ledger.assert_exact(owner.user_id)


def test_release_gives_the_job_back_without_counting_the_attempt(database, signals, enqueue):
    generation_id = enqueue()[0]
    attempt = queue.Attempt(generation_id, claim(database, signals).attempt)
    with database.session() as session:
        assert lifecycle.release(session=session, attempt=attempt, signals=signals)
    with database.session() as session:
        assert not lifecycle.release(session=session, attempt=attempt, signals=signals)
    released = row(database, generation_id)
    assert (released.status, released.attempt, released.lease_until) == ("pending", 0, None)
    assert claim(database, signals).attempt == 1


def test_retry_later_waits_for_its_delay(database, signals, enqueue):
    generation_id = enqueue()[0]
    attempt = queue.Attempt(generation_id, claim(database, signals).attempt)
    with database.session() as session:
        assert lifecycle.retry_later(session=session, attempt=attempt, delay_seconds=30,
                                     error_code="PROVIDER_UNAVAILABLE", error_message="503", signals=signals)
    assert claim(database, signals) is None
    with database.session(write=False) as session:
        delay = session.scalar(select(Generation.available_at) .where(Generation.id == generation_id)) \
            - session.scalar(select(db_now()))
    assert 29 < delay.total_seconds() <= 30


def test_heartbeats_renew_only_leases_still_held(database, signals, enqueue, owner):
    ids = enqueue(2)
    mine = [queue.Attempt(g.id, g.attempt) for g in (claim(database, signals), claim(database, signals))]
    with database.session() as session:
        lifecycle.cancel(session=session, user_id=owner.user_id, generation_id=ids[1], signals=signals)
    with database.session() as session:
        kept = lifecycle.JOBS.extend_leases(session=session, worker_id="w1", attempts=mine, lease_seconds=60)
        assert kept == {mine[0]}
        assert lifecycle.JOBS.extend_leases(session=session, worker_id="w2", attempts=mine, lease_seconds=60) == set()


def test_backoff_doubles_with_jitter_is_capped_and_yields_to_retry_after():
    backoff = queue.Backoff(base_seconds=2, max_seconds=60)
    assert all(1.6 <= backoff.seconds(1) <= 2.4 for _ in range(200))
    assert all(6.4 <= backoff.seconds(3) <= 9.6 for _ in range(200))
    assert len({round(backoff.seconds(2), 6) for _ in range(20)}) > 1
    assert backoff.seconds(10) == 60
    assert backoff.seconds(1, at_least=20) == 20


def test_a_lease_renewed_before_the_reaper_acts_is_left_alone(database, signals, enqueue):
    generation_id = enqueue()[0]
    attempt = queue.Attempt(generation_id, claim(database, signals, lease_seconds=0.01).attempt)
    threading.Event().wait(0.05)  # the reaper saw it expired here; then the slow worker's heartbeat landed
    with database.session() as session:
        lifecycle.JOBS.extend_leases(session=session, worker_id="w1", attempts=[attempt], lease_seconds=60)
    with database.session() as session:
        backoff = queue.Backoff(base_seconds=0, max_seconds=0)
        assert lifecycle.recover(session=session, attempt=attempt, dead_workers=[], backoff=backoff,
                             signals=signals) is None
        assert lifecycle.recover(session=session, attempt=attempt, dead_workers=["w1"], backoff=backoff,
                             signals=signals) == "pending"
