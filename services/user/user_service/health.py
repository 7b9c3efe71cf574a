"""Liveness (the process answers) and readiness (the database answers)."""

from __future__ import annotations

import logging

from apiflask import Schema
from apiflask.fields import Dict, String
from sqlalchemy.exc import SQLAlchemyError

from user_service.db import get_engine, ping
from user_service.errors import problem
from user_service.parsers import APIBlueprint

logger = logging.getLogger(__name__)

bp = APIBlueprint("health", __name__, url_prefix="/api/users/health", tag="Health")


class HealthOut(Schema):
    status = String(required=True, metadata={"example": "ok"})
    checks = Dict(keys=String(), values=String())


@bp.get("/live")
@bp.output(HealthOut)
@bp.doc(summary="Liveness", operation_id="health_live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/ready")
@bp.output(HealthOut)
@bp.doc(
    summary="Readiness",
    operation_id="health_ready",
    description="200 when the database answers, else 503.",
    responses=[503],
)
def ready() -> object:
    try:
        ping(get_engine())
    except SQLAlchemyError as exc:
        logger.warning("not ready: database unreachable", extra={"error": str(exc).partition("\n")[0]})
        return problem(503, "The database is not reachable.", slug="not-ready", headers={"Retry-After": "5"})
    return {"status": "ok", "checks": {"database": "ok"}}
