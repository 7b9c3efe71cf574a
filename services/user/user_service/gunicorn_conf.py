"""gunicorn settings: ``gunicorn -c python:user_service.gunicorn_conf user_service.wsgi:app``.

Binds ``0.0.0.0:${PORT:-8000}`` with ``${WEB_CONCURRENCY:-2}`` workers. Access logging is
left to the application (one JSON line per request). Workers count metrics into a shared
directory so ``/internal/v1/metrics`` sums them all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()

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
