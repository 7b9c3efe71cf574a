"""The one place where exceptions become ``application/problem+json`` (RFC 9457).

DRF calls :func:`exception_handler` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) for
everything raised in a view; ``handler404``/``handler500`` in the root URLconf cover what
happens outside DRF (unknown URLs, errors in middleware).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from timekeeper_service.conventions import (
    PROBLEM_CONTENT_TYPE,
    PROBLEM_TYPE_PREFIX,
    RETRY_AFTER_SECONDS,
    bearer_challenge,
)

logger = logging.getLogger(__name__)

ABOUT_BLANK = "about:blank"


class ApplicationError(Exception):
    """A problem the service reports on purpose: status, type slug, detail, extra members."""

    status = 400
    slug: str | None = None
    title: str | None = None

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class ValidationFailed(ApplicationError):
    status = 400
    slug = "validation-error"
    title = "Validation failed"

    def __init__(self, errors: dict[str, list[str]], detail: str = "The request is not valid.") -> None:
        super().__init__(detail, errors=errors)


class NotFound(ApplicationError):
    status = 404


class Forbidden(ApplicationError):
    """The token is good and lacks a role the call needs (RFC 6750 ``insufficient_scope``)."""

    status = 403

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": bearer_challenge("insufficient_scope")})


class Conflict(ApplicationError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class ServiceUnavailable(exceptions.APIException):
    """A dependency cannot answer: 503 with ``Retry-After`` (a DRF exception, so auth may raise it)."""

    status_code = 503
    default_detail = "A service this one depends on cannot answer; try again shortly."
    slug = "service-unavailable"

    def __init__(self, detail: str | None = None, slug: str | None = None) -> None:
        super().__init__(detail)
        if slug:
            self.slug = slug


class InvalidToken(exceptions.AuthenticationFailed):
    """Credentials were offered and are not valid (RFC 6750 ``invalid_token``)."""

    default_detail = "The access token is invalid, expired or revoked."


def problem(
    status: int,
    detail: str | None = None,
    *,
    slug: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem document; plain HTTP errors get ``about:blank`` and the status phrase."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug if slug else ABOUT_BLANK,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested ``ValidationError.detail`` as ``{"field.sub": ["message", ...]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not prefix else str(key)
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def _integrity_problem(exc: IntegrityError) -> tuple[int, dict[str, Any]]:
    """A constraint the service layer did not translate itself (it translates the usual ones)."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
    status = 400 if sqlstate == "23514" else 409  # check_violation is bad input; the rest conflict
    slug = "validation-error" if status == 400 else "conflict"
    return status, {"slug": slug, "detail": f"The change breaks the rule {constraint or 'of the database'}."}


def _validation_problem(errors: dict[str, list[str]], instance: str | None) -> dict[str, Any]:
    return problem(
        ValidationFailed.status,
        "The request is not valid.",
        slug=ValidationFailed.slug,
        title=ValidationFailed.title,
        instance=instance,
        errors=errors,
    )


def _convert(exc: Exception, instance: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """(problem body, headers) for any exception."""
    if isinstance(exc, ApplicationError):
        body = problem(exc.status, exc.detail, slug=exc.slug, title=exc.title, instance=instance, **exc.extra)
        return body, exc.headers
    if isinstance(exc, Http404):
        return problem(404, str(exc) or "Not found.", instance=instance), {}
    if isinstance(exc, RequestDataTooBig):
        return problem(413, "The request body is too large.", instance=instance), {}
    if isinstance(exc, SuspiciousOperation):
        return problem(400, "The request is not valid.", instance=instance), {}
    if isinstance(exc, PermissionDenied):
        # every 403 here is a role the token lacks (only an admin reads another user's data)
        return problem(403, str(exc) or "Permission denied.", instance=instance), {
            "WWW-Authenticate": bearer_challenge("insufficient_scope")
        }
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return _validation_problem(errors, instance), {}
    if isinstance(exc, OperationalError):
        # The database is unreachable (or gave up on this transaction): try again shortly.
        logger.warning("database unavailable", exc_info=exc)
        return problem(
            503,
            "The database cannot answer right now; try again shortly.",
            slug="database-unavailable",
            instance=instance,
        ), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if isinstance(exc, IntegrityError):
        status, parts = _integrity_problem(exc)
        return problem(status, instance=instance, **parts), {}
    if isinstance(exc, exceptions.ValidationError):
        return _validation_problem(_flatten(exc.detail), instance), {}
    if isinstance(exc, exceptions.APIException):
        headers: dict[str, str] = {}
        slug = None
        if isinstance(exc, exceptions.NotAuthenticated):
            headers["WWW-Authenticate"] = bearer_challenge()
        elif isinstance(exc, exceptions.AuthenticationFailed):
            headers["WWW-Authenticate"] = bearer_challenge("invalid_token")
        elif isinstance(exc, exceptions.PermissionDenied):
            headers["WWW-Authenticate"] = bearer_challenge("insufficient_scope")
        elif isinstance(exc, ServiceUnavailable):
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            slug = exc.slug
        elif isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait))
        return problem(exc.status_code, str(exc.detail), slug=slug, instance=instance), headers
    logger.error("unhandled exception", exc_info=exc)
    return problem(500, "The server failed to answer this request.", instance=instance), {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """``REST_FRAMEWORK["EXCEPTION_HANDLER"]``: every exception becomes problem+json."""
    # Imported here: rest_framework.views imports the authentication classes, which
    # import this module for their exceptions.
    from rest_framework.views import set_rollback

    request = context.get("request")
    body, headers = _convert(exc, request.path if request is not None else None)
    set_rollback()
    return Response(
        body, status=body["status"], headers=_retry_after(body, headers), content_type=PROBLEM_CONTENT_TYPE
    )


def _retry_after(body: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    """Every 503 says when to try again; a cause that knows better has set its own."""
    if body["status"] == 503 and "Retry-After" not in headers:
        return {**headers, "Retry-After": str(RETRY_AFTER_SECONDS)}
    return headers


def problem_response(request: HttpRequest, status: int, detail: str) -> JsonResponse:
    body = problem(status, detail, instance=request.path)
    return JsonResponse(
        body, status=status, headers=_retry_after(body, {}), content_type=PROBLEM_CONTENT_TYPE
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 404, f"Nothing is served at {request.path}.")


def handler500(request: HttpRequest) -> JsonResponse:
    return problem_response(request, 500, "The server failed to answer this request.")


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 400, "The request is not valid.")


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, 403, "Permission denied.")
