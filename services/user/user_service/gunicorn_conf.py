"""gunicorn settings: ``gunicorn -c python:user_service.gunicorn_conf user_service.wsgi:app``.

The settings every service shares (``timekeeper_service.gunicorn_conf``: bind, gthread
workers, timeouts, logging), taken once the configuration is checked here, in the master.
Workers count metrics into a shared directory so ``/internal/v1/metrics`` sums them all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from timekeeper_service.gunicorn_conf import gunicorn_logging as _gunicorn_logging
from timekeeper_service.gunicorn_conf import server_settings as _server_settings

from user_service.config import ConfigError as _ConfigError
from user_service.config import load as _load_settings
from user_service.config import report_and_exit as _report_and_exit

# gunicorn reads every public module-level name as a setting: helpers stay private.
try:
    _settings = _load_settings()
except _ConfigError as _error:
    _report_and_exit(_error)

globals().update(_server_settings(_settings))
logconfig_dict = _gunicorn_logging(_settings, "user_service.observability.JsonFormatter")

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
