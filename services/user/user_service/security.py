"""Passwords (argon2id), access tokens (HS256 JWT) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from user_service.config import Settings

JWT_ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "iss", "aud", "exp", "iat", "jti", "roles", "sid")
MAX_TOKEN_LENGTH = 4096
EXTENSION = "user_service.security"


@dataclass(frozen=True)
class Security:
    """What an app instance signs and hashes with; one per app, in ``app.extensions``."""

    settings: Settings
    hasher: PasswordHasher
    dummy_hash: str  # verified against when the user is unknown, so both cases cost the same

    @classmethod
    def build(cls, settings: Settings, *, time_cost: int, memory_cost: int, parallelism: int) -> Security:
        hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        return cls(settings=settings, hasher=hasher, dummy_hash=hasher.hash(secrets.token_urlsafe(16)))


def current_security() -> Security:
    return current_app.extensions[EXTENSION]


# -- passwords --------------------------------------------------------------------------
def password_hash(password: str) -> str:
    return current_security().hasher.hash(password)


def password_verify(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash to check (unknown users)."""
    sec = current_security()
    try:
        return sec.hasher.verify(stored_hash or sec.dummy_hash, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored_hash: str) -> bool:
    return current_security().hasher.check_needs_rehash(stored_hash)


# -- access tokens ----------------------------------------------------------------------
@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    claims: dict[str, Any]
    expires_in: int


def access_token_encode(*, user_id: uuid.UUID, roles: list[str], family_id: uuid.UUID) -> IssuedAccessToken:
    settings = current_security().settings
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.access_token_ttl_seconds)).timestamp()),
        "jti": uuid.uuid4().hex,
        "roles": sorted(roles),
        "sid": str(family_id),
    }
    token = jwt.encode(claims, settings.jwt_signing_key.get_secret_value(), algorithm=JWT_ALGORITHM)
    return IssuedAccessToken(token=token, claims=claims, expires_in=settings.access_token_ttl_seconds)


def access_token_decode(token: str, *, verify_exp: bool = True) -> dict[str, Any] | None:
    """The claims of a token this service signed, or None for anything else.

    The algorithm is pinned (no ``none``, no key confusion); issuer, audience and every
    claim we rely on are required.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    settings = current_security().settings
    try:
        claims = jwt.decode(
            token,
            settings.jwt_signing_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": list(REQUIRED_CLAIMS), "verify_exp": verify_exp},
        )
    except jwt.PyJWTError:
        return None
    if not _claims_well_typed(claims):
        return None
    return claims


def _claims_well_typed(claims: dict[str, Any]) -> bool:
    try:
        uuid.UUID(claims["sub"])
        uuid.UUID(claims["sid"])
    except (TypeError, ValueError, AttributeError):
        return False
    roles = claims["roles"]
    return (
        isinstance(claims["jti"], str)
        and 0 < len(claims["jti"]) <= 64
        and isinstance(roles, list)
        and all(isinstance(role, str) for role in roles)
    )


# -- refresh tokens ---------------------------------------------------------------------
def refresh_token_generate() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    """SHA-256 is enough: the token is 256 random bits, not a password."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())
