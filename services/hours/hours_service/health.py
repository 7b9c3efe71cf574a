"""``/api/hours/health/live`` (the process answers) and ``/ready`` (it can do its work)."""

from __future__ import annotations

import logging

from django.db import connection
from django.db.utils import DatabaseError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hours_service import user_service
from hours_service.errors import PROBLEM_CONTENT_TYPE, RETRY_AFTER_SECONDS, problem

logger = logging.getLogger(__name__)

_health = inline_serializer(
    "Health",
    {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())},
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


class ReadyApi(_HealthApi):
    @extend_schema(operation_id="health_ready", responses={200: _health, 503: _health}, tags=["health"])
    def get(self, request: Request) -> Response:
        checks: dict[str, str] = {}
        for name, check, errors in (
            ("database", _check_database, DatabaseError),
            ("user_service", user_service.ping, user_service.UserServiceError),
        ):
            try:
                check()
                checks[name] = "ok"
            except errors as exc:
                logger.warning("readiness check failed", extra={"check": name, "reason": str(exc)})
                checks[name] = "unavailable"
        if all(state == "ok" for state in checks.values()):
            return Response({"status": "ok", "checks": checks})
        body = problem(
            503,
            "Not ready: " + ", ".join(name for name, state in checks.items() if state != "ok") + ".",
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
