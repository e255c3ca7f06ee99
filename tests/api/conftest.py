"""API fixtures: a token per person of the ``world``, offers built through the rules."""

from __future__ import annotations

import pytest

from leadshare.extensions import db
from models.api_tokens import create_api_token
from tests.portal.conftest import make_offer, snapshot  # noqa: F401 - re-exported for API tests

PEOPLE = ("admin", "sales", "alpha_manager", "alpha_rep", "beta_manager", "beta_rep")


@pytest.fixture
def tokens(world):
    """``tokens["alpha_manager"]`` is a read-write API token of that person."""
    issued = {}
    for person in PEOPLE:
        _row, raw = create_api_token(None, world[person], name=f"{person} CRM")
        issued[person] = raw
    db.session.commit()
    return issued


@pytest.fixture
def offer_for(world):
    """Build offers: ``offer_for(partner="alpha", accept=True, rep=True)``."""

    def build(partner="alpha", **kwargs):
        return make_offer(world, partner, **kwargs)

    return build


class Api:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, token: str | None = None, json=None, **headers):
        """One request to ``/api/v1`` + ``path``."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open("/api/v1" + path, method=method, json=json, headers=headers)

    def get(self, path, token=None, **headers):
        """GET ``path``."""
        return self.call("GET", path, token, **headers)

    def post(self, path, token=None, json=None, **headers):
        """POST ``path`` with a JSON body."""
        return self.call("POST", path, token, json=json if json is not None else {}, **headers)


@pytest.fixture
def api(client):
    """The JSON client."""
    return Api(client)
