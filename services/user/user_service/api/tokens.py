"""The OAuth2 token endpoint (RFC 6749) and revocation (RFC 7009)."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Integer, String
from flask import Response, current_app

from user_service import services
from user_service.api.oauth2 import FormSchema, public_client_check, require_form_body
from user_service.db import get_session
from user_service.errors import OAuth2Error, oauth2_endpoint
from user_service.parsers import APIBlueprint

bp = APIBlueprint("tokens", __name__, url_prefix="/api/users/v1/token", tag="Tokens")
bp.before_request(require_form_body)

GRANT_TYPES = ("password", "refresh_token")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenIn(FormSchema):
    grant_type = String(required=True, metadata={"enum": list(GRANT_TYPES)})
    username = String(metadata={"description": "username or email (password grant)"})
    password = String(metadata={"description": "password grant", "format": "password"})
    refresh_token = String(metadata={"description": "refresh_token grant"})
    scope = String(metadata={"description": "ignored: access is by role, not scope"})
    client_id = String(metadata={"description": "optional; clients are public"})


class TokenOut(Schema):
    access_token = String(required=True)
    token_type = String(required=True, metadata={"enum": ["bearer"]})
    expires_in = Integer(required=True, metadata={"description": "seconds"})
    refresh_token = String(required=True)


class RevokeIn(FormSchema):
    token = String(required=True)
    token_type_hint = String(metadata={"enum": ["access_token", "refresh_token"]})


class OAuth2ErrorOut(Schema):
    error = String(required=True)
    error_description = String()


def _oauth2_errors(*codes: str) -> dict[int | str, Any]:
    listed = ", ".join(f"`{code}`" for code in codes)
    content = {"application/json": {"schema": OAuth2ErrorOut}}
    return {
        400: {"description": f"RFC 6749 error: {listed}", "content": content},
        401: {"description": "RFC 6749 error: `invalid_client`", "content": content},
    }


def _required(form: dict[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise OAuth2Error("invalid_request", f"Missing parameter: {', '.join(missing)}.")
    return [form[name] for name in names]


@bp.post("")
@bp.input(TokenIn, location="form", arg_name="form")
@bp.output(TokenOut)
@bp.doc(
    summary="Get tokens",
    operation_id="token_create",
    description="OAuth2 password and refresh_token grants, form-encoded. The refresh token is "
    "rotated on every use; using a spent one ends its whole session.",
    responses=_oauth2_errors("invalid_request", "invalid_grant", "unsupported_grant_type"),
)
@oauth2_endpoint
def token(form: dict[str, str]) -> tuple[dict[str, Any], int, dict[str, str]]:
    public_client_check()
    grant_type = form["grant_type"]
    if grant_type == "password":
        login, password = _required(form, "username", "password")
        pair = services.token_issue(session=get_session(), login=login, password=password)
    elif grant_type == "refresh_token":
        (refresh_token,) = _required(form, "refresh_token")
        pair = services.token_refresh(session=get_session(), refresh_token=refresh_token)
    else:
        raise OAuth2Error("unsupported_grant_type", f"Grant types: {', '.join(GRANT_TYPES)}.")
    body = {
        "access_token": pair.access.token,
        "token_type": "bearer",
        "expires_in": pair.access.expires_in,
        "refresh_token": pair.refresh_token,
    }
    return body, 200, NO_STORE


@bp.post("/revoke")
@bp.input(RevokeIn, location="form", arg_name="form")
@bp.doc(
    summary="Revoke a token",
    operation_id="token_revoke",
    description="RFC 7009. A refresh token ends its session (every token of its family); an "
    "access token is revoked by its `jti`. Unknown tokens get the same 200.",
    responses={200: "Revoked, or not a live token: no body", **_oauth2_errors("invalid_request")},
)
@oauth2_endpoint
def revoke(form: dict[str, str]) -> Response:
    public_client_check()
    services.token_revoke(
        session=get_session(), token=form["token"], token_type_hint=form.get("token_type_hint")
    )
    # RFC 7009 section 2.2: 200, and the client ignores the body, so there is none; and no
    # Content-Type either (Flask's default, text/html, would name a body that is not there).
    response = current_app.response_class(status=200, headers=NO_STORE)
    del response.headers["Content-Type"]
    return response
