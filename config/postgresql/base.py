"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every
request that reuses a connection. A page-cache hit makes only one query of its own (the
generations read, ``core.cache``), so that check doubled its trips to the server
(README, "Performance"). An idle connection has nothing to say: a server that ends it
(restart, ``pg_terminate_backend``, a proxy cutting it) sends an error or closes the
socket, which makes the socket readable. So a readable socket, or a connection psycopg
already knows is broken, gets Django's real check; a quiet idle one is used as it is.

A connection that dies silently (a network that drops packets without a reset) is not
caught by ``SELECT 1`` either: that check would hang just as the first query does.

It is built on django-prometheus' PostgreSQL wrapper (itself Django's backend with counting
cursors: queries, their duration, errors, connections; README, "Monitoring"), which
overrides only ``get_connection_params``, ``get_new_connection`` and ``create_cursor``, none
of which this check touches.
"""

import select

from django_prometheus.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable or super().is_usable()
