"""/docs/health/live (the process answers) and /docs/health/ready (it can serve a spec)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from docs_service.config import current_settings
from docs_service.errors import problem
from docs_service.observability import current_request_id
from docs_service.specs import fetch_specs

bp = Blueprint("health", __name__, url_prefix="/docs/health")


@bp.get("/live")
def live() -> Response:
    return jsonify(status="ok")


@bp.get("/ready")
def ready() -> Response:
    """Ready while at least one service's spec can be fetched; 503 when none can.

    One spec missing is "degraded", not unready: the explorer and the merged document
    still serve the other one.
    """
    settings = current_settings()
    fetched = fetch_specs(
        settings.specs, timeout=settings.spec_fetch_timeout, request_id=current_request_id()
    )
    checks = {f.spec.key: "ok" if f.available else f.error for f in fetched}
    if not any(f.available for f in fetched):
        return problem(503, "No service's OpenAPI document can be fetched.", checks=checks)
    status = "ok" if all(f.available for f in fetched) else "degraded"
    return jsonify(status=status, checks=checks)
