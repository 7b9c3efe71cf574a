"""How callers prove who they are: registered once here, declared by the routes.

- ``bearer``: an access token from the token endpoint (the OAuth2 password flow in the
  OpenAPI document). Missing → 401; invalid → 401 ``error="invalid_token"``; a missing
  role → 403 (RFC 6750).
- ``service_auth``: HTTP Basic with the introspection client id and secret from env,
  compared in constant time; failure → 401 ``invalid_client`` (RFC 7662 section 2.3).
  Internal only: routes take it with ``service_auth.login_required``, so the public
  OpenAPI document never declares it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from apiflask import HTTPBasicAuth, HTTPError, HTTPTokenAuth
from flask import Response, g
from timekeeper_service.conventions import REALM, bearer_challenge

from user_service import selectors
from user_service.db import get_session
from user_service.errors import OAuth2Error, oauth2_error_response, problem
from user_service.security import constant_time_equals, current_security
from user_service.selectors import AccessContext

BEARER_SCHEME_NAME = "OAuth2PasswordBearer"

F = TypeVar("F", bound=Callable[..., Any])

bearer = HTTPTokenAuth(
    scheme="Bearer",
    security_scheme_name=BEARER_SCHEME_NAME,
    description="An access token from POST /api/users/v1/token (OAuth2 password flow).",
)
service_auth = HTTPBasicAuth(realm=REALM, security_scheme_name="IntrospectionClient")


@bearer.verify_token
def _verify_access_token(token: str) -> AccessContext | None:
    if not token:
        return None
    g.bearer_offered = True
    return selectors.access_token_verify(session=get_session(), token=token)


def _bearer_error(error: HTTPError) -> Response:
    if error.status_code == 401 and g.get("bearer_offered"):
        code: str | None = "invalid_token"
        detail = "The access token is invalid, expired or revoked."
    elif error.status_code == 403:
        code = "insufficient_scope"
        detail = "This needs a role you do not have."
    else:
        code, detail = None, "This needs an access token."
    return problem(error.status_code, detail, headers={"WWW-Authenticate": bearer_challenge(code)})


bearer.error_processor(_bearer_error)  # apiflask's decorator returns None: register, keep the name


def current_access() -> AccessContext:
    context = bearer.current_user
    assert isinstance(context, AccessContext)
    return context


def role_required(role: str) -> Callable[[F], F]:
    """Under ``auth_required(bearer)``: 403 unless the token (and the user, still) has ``role``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if role not in current_access().roles:
                return _bearer_error(HTTPError(403))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


@service_auth.verify_password
def _verify_service(client_id: str, secret: str) -> str | None:
    settings = current_security().settings
    expected = settings.introspection_client_secret.get_secret_value()
    # both comparisons always run, so timing tells nothing about which part was wrong
    id_ok = constant_time_equals(client_id or "", settings.introspection_client_id)
    secret_ok = constant_time_equals(secret or "", expected)
    return client_id if id_ok and secret_ok else None


def _service_error(_error: HTTPError) -> Response:
    return oauth2_error_response(OAuth2Error("invalid_client", "Client authentication failed.", status=401))


service_auth.error_processor(_service_error)
