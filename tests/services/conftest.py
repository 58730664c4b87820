"""Fixtures for the services' unit tests: each test gets its own temporary database."""

from __future__ import annotations

import pytest

from services.common import ApiError
from services.notifications import create_app as create_notifications
from services.orders import create_app as create_orders
from services.users import create_app as create_users


class FakeUsersClient:
    """Stands in for the HTTP call to users: knows a fixed set of ids, or fails as told;
    ``during_call`` runs inside each call (a test makes a slow peer with it)."""

    def __init__(self, known=("u-1", "u-2")):
        self.known = set(known)
        self.error: ApiError | None = None
        self.calls: list[tuple[str, str | None]] = []
        self.deadlines: list = []
        self.during_call = lambda: None

    def ensure_user_exists(self, user_id, request_id=None, deadline=None):
        self.calls.append((user_id, request_id))
        self.deadlines.append(deadline)
        self.during_call()
        if self.error is not None:
            raise self.error
        if user_id not in self.known:
            raise ApiError(422, "USER_NOT_FOUND", "No user with id %s." % user_id, field="userId")


@pytest.fixture
def users_client_fake():
    return FakeUsersClient()


@pytest.fixture
def make_app(tmp_path, users_client_fake):
    """``make_app("orders", CHAOS_ENABLED=True)`` → a Flask app on a fresh database."""

    def make(service: str, **config):
        config.setdefault("DATABASE", str(tmp_path / service / ("%s.db" % service)))
        config.setdefault("TESTING", True)
        if service == "orders":
            config.setdefault("USERS_CLIENT", users_client_fake)
            return create_orders(config)
        return {"users": create_users, "notifications": create_notifications}[service](config)

    return make


@pytest.fixture
def client(app):
    """A test client of the folder's (or module's) own ``app`` fixture."""
    return app.test_client()
