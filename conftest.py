"""Root fixtures: database backends (SQLite always, PostgreSQL when IPP_TEST_POSTGRES_URL is set)."""
import pytest

from libs.common.testing import backends


@pytest.fixture(params=backends())
def db_backend(request) -> str:
    return request.param
