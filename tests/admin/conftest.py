"""Helpers for the back-office tests."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def as_user(client, auth):
    """Log the test client in as ``email`` (or stay anonymous for ``None``)."""

    def login(email: str | None):
        if email is not None:
            response = auth.login(email, factories.PASSWORD)
            assert response.status_code == 302, email
        return client

    return login
