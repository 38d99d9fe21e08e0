"""config/postgresql: Django's PostgreSQL backend whose health check needs no round trip
on a quiet idle connection, and still catches one the server ended."""

import json
import time
from unittest import mock

import pytest
from django.db import connection, connections

from .test_settings import load_settings

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL backend: runs in CI's PostgreSQL pass"
)


def test_a_postgresql_database_url_selects_the_projects_backend():
    result = load_settings(SECRET_KEY="x", DATABASE_URL="postgres://podium@127.0.0.1:5432/podium")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ENGINE"] == "config.postgresql"


@pytest.fixture
def idle_connection(transactional_db):
    """A connection of its own, connected and idle (no transaction open), as a worker's
    persistent connection is between two requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@needs_postgresql
def test_a_quiet_idle_connection_is_usable_without_a_query(idle_connection):
    with mock.patch.object(idle_connection.connection, "cursor", side_effect=AssertionError("a query")):
        assert idle_connection.is_usable()


@needs_postgresql
def test_a_connection_the_server_ended_is_not_usable_and_the_next_request_reconnects(idle_connection):
    pid = idle_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    # The server's goodbye reaches the socket a moment later: wait for it as the next
    # request would (a new request comes long after the termination).
    for _ in range(50):
        if not idle_connection.is_usable():
            break
        time.sleep(0.05)
    assert not idle_connection.is_usable()
    # What Django does at the start of the next request, then its first query.
    idle_connection.close_if_unusable_or_obsolete()
    idle_connection.health_check_done = False
    idle_connection.close_if_health_check_failed()
    with idle_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
