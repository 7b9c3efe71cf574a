"""Prometheus metrics for this service (internal, never routed by the gateway)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Response

from user_service.observability import metrics_response

bp = APIBlueprint("metrics", __name__, url_prefix="/internal/v1/metrics", enable_openapi=False)


@bp.get("")
def metrics() -> Response:
    return metrics_response()
