"""gunicorn's configuration for Podium (README, "Running in production"):

    gunicorn -c config/gunicorn.py --bind 127.0.0.1:8000 --workers 4

- Its own lines (start, workers, timeouts) in Podium's ``key=value`` format on stdout
  (``config.logging.LineFormatter``), beside the app's lines. Its access log is off:
  Podium logs every request itself (``podium.request``); ``GUNICORN_ACCESS_LOG=true`` turns
  it on, one ``key=value`` line per request with the same ``request_id``.
- A control socket per instance: gunicorn's default path is one per user, so two instances
  (two ports, ``make scaleout``, a blue-green deploy) would fight over it. Unless
  ``GUNICORN_CONTROL_SOCKET`` names one (or ``--control-socket``), it is
  ``podium-<bind>.ctl`` in systemd's ``$RUNTIME_DIRECTORY``, else ``$XDG_RUNTIME_DIR``, else
  ``~/.gunicorn``: ``podium-127.0.0.1_8000.ctl``.
- Prometheus with several workers: when ``PROMETHEUS_MULTIPROC_DIR`` is set (in the
  environment, before gunicorn starts), each worker writes its metrics there, the directory
  is emptied when gunicorn starts and a dead worker's files are marked, so ``/ops/metrics``
  sums every worker (README, "Monitoring").

Command-line options win over this file.
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the logging configuration below is the project's
    sys.path.insert(0, str(ROOT))

from config.logging import FORMATTERS, stdout_handler  # noqa: E402 (once the project is importable)

wsgi_app = "config.wsgi:application"
timeout = 30
graceful_timeout = 30

ACCESS_LOG = os.environ.get("GUNICORN_ACCESS_LOG", "").strip().lower() in {"1", "true", "yes", "on"}

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        "access": {"()": "config.logging.GunicornAccessFilter"},
    },
    "formatters": FORMATTERS,
    "handlers": {"console": stdout_handler("request_id"), "access": stdout_handler("access")},
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO" if ACCESS_LOG else "CRITICAL",
            "handlers": ["access"],
            "propagate": False,
        },
    },
}


def control_socket_path(binds, environ=os.environ):
    """The control socket of an instance bound to ``binds``: GUNICORN_CONTROL_SOCKET, else
    one named after the binds in the run-time directory."""
    if environ.get("GUNICORN_CONTROL_SOCKET"):
        return environ["GUNICORN_CONTROL_SOCKET"]
    directory = environ.get("RUNTIME_DIRECTORY", "").split(":")[0] or environ.get("XDG_RUNTIME_DIR", "")
    if not directory or not os.path.isdir(directory):
        directory = os.path.join(os.path.expanduser("~"), ".gunicorn")
    slug = re.sub(r"[^A-Za-z0-9.]+", "_", ",".join(binds).removeprefix("unix:")).strip("_") or "default"
    return os.path.join(directory, f"podium-{slug[:80]}.ctl")


def on_starting(server):
    cfg = server.cfg
    if cfg.control_socket == cfg.settings["control_socket"].default:  # not set by the operator
        cfg.set("control_socket", control_socket_path(cfg.bind))
    server.log.info("control socket %s", cfg.control_socket)
    multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc:  # the last run's counters would be added to this one's
        os.makedirs(multiproc, exist_ok=True)
        for stale in Path(multiproc).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
