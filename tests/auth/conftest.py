"""The accounts' mail: a real SMTP server per test, and apps that send through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from tests.support.mail import Mailbox
from tests.support.settings import make_settings


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture
def mailing_app(tmp_path, database_url, mailbox):
    """Start the app with the settings ``overrides``, mailing through ``mailbox``'s SMTP server."""
    clients: list[TestClient] = []

    def start(**overrides) -> TestClient:
        settings = make_settings(tmp_path, database_url, smtp_url=mailbox.url, mail_from="Avatars <a@example.com>",
                                 **overrides)
        clients.append(TestClient(create_app(settings)).__enter__())
        return clients[-1]

    yield start
    for client in clients:
        client.__exit__(None, None, None)
