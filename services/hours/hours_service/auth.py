"""Bearer tokens, checked by asking the user service (RFC 7662 introspection).

:class:`IntrospectionAuthentication` has DRF ``TokenAuthentication``'s shape: a
``keyword``, header parsing in :meth:`~IntrospectionAuthentication.authenticate` (``None``
when no bearer credentials are offered), the check in
:meth:`~IntrospectionAuthentication.authenticate_credentials`, and
:meth:`~IntrospectionAuthentication.authenticate_header` so failures are 401, not 403.

The service never decodes a token. An active answer is cached in Django's cache under the
token's SHA-256 (never the raw token) for ``min(exp - now, AUTH_CACHE_SECONDS)``. When the
user service cannot answer (connection error, timeout, 5xx) or answers something that is
not the contract (``contracts/introspection.schema.json``), the caller gets 503 with
``Retry-After`` — never 401 and never 500.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema_rs
from django.conf import settings
from django.core.cache import cache
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from hours_service import users_client
from hours_service.errors import InvalidToken, ServiceUnavailable

logger = logging.getLogger(__name__)

CACHE_PREFIX = "introspection:"


@dataclass(frozen=True)
class Principal:
    """Who is calling: what the user service says about the token, nothing more."""

    id: str
    username: str
    roles: tuple[str, ...]
    exp: int

    is_authenticated = True
    is_anonymous = False

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def __str__(self) -> str:
        return self.username


class NonConformingAnswer(ValueError):
    """The introspection answer does not match the contract."""


# The contract itself, compiled once: contracts/introspection.schema.json, shipped in the
# package (`make contracts` copies it; the contract suite checks the copy). jsonschema-rs
# reads it as JSON Schema 2020-12 says, regexes included: Python's re would let the
# patterns' "$" match before a final newline.
INTROSPECTION_SCHEMA = json.loads((resources.files(__package__) / "introspection.schema.json").read_text())
_ANSWER = jsonschema_rs.Draft202012Validator(INTROSPECTION_SCHEMA)


def _where(error: jsonschema_rs.ValidationError) -> str:
    """Which parts of the answer break the contract (never their values: claims are personal)."""
    causes = [cause for branch in getattr(error.kind, "context", None) or [] for cause in branch] or [error]
    return "; ".join(
        f"/{'/'.join(map(str, cause.instance_path))}: {type(cause.kind).__name__}" for cause in causes
    )


def parse_answer(payload: Any) -> Principal | None:
    """The principal of an active answer, ``None`` for an inactive one.

    Raises :class:`NonConformingAnswer` for anything ``contracts/introspection.schema.json``
    refuses.
    """
    error = next(_ANSWER.iter_errors(payload), None)
    if error is not None:
        raise NonConformingAnswer(_where(error))
    if not payload["active"]:
        return None
    return Principal(
        id=payload["sub"], username=payload["username"], roles=tuple(payload["roles"]), exp=payload["exp"]
    )


def cache_key(token: str) -> str:
    return CACHE_PREFIX + hashlib.sha256(token.encode()).hexdigest()


class IntrospectionAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``, checked against the user service."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Principal, str] | None:
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) == 1:
            raise InvalidToken("Invalid Authorization header: no token given.")
        if len(auth) > 2:
            raise InvalidToken("Invalid Authorization header: the token must not contain spaces.")
        try:
            token = auth[1].decode("ascii")
        except UnicodeError:
            raise InvalidToken("Invalid Authorization header: the token is not ASCII.") from None
        principal = self.authenticate_credentials(token)
        # The request log line names the caller (the log middleware sees Django's request).
        request._request.principal = principal
        return principal, token

    def authenticate_credentials(self, token: str) -> Principal:
        key = cache_key(token)
        cached: Principal | None = cache.get(key)
        if cached is not None and cached.exp > time.time():
            return cached
        principal = self._introspect(token)
        if principal is None:
            raise InvalidToken()
        ttl = min(principal.exp - time.time(), settings.AUTH_CACHE_SECONDS)
        if ttl > 0:
            cache.set(key, principal, timeout=ttl)
        return principal

    def authenticate_header(self, request: Request) -> str:
        return self.keyword

    @staticmethod
    def _introspect(token: str) -> Principal | None:
        try:
            return parse_answer(users_client.introspect(token))
        except users_client.UserServiceError as exc:
            logger.warning("user service cannot introspect", extra={"reason": str(exc)})
        except NonConformingAnswer as exc:
            logger.error("introspection answer breaks the contract", extra={"reason": str(exc)})
        raise ServiceUnavailable(
            "The user service cannot check the token right now; try again shortly.",
            slug="user-service-unavailable",
        )
