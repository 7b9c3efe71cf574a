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
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from hours_service import user_service
from hours_service.errors import InvalidToken, ServiceUnavailable

logger = logging.getLogger(__name__)

ROLES = frozenset({"user", "admin"})
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


_ACTIVE_REQUIRED = {"active", "sub", "username", "roles", "exp", "iat", "jti"}
_ACTIVE_ALLOWED = _ACTIVE_REQUIRED | {"token_type", "iss", "aud"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]+")


def _text(value: Any, max_length: int | None = None) -> bool:
    """A non-empty string without control characters (NUL included), as the contract says."""
    return (
        isinstance(value, str)
        and _PRINTABLE.fullmatch(value) is not None
        and (max_length is None or len(value) <= max_length)
    )


def parse_answer(payload: Any) -> Principal | None:
    """The principal of an active answer, ``None`` for an inactive one.

    Holds the answer to ``contracts/introspection.schema.json`` exactly (the tests check
    this function against that schema) and raises :class:`NonConformingAnswer` otherwise.
    """
    if not isinstance(payload, dict):
        raise NonConformingAnswer("not an object")
    if payload.get("active") is False and set(payload) == {"active"}:
        return None
    if payload.get("active") is not True:
        raise NonConformingAnswer("'active' is neither true nor a lone false")
    keys = set(payload)
    if missing := _ACTIVE_REQUIRED - keys:
        raise NonConformingAnswer(f"missing {sorted(missing)}")
    if extra := keys - _ACTIVE_ALLOWED:
        raise NonConformingAnswer(f"unexpected {sorted(extra)}")
    roles = payload["roles"]
    aud = payload.get("aud", "")
    checks = {
        "sub": _text(payload["sub"], max_length=255),
        "username": _text(payload["username"]),
        "jti": _text(payload["jti"]),
        "exp": _is_int(payload["exp"]),
        "iat": _is_int(payload["iat"]),
        "roles": isinstance(roles, list)
        and bool(roles)
        and all(isinstance(role, str) and role in ROLES for role in roles)
        and len(set(roles)) == len(roles),
        "token_type": payload.get("token_type", "access_token") == "access_token",
        "iss": isinstance(payload.get("iss", ""), str),
        "aud": isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(a, str) for a in aud)),
    }
    if bad := [name for name, ok in checks.items() if not ok]:
        raise NonConformingAnswer(f"bad {bad}")
    return Principal(id=payload["sub"], username=payload["username"], roles=tuple(roles), exp=payload["exp"])


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
            return parse_answer(user_service.introspect(token))
        except user_service.UserServiceError as exc:
            logger.warning("user service cannot introspect", extra={"reason": str(exc)})
        except NonConformingAnswer as exc:
            logger.error("introspection answer breaks the contract", extra={"reason": str(exc)})
        raise ServiceUnavailable(
            "The user service cannot check the token right now; try again shortly.",
            slug="user-service-unavailable",
        )
