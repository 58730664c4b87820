import pytest


@pytest.fixture
def app(make_app):
    return make_app("notifications")


@pytest.fixture
def client(app):
    return app.test_client()
