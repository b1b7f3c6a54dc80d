"""``add_avatar`` and the files that follow its transaction: a failure after the write leaves no file behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from avatar_creator.auth.models import User
from avatar_creator.avatars import files, service
from avatar_creator.avatars.models import Avatar
from avatar_creator.db import Database
from avatar_creator.errors import NotFound, StorageQuotaExceeded
from avatar_creator.imaging import process_upload
from avatar_creator.projects.models import Project
from avatar_creator.storage import LocalStorage
from tests.support.uploads import files_on_disk, jpeg


@pytest.fixture
def database(database_url):
    database = Database(database_url, pool_size=2)
    yield database
    database.dispose()


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


@pytest.fixture
def owner(database) -> tuple[str, str]:
    with database.session() as session:
        user = User(email="owner@example.com", password_hash="-", credit_balance=0, storage_used=0,
                    storage_quota=10**9)
        session.add(user)
        session.flush()
        project = Project(user_id=user.id, name="P")
        session.add(project)
        session.flush()
        return user.id, project.id


@pytest.fixture(scope="module")
def picture():
    return process_upload(jpeg(300, 300))


def add(session, storage, owner, picture, **overrides):
    user_id, project_id = owner
    values = dict(session=session, storage=storage, user_id=user_id, project_id=project_id, image=picture.data,
                  mime_type=picture.mime_type, width=picture.width, height=picture.height,
                  thumbnail=picture.thumbnail, fields={"name": "Generated", "persona_age": 30},
                  source_type="text_to_image", generation_prompt="a calm portrait", seed_used=2**32 - 1,
                  provider="offline", generation_params={"steps": 4})
    return service.add_avatar(**{**values, **overrides})


def storage_used(database, user_id: str) -> int:
    with database.session(write=False) as session:
        return session.scalar(select(User.storage_used).where(User.id == user_id))


def test_commit_keeps_the_files_and_counts_their_bytes(database, storage, owner, picture):
    with database.session() as session:
        avatar = add(session, storage, owner, picture)
    assert files_on_disk(storage.root) == {avatar.storage_key, avatar.thumbnail_key}
    assert storage.read(avatar.storage_key) == picture.data and storage.read(avatar.thumbnail_key) == picture.thumbnail
    assert avatar.storage_key.endswith(".jpg") and avatar.storage_key.startswith(f"u/{owner[0]}/")
    assert (avatar.seed_used, avatar.generation_params, avatar.persona_age) == (2**32 - 1, {"steps": 4}, 30)
    assert avatar.stored_bytes == len(picture.data) + len(picture.thumbnail) == storage_used(database, owner[0])


def test_a_failure_after_the_write_leaves_no_file(database, storage, owner, picture):
    with pytest.raises(RuntimeError), database.session() as session:
        add(session, storage, owner, picture)
        assert len(files_on_disk(storage.root)) == 2  # written...
        raise RuntimeError("the charge failed")
    assert files_on_disk(storage.root) == set()  # ...and removed with the rollback
    assert storage_used(database, owner[0]) == 0
    with database.session(write=False) as session:
        assert session.scalars(select(Avatar)).all() == []


def test_a_project_gone_or_not_the_users_leaves_no_file(database, storage, owner, picture):
    with database.session() as session:
        stranger = User(email="stranger@example.com", password_hash="-", credit_balance=0, storage_used=0,
                        storage_quota=10**9)
        session.add(stranger)
    for user_id, project_id in ((owner[0], "no-such-project"), (stranger.id, owner[1])):
        with pytest.raises(NotFound), database.session() as session:
            add(session, storage, (user_id, project_id), picture)
    assert files_on_disk(storage.root) == set() and storage_used(database, stranger.id) == 0


def test_a_rolled_back_savepoint_does_not_touch_the_outer_transactions_files(database, storage, owner, picture):
    with database.session() as session:
        avatar = add(session, storage, owner, picture)
        with pytest.raises(RuntimeError), session.begin_nested():
            raise RuntimeError("an inner step failed")
    assert files_on_disk(storage.root) == {avatar.storage_key, avatar.thumbnail_key}


def test_a_released_savepoint_is_not_the_commit(database, storage, owner, picture):
    # credits.refund runs in a savepoint: its release must not count as the commit of the files written before it
    with pytest.raises(RuntimeError), database.session() as session:
        add(session, storage, owner, picture)
        with session.begin_nested():
            session.execute(select(1))
        raise RuntimeError("a later step failed")
    assert files_on_disk(storage.root) == set()


def test_deletes_wait_for_the_commit(database, storage, owner, picture):
    with database.session() as session:
        avatar = add(session, storage, owner, picture)
    with pytest.raises(RuntimeError), database.session() as session:
        service.delete_owned(session=session, storage=storage, user_id=owner[0], avatar_id=avatar.id)
        assert len(files_on_disk(storage.root)) == 2  # still there until the commit
        raise RuntimeError("rolled back")
    assert len(files_on_disk(storage.root)) == 2 and storage_used(database, owner[0]) == avatar.stored_bytes
    with database.session() as session:
        service.delete_owned(session=session, storage=storage, user_id=owner[0], avatar_id=avatar.id)
    assert files_on_disk(storage.root) == set() and storage_used(database, owner[0]) == 0


def test_quota_is_enforced_only_when_asked(database, storage, owner, picture):
    size = len(picture.data) + len(picture.thumbnail)
    with database.session() as session:
        session.get(User, owner[0]).storage_quota = size  # exactly one fits
    with database.session() as session:
        add(session, storage, owner, picture, enforce_quota=True)
    with pytest.raises(StorageQuotaExceeded), database.session() as session:
        add(session, storage, owner, picture, enforce_quota=True)
    assert len(files_on_disk(storage.root)) == 2 and storage_used(database, owner[0]) == size
    with database.session() as session:  # a generated image was paid for already: it is stored over the quota
        add(session, storage, owner, picture)
    assert storage_used(database, owner[0]) == 2 * size


def test_bytes_that_do_not_match_their_type_are_a_bug(database, storage, owner, picture):
    with pytest.raises(ValueError), database.session() as session:
        add(session, storage, owner, picture, mime_type="image/png")
    with pytest.raises(ValueError), database.session() as session:
        add(session, storage, owner, picture, fields={"name": "x", "user_id": "someone-else"})
    assert files_on_disk(storage.root) == set()


def test_delete_after_commit_alone(database, storage):
    storage.put("u/x/a.jpg", b"a")
    with database.session() as session:
        files.delete_after_commit(session=session, storage=storage, keys=["u/x/a.jpg"])  # no SQL at all
    assert files_on_disk(storage.root) == set()
