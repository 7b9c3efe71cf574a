"""``/api/hours/health/live`` (the process answers) and ``/ready`` (this replica can serve), in
the shape every Timekeeper service answers (CONTRIBUTING.md, "Health")."""

from __future__ import annotations

import logging

from django.db import connection
from django.db.utils import DatabaseError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from timekeeper_service.conventions import PROBLEM_CONTENT_TYPE, RETRY_AFTER_SECONDS

from hours_service import users_client
from hours_service.errors import problem

logger = logging.getLogger(__name__)

_STATUS = '"ok", or "degraded" when something reported (not needed) is unavailable'
_CHECKS = 'each check by name: "ok" or "unavailable" (the reason is logged)'

_health = inline_serializer(
    "Health",
    {
        "status": serializers.CharField(help_text=_STATUS),
        "checks": serializers.DictField(child=serializers.CharField(), help_text=_CHECKS),
    },
)
_not_ready = inline_serializer(
    "NotReady",
    {
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "instance": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.CharField(), help_text=_CHECKS),
    },
    help_text="RFC 9457 problem details with the checks.",
)


class _HealthApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class LiveApi(_HealthApi):
    @extend_schema(operation_id="health_live", responses={200: _health}, tags=["health"])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok", "checks": {}})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


#: How long ``/ready`` asks the user service. It is only reported, and a probe gives up after
#: a second or so: a user service that takes connections and never answers must not make the
#: probe fail for want of an answer, which would pull the replica out after all.
DEPENDENCY_TIMEOUT_SECONDS = 0.5


def _check_user_service() -> None:
    users_client.ping(timeout=DEPENDENCY_TIMEOUT_SECONDS)


class ReadyApi(_HealthApi):
    """Ready when this replica can serve: its database answers. The user service is reported
    too, without failing the check: the replica still serves every token it has cached, and
    an outage of the user service would otherwise take every hours replica out of rotation
    at once (which could then not even serve those)."""

    @extend_schema(
        operation_id="health_ready",
        responses={
            200: OpenApiResponse(
                _health,
                description=(
                    "Ready: the database answers. `status` is `degraded` when the user service "
                    "does not (`checks.user_service`): tokens this replica has cached still work."
                ),
            ),
            (503, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                _not_ready, description="Not ready: the database does not answer (`Retry-After`)."
            ),
        },
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        checks: dict[str, str] = {}
        for name, check, errors in (
            ("database", _check_database, DatabaseError),
            ("user_service", _check_user_service, users_client.UserServiceError),
        ):
            try:
                check()
                checks[name] = "ok"
            except errors as exc:
                logger.warning("readiness check failed", extra={"check": name, "reason": str(exc)})
                checks[name] = "unavailable"
        if checks["database"] == "ok":
            status = "ok" if all(state == "ok" for state in checks.values()) else "degraded"
            return Response({"status": status, "checks": checks})
        body = problem(
            503,
            "Not ready: database.",  # the needed checks that failed, as every service says it
            slug="not-ready",
            instance=request.path,
            checks=checks,
        )
        return Response(
            body,
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            content_type=PROBLEM_CONTENT_TYPE,
        )
