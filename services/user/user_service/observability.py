"""Logs, request ids and metrics.

One JSON line per request (``ts level logger msg request_id method path status
duration_ms``); ``X-Request-Id`` is taken from the request when it looks sane, otherwise
made (uuid4 hex), and returned on the response. Every log record written while a request
is handled carries its request id.

Metrics are Prometheus counters. Under gunicorn each worker is its own process, so
``gunicorn_conf`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before the
workers fork and the metrics endpoint sums all workers.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from user_service.config import Settings

REQUEST_ID_HEADER = "X-Request-Id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_STANDARD_RECORD_KEYS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

request_logger = logging.getLogger("user_service.request")


# -- logging ----------------------------------------------------------------------------
class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id (or None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(
            (key, value) for key, value in record.__dict__.items() if key not in _STANDARD_RECORD_KEYS
        )
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class _ServiceHandler(logging.StreamHandler):
    """Ours, so that configuring again replaces it and leaves other handlers (pytest's) alone."""


def configure_logging(settings: Settings) -> None:
    """Route every logger through one stderr handler in the configured format."""
    handler = _ServiceHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _ServiceHandler)] + [handler]
    root.setLevel(settings.log_level)


# -- request ids and the per-request log line ------------------------------------------
def _begin_request() -> None:
    g.started = time.perf_counter()
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _finish_request(response: Response) -> Response:
    if "request_id" not in g:  # a request that failed before _begin_request ran
        _begin_request()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    request_logger.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.started) * 1000, 2),
        },
    )
    return response


def init_app(app: Flask) -> None:
    app.before_request(_begin_request)
    app.after_request(_finish_request)


# -- metrics ----------------------------------------------------------------------------
# prometheus_client picks in-process or multiprocess values when it is imported, and
# gunicorn imports this package before gunicorn_conf sets PROMETHEUS_MULTIPROC_DIR: so it
# is imported on first use, in the worker.
def introspection_requests() -> Any:
    # gthread workers: a worker's first requests may ask at once, and functools.cache does
    # not make them wait for each other (a second Counter of the name is a 500)
    with _metrics_lock:
        return _introspection_requests()


_metrics_lock = threading.Lock()


@functools.cache
def _introspection_requests() -> Any:
    from prometheus_client import Counter

    return Counter(
        "timekeeper_introspection_requests",
        "Requests to POST /internal/v1/introspect, whatever their outcome.",
    )


def metrics_response() -> Response:
    """Prometheus text for this process, or for every gunicorn worker in multiprocess mode."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    introspection_requests()  # listed from the start, at 0
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})
