"""gunicorn settings: ``gunicorn -c python:user_service.gunicorn_conf user_service.wsgi:app``.

Binds ``0.0.0.0:${PORT:-8000}`` with ``${WEB_CONCURRENCY:-2}`` workers of
``${GUNICORN_THREADS:-4}`` threads each (as the hours service). Access logging is
left to the application (one JSON line per request). Workers count metrics into a shared
directory so ``/internal/v1/metrics`` sums them all.

The configuration is checked here, in the master, before any worker starts: a wrong value
ends gunicorn with one line and exit status 2. (In a worker it could not: gunicorn starts a
new worker whenever one exits with any status but 3 or 4.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from timekeeper_service.gunicorn_hooks import drain_unread_body as _drain_unread_body

from user_service.config import ConfigError as _ConfigError
from user_service.config import load as _load_settings
from user_service.config import report_and_exit as _report_and_exit

# gunicorn reads every public module-level name as a setting: helpers stay private.
try:
    _settings = _load_settings()
except _ConfigError as _error:
    _report_and_exit(_error)

bind = f"0.0.0.0:{_settings.port}"
workers = _settings.web_concurrency
# Threads, so that a request waiting (on a password hash, the database) does not hold the
# whole worker: introspection always finds a thread (security.HashSlots keeps one free).
worker_class = "gthread"
threads = _settings.gunicorn_threads
timeout = 30
graceful_timeout = 20
keepalive = 5
# A body answered before it was read (a 401, a 405) is read to its end before the
# connection closes: gunicorn's own lingering close reads 64 KiB of it, and the kernel resets
# a connection closed with more unread, which the gateway, still writing it, reports as 502.
post_request = _drain_unread_body
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()
# gunicorn's own messages in the service's format (JSON lines unless LOG_FORMAT=console);
# the root logger is left to the application, so its lines are not written twice.
_formatters = {
    "json": {"()": "user_service.observability.JsonFormatter"},
    "console": {"format": "%(asctime)s %(levelname)-7s %(name)s %(message)s"},
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": loglevel.upper(), "handlers": [], "propagate": False},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    },
    "formatters": {"main": _formatters[_settings.log_format]},
}
# No control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) is shared by every
# gunicorn of one user, so two services on one machine (the local stack) would collide.
control_socket_disable = True

# Read before any worker imports prometheus_client; a fresh directory per gunicorn master.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="user-service-metrics-")


def child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server: Any) -> None:
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
