"""Structured logging: one line per record, ``key=value`` pairs (logfmt), on stdout.

Every record carries the id of the request it was logged in (``request_id``, set by
``config.middleware.RequestLogMiddleware``; ``-`` outside a request). A traceback stays
on the record's line as escaped text (``\\n``), so a log shipper never splits an error
into a hundred records and ``grep request_id=...`` finds all of a request.

An error the client caused (a bad Host header, a path outside the media root, a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``: Django's ``SuspiciousOperation`` errors, answered 400) is
one WARNING line without a traceback: Django logs them on ``django.security.<class>`` at
ERROR with the traceback of its own code, which would page someone for every scanner.
"""

import contextvars
import logging
import re
import threading
import time
import traceback

from django.utils.log import AdminEmailHandler

# The request being handled by this thread (or task); "-" outside a request.
request_id_var = contextvars.ContextVar("request_id", default="-")

_BARE = re.compile(r"^[A-Za-z0-9_.:/@+\-]+$")
# Attributes every LogRecord has; anything else was passed in ``extra=`` and is logged too.
# ``request`` (Django's django.request/django.server extra) is left out: path and status
# are already on the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id", "request", "server_time",
}  # fmt: skip


def quote(value):
    """``value`` as a logfmt value: bare when safe, else double-quoted with escapes, so a
    value can never break the line or forge another key."""
    text = str(value)
    if text and _BARE.match(text):
        return text
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    # Any other control character (a NUL from a hostile URL, say) as a \x escape.
    escaped = "".join(ch if ch >= " " else f"\\x{ord(ch):02x}" for ch in escaped)
    return f'"{escaped}"'


# Django's loggers for SuspiciousOperation (one per exception class) and CSRF failures.
CLIENT_ERROR_LOGGERS = "django.security."

_base_record_factory = logging.getLogRecordFactory()


def _make_record(name, level, pathname, lineno, msg, args, exc_info, func=None, sinfo=None, **kwargs):
    if name and name.startswith(CLIENT_ERROR_LOGGERS):
        level, exc_info = min(level, logging.WARNING), None
    record = _base_record_factory(name, level, pathname, lineno, msg, args, exc_info, func, sinfo, **kwargs)
    record.request_id = request_id_var.get()
    return record


def install_record_factory():
    """Every LogRecord made from now on carries ``request_id``, and a client's error is a
    WARNING without traceback, whichever handler (the console, pytest's caplog, an error
    tracker) receives it. Idempotent."""
    if logging.getLogRecordFactory() is not _make_record:
        logging.setLogRecordFactory(_make_record)


# The shape both logging configurations share, Django's LOGGING (settings) and gunicorn's
# logconfig_dict (config/gunicorn.py): one ``LineFormatter`` line per record on stdout.
FORMATTERS = {"line": {"()": "config.logging.LineFormatter"}}


def stdout_handler(*filters):
    """A handler writing each record as one line to stdout, through ``filters`` (names of
    filters in the same configuration)."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "line"}
    return {**handler, "filters": [*filters]}


class RequestIdFilter(logging.Filter):
    """Makes sure ``record.request_id`` is set (the record factory installed when this
    filter is configured sets it at creation, in the thread that logged)."""

    def __init__(self, name=""):
        super().__init__(name)
        install_record_factory()

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class LineFormatter(logging.Formatter):
    """``time=... level=... logger=... request_id=... msg="..." [extra keys] [exc="..."]``."""

    def format(self, record):
        record.message = record.getMessage()
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        fields = [
            ("time", f"{moment}.{int(record.msecs):03d}Z"),
            ("level", record.levelname),
            ("logger", record.name),
            ("request_id", getattr(record, "request_id", request_id_var.get())),
            ("msg", record.message),
        ]
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                fields.append((key, value))
        if record.exc_info:
            fields.append(("exc", self.formatException(record.exc_info)))
        elif record.exc_text:
            fields.append(("exc", record.exc_text))
        if record.stack_info:
            fields.append(("stack", self.formatStack(record.stack_info)))
        return " ".join(f"{key}={quote(value)}" for key, value in fields)


class ThrottledAdminEmailHandler(AdminEmailHandler):
    """Django's AdminEmailHandler (an unhandled error mailed to ``ADMINS``, with the
    request's details and traceback, from inside the failing request, as Django does; the
    send is bounded by ``EMAIL_TIMEOUT`` and never raises), sent at most once per
    ``ADMINS_EMAIL_THROTTLE_MINUTES`` for the same error: same logger, exception type and
    place in the code, counted in this process.

    Not through the notifications outbox: that is a database table, written in the request's
    transaction, and an unhandled error is often the database itself failing.
    """

    _last_sent = {}
    _lock = threading.Lock()

    def emit(self, record):
        from django.conf import settings

        if not settings.ADMINS:
            return
        signature = _error_signature(record)
        window = settings.ADMINS_EMAIL_THROTTLE_MINUTES * 60
        now = time.monotonic()
        with self._lock:
            last = self._last_sent.get(signature)
            if last is not None and now - last < window:
                return
            self._last_sent[signature] = now
        super().emit(record)


def _error_signature(record):
    """(logger, exception type, innermost file and line) of ``record``, else its message."""
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        frames = traceback.extract_tb(error.__traceback__)
        place = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        return record.name, type(error).__name__, place
    return record.name, "", str(record.msg)


class GunicornAccessFilter(logging.Filter):
    """Turns gunicorn's access record (its format string and a dict of "atoms") into one of
    ours: ``msg="GET /news/ 200"`` with ``method``, ``path``, ``status``, ``bytes``,
    ``duration_ms``, ``remote_addr`` and the response's ``X-Request-ID`` as ``request_id``, the
    id Podium's own lines of that request carry."""

    def filter(self, record):
        atoms = record.args
        if not hasattr(atoms, "get") and not hasattr(atoms, "__getitem__"):
            return True
        try:
            method, path, status = atoms["m"], atoms["U"], atoms["s"]
            duration_us = atoms["D"]
            sent = atoms["b"]
            remote = atoms["h"]
            request_id = atoms["{x-request-id}o"]
        except (KeyError, TypeError):
            return True
        path = str(path)[:500]  # the path alone, as podium.request logs it
        record.msg, record.args = "%s %s %s", (method, path, status)
        record.method, record.path, record.status = method, path, status
        record.bytes = sent
        record.duration_ms = round(int(duration_us) / 1000, 1) if str(duration_us).isdigit() else duration_us
        record.remote_addr = remote
        record.request_id = request_id if request_id and request_id != "-" else "-"
        return True
