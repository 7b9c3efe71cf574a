"""The one place where exceptions become responses.

Every error body is ``application/problem+json`` (RFC 9457), except on the OAuth2
endpoints (token, revoke, introspect), which answer with RFC 6749 section 5.2 bodies:
views mark themselves with :func:`oauth2_endpoint`, and :class:`OAuth2Error` carries the
error code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from apiflask import APIFlask, HTTPError
from flask import Response, current_app, json, request
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from timekeeper_service.conventions import (
    PROBLEM_CONTENT_TYPE,
    PROBLEM_TYPE_PREFIX,
    REALM,
    RETRY_AFTER_SECONDS,
)
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

#: the key of validation errors that no one field is to blame for, in every service
#: (CONTRIBUTING.md, "Errors"); marshmallow's own, ``_schema``, is renamed to it
NON_FIELD = "non_field_errors"

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


# -- exceptions the services and views raise ---------------------------------------------
class ServiceError(Exception):
    """A business rule said no. Subclasses fix the status and the problem type."""

    status = 400
    slug: str | None = None
    title: str | None = None
    headers: Mapping[str, str] = {}

    def __init__(self, detail: str, *, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors) if errors else None


class ValidationFailed(ServiceError):
    status = 400
    slug = "validation-error"
    title = "Validation failed"


class MalformedRequest(ServiceError):
    """A body that cannot be read as its media type (JSON that does not decode)."""

    status = 400
    slug = "malformed-request"


class Conflict(ServiceError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class NotFound(ServiceError):
    status = 404


class InvalidCredentials(ServiceError):
    """The current password did not match (on a password change)."""

    status = 403
    slug = "invalid-credentials"


class OAuth2Error(Exception):
    """An RFC 6749 section 5.2 error (also used by RFC 7009 and RFC 7662 endpoints)."""

    def __init__(self, error: str, description: str | None = None, *, status: int = 400) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.status = status


def oauth2_endpoint(view: F) -> F:
    """Mark a view whose errors are RFC 6749 bodies instead of problem+json."""
    view._oauth2_errors = True  # type: ignore[attr-defined]
    return view


def _is_oauth2_endpoint() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_oauth2_errors", False))


# -- response builders ------------------------------------------------------------------
def problem(
    status: int,
    detail: str | None = None,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The problem response; ``extra`` members (e.g. a readiness problem's ``checks``) go in as given."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug if slug else "about:blank",
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(
        json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE, headers=dict(headers or {})
    )
    if status == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def oauth2_error_response(error: OAuth2Error) -> Response:
    body = {"error": error.error}
    if error.description:
        body["error_description"] = error.description
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if error.status == 401:
        headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    return Response(json.dumps(body), status=error.status, mimetype="application/json", headers=headers)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"field.sub": ["message", ...]}``; its ``_schema``
    (an error of a whole object) is ``non_field_errors``, as in the hours service."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = NON_FIELD if key == "_schema" else str(key)
            flat.update(flatten_messages(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {prefix or NON_FIELD: list(messages)}
    return {prefix or NON_FIELD: [str(messages)]}


def _validation_errors(detail: Any) -> dict[str, list[str]]:
    """apiflask's ``{"<location>": {field: [...]}}`` without the location level."""
    merged: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for messages in detail.values():
            merged.update(flatten_messages(messages))
    return merged


# -- handlers ---------------------------------------------------------------------------
def _first_message(errors: Mapping[str, list[str]]) -> str:
    field, messages = next(iter(errors.items()))
    return f"{field}: {messages[0]}"


def handle_apiflask_error(error: HTTPError) -> Response:
    """apiflask's errors: request validation, auth, and ``abort``."""
    headers = {k: v for k, v in dict(error.headers or {}).items() if k.lower() != "content-type"}
    is_validation = error.status_code == current_app.config["VALIDATION_ERROR_STATUS_CODE"] and bool(
        error.detail
    )
    if is_validation:
        errors = _validation_errors(error.detail)
        if _is_oauth2_endpoint():
            return oauth2_error_response(OAuth2Error("invalid_request", _first_message(errors)))
        return problem(
            error.status_code,
            "The request is not valid.",
            slug=ValidationFailed.slug,
            title=ValidationFailed.title,
            errors=errors,
            headers=headers,
        )
    detail = error.message if error.message != HTTP_STATUS_CODES.get(error.status_code) else None
    return problem(error.status_code, detail, headers=headers)


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's errors: 404, 405, malformed bodies, 413, ..."""
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if _is_oauth2_endpoint() and status == 400:
        return oauth2_error_response(OAuth2Error("invalid_request", error.description))
    return problem(status, error.description, headers=headers)


def handle_service_error(error: ServiceError) -> Response:
    return problem(
        error.status,
        error.detail,
        slug=error.slug,
        title=error.title,
        errors=error.errors,
        headers=error.headers,
    )


def handle_database_unavailable(error: OperationalError | PoolTimeout) -> Response:
    """The database cannot be reached, does not answer in time (db's bounds), or no pooled
    connection came free in time: try again shortly."""
    reason = error.orig if isinstance(error, OperationalError) else error
    logger.error("database unavailable", extra={"error": str(reason).partition("\n")[0]})
    return problem(
        503,
        "The database is not reachable; try again shortly.",
        slug="database-unavailable",
    )


def handle_unstorable_value(error: DataError) -> Response:
    """A value the database refuses (a NUL byte, a number out of range) is the client's error."""
    logger.warning("value refused by the database", extra={"error": str(error.orig).partition("\n")[0]})
    if _is_oauth2_endpoint():
        return oauth2_error_response(
            OAuth2Error("invalid_request", "A parameter holds a value that cannot be used.")
        )
    return problem(400, "The request holds a value that cannot be stored.", slug=ValidationFailed.slug)


def handle_unexpected(error: Exception) -> Response:
    logger.exception("unhandled error", exc_info=error)
    return problem(500, "The server could not answer this request.")


def init_app(app: APIFlask) -> None:
    # error_processor first: it (re)registers apiflask's own werkzeug handler, which ours replaces.
    app.error_processor(handle_apiflask_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(OAuth2Error, oauth2_error_response)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(DataError, handle_unstorable_value)
    app.register_error_handler(Exception, handle_unexpected)
