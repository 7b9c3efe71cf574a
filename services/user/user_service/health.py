"""Liveness (the process answers) and readiness (the database answers), in the shape every
Timekeeper service answers (CONTRIBUTING.md, "Health")."""

from __future__ import annotations

import logging

from apiflask import Schema
from apiflask.fields import Dict, Integer, String
from sqlalchemy.exc import SQLAlchemyError

from user_service.db import get_engine, ping
from user_service.errors import problem
from user_service.parsers import APIBlueprint

logger = logging.getLogger(__name__)

bp = APIBlueprint("health", __name__, url_prefix="/api/users/health", tag="Health")

_STATUS = '"ok", or "degraded" when something reported (not needed) is unavailable'
_CHECKS = 'each check by name: "ok" or "unavailable" (the reason is logged)'


class Health(Schema):
    status = String(required=True, metadata={"example": "ok", "description": _STATUS})
    checks = Dict(keys=String(), values=String(), required=True, metadata={"description": _CHECKS})


class NotReady(Schema):
    """RFC 9457 problem details with the checks."""

    type = String(required=True, metadata={"example": "urn:timekeeper:problem:not-ready"})
    title = String(required=True)
    status = Integer(required=True, metadata={"example": 503})
    detail = String(required=True)
    instance = String(required=True)
    checks = Dict(keys=String(), values=String(), required=True, metadata={"description": _CHECKS})


@bp.get("/live")
@bp.output(Health)
@bp.doc(summary="Liveness", operation_id="health_live")
def live() -> dict[str, object]:
    return {"status": "ok", "checks": {}}


@bp.get("/ready")
@bp.output(Health)
@bp.doc(
    summary="Readiness",
    operation_id="health_ready",
    description="200 when the database answers, else 503.",
    responses={
        503: {
            "description": "Not ready",
            "content": {"application/problem+json": {"schema": NotReady}},
        }
    },
)
def ready() -> object:
    try:
        ping(get_engine())
    except SQLAlchemyError as exc:
        logger.warning(
            "readiness check failed", extra={"check": "database", "reason": str(exc).partition("\n")[0]}
        )
        checks = {"database": "unavailable"}
        return problem(503, "Not ready: database.", slug="not-ready", checks=checks)  # with Retry-After
    return {"status": "ok", "checks": {"database": "ok"}}
