"""/docs/health/live (the process answers) and /docs/health/ready (it can serve a spec), in
the shape every Timekeeper service answers (CONTRIBUTING.md, "Health")."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from docs_service.config import current_settings
from docs_service.errors import problem
from docs_service.observability import current_request_id
from docs_service.specs import fetch_specs

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__, url_prefix="/docs/health")


@bp.get("/live")
def live() -> Response:
    return jsonify(status="ok", checks={})


@bp.get("/ready")
def ready() -> Response:
    """Ready while at least one service's spec can be fetched; 503 when none can.

    One spec missing is "degraded", not unready: the explorer and the merged document
    still serve the other one. Why a spec is missing is logged, not published.
    """
    settings = current_settings()
    fetched = fetch_specs(
        settings.specs, timeout=settings.spec_fetch_timeout, request_id=current_request_id()
    )
    for failed in (f for f in fetched if not f.available):
        log.warning("readiness check failed", extra={"check": failed.spec.key, "reason": failed.error})
    checks = {f.spec.key: "ok" if f.available else "unavailable" for f in fetched}
    if not any(f.available for f in fetched):
        return problem(
            503,
            "Not ready: " + ", ".join(checks) + ".",
            type_="urn:timekeeper:problem:not-ready",  # with Retry-After, as every 503
            checks=checks,
        )
    status = "ok" if all(f.available for f in fetched) else "degraded"
    return jsonify(status=status, checks=checks)
