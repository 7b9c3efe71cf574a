"""What the OAuth2 endpoints (token, revoke, introspect) share: form bodies and public clients.

RFC 6749 section 3.2 and RFC 7009/7662 take ``application/x-www-form-urlencoded`` bodies,
with no parameter repeated. Clients of this server are public (Swagger UI, the web app,
scripts): a client may name itself (``client_id``) but presents no secret, since none is
registered; one that offers a secret cannot be authenticated and gets ``invalid_client``.
"""

from __future__ import annotations

from flask import request
from marshmallow import EXCLUDE, Schema

from user_service.errors import OAuth2Error

FORM_MIMETYPE = "application/x-www-form-urlencoded"


class FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # RFC 6749 section 3.2: ignore unrecognized parameters


def require_form_body() -> None:
    """A ``before_request`` hook: a urlencoded body with every parameter at most once."""
    if request.mimetype != FORM_MIMETYPE:
        raise OAuth2Error("invalid_request", f"The body must be {FORM_MIMETYPE}.")
    for name in request.form:
        if len(request.form.getlist(name)) > 1:
            raise OAuth2Error("invalid_request", f"The parameter {name!r} is repeated.")


def public_client_check() -> None:
    """Refuse client authentication we cannot honour (RFC 6749 section 2.3)."""
    header = request.headers.get("Authorization")
    if header is not None:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            raise OAuth2Error("invalid_client", "Unsupported client authentication.", status=401)
        secret = auth.password
    else:
        secret = request.form.get("client_secret")
    if secret:
        raise OAuth2Error(
            "invalid_client", "Unknown client: clients are public here and send no secret.", status=401
        )
