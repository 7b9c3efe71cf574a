"""RFC 7662 token introspection, for the other services only (never routed by the gateway).

The answer is exactly contracts/introspection.schema.json: 200 with the active shape, or
``{"active": false}`` and nothing else, whatever made the token inactive.
"""

from __future__ import annotations

from typing import Any

from flask import request

from user_service import selectors
from user_service.api.oauth2 import require_form_body
from user_service.auth import service_auth
from user_service.db import autocommit_connection
from user_service.errors import OAuth2Error, oauth2_endpoint
from user_service.observability import introspection_requests
from user_service.parsers import APIBlueprint

bp = APIBlueprint("introspection", __name__, url_prefix="/internal/v1/introspect", enable_openapi=False)


@bp.before_request
def _count() -> None:
    introspection_requests().inc()


@bp.post("")
# Flask-HTTPAuth's own decorator, not ``bp.auth_required``: the same check and errors, but
# no OpenAPI annotation. apiflask (3.1) publishes the scheme of every ``auth_required``
# view, even in a blueprint with ``enable_openapi=False``, so the public document would
# offer an "IntrospectionClient" login that no public operation takes.
@service_auth.login_required
@oauth2_endpoint
def introspect() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Credentials first (401), then the body: form-encoded ``token`` (400 when missing)."""
    require_form_body()
    token = request.form.get("token")
    if not token:
        raise OAuth2Error("invalid_request", "Missing parameter: token.")
    with autocommit_connection() as connection:
        holder = selectors.access_token_introspect(connection=connection, token=token)
    if holder is None:
        body: dict[str, Any] = {"active": False}
    else:
        claims = holder.claims
        body = {
            "active": True,
            "sub": claims["sub"],
            "username": holder.username,
            "roles": holder.roles,
            "exp": claims["exp"],
            "iat": claims["iat"],
            "jti": claims["jti"],
            "token_type": "access_token",
            "iss": claims["iss"],
            "aud": claims["aud"],
        }
    return body, 200, {"Cache-Control": "no-store"}
