"""Prometheus metrics for this service (internal, never routed by the gateway)."""

from __future__ import annotations

from flask import Response

from user_service.observability import metrics_response
from user_service.parsers import APIBlueprint

bp = APIBlueprint("metrics", __name__, url_prefix="/internal/v1/metrics", enable_openapi=False)


@bp.get("")
def metrics() -> Response:
    return metrics_response()
