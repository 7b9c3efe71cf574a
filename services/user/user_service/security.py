"""Passwords (argon2id), access tokens (HS256 JWT) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from user_service.config import Settings
from user_service.errors import ServiceError

T = TypeVar("T")

JWT_ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "iss", "aud", "exp", "iat", "jti", "roles", "sid")
MAX_TOKEN_LENGTH = 4096
EXTENSION = "user_service.security"


#: how long a password check waits for a hashing slot before it is a 503: about one hash
HASH_SLOT_WAIT_SECONDS = 0.5
HASH_BUSY_RETRY_AFTER_SECONDS = 1


class PasswordHashingBusy(ServiceError):
    status = 503
    slug = "busy"
    headers = {"Retry-After": str(HASH_BUSY_RETRY_AFTER_SECONDS)}

    def __init__(self) -> None:
        super().__init__("Too many password checks at once; try again shortly.")


class HashSlots:
    """A bulkhead around argon2id: at most ``running`` hashes at once in this process, and at
    most ``admitted`` requests hashing or waiting for a slot (``HASH_SLOT_WAIT_SECONDS`` at
    most); any other is refused at once with :class:`PasswordHashingBusy`.

    A hash costs ARGON2_MEMORY_COST and the CPU for as long as it runs, and under gunicorn each
    waiting request holds a thread. With ``admitted`` below the worker's thread count, a burst
    of logins can never take every thread: introspection, which the hours service needs within
    its read timeout, always finds one free; the logins beyond what the CPU can hash are told to
    come back (503, ``Retry-After``) instead of queueing ahead of everyone. Hashes run in
    threads of their own at a lower CPU priority, so neither do they take the CPU from it.
    """

    def __init__(self, *, running: int, admitted: int) -> None:
        self._running = threading.BoundedSemaphore(running)
        self._admitted = threading.BoundedSemaphore(max(running, admitted))
        # one thread per slot, started on first use (so in each gunicorn worker, after the fork)
        self._hashers = ThreadPoolExecutor(running, "argon2", initializer=_yield_the_cpu)

    def run(self, hash_work: Callable[..., T], *args: Any) -> T:
        """``hash_work(*args)`` in a hashing thread, once a slot is free."""
        if not self._admitted.acquire(blocking=False):
            raise PasswordHashingBusy
        try:
            if not self._running.acquire(timeout=HASH_SLOT_WAIT_SECONDS):
                raise PasswordHashingBusy
            try:
                return self._hashers.submit(hash_work, *args).result()
            finally:
                self._running.release()
        finally:
            self._admitted.release()


#: hashing threads run this much nicer than the threads that answer requests
HASH_NICENESS = 10


def _yield_the_cpu() -> None:
    """A hashing thread gives way to the threads that answer requests when both want the CPU
    (argon2's lane threads, started from it, inherit its niceness). Linux sets niceness per
    thread; elsewhere it would slow the whole process, so it is left alone there."""
    if sys.platform == "linux":
        os.nice(HASH_NICENESS)  # relative, and capped at 19: never a privilege it lacks


@dataclass(frozen=True)
class Security:
    """What an app instance signs and hashes with; one per app, in ``app.extensions``."""

    settings: Settings
    hasher: PasswordHasher
    dummy_hash: str  # verified against when the user is unknown, so both cases cost the same
    hash_slots: HashSlots

    @classmethod
    def build(cls, settings: Settings, *, time_cost: int, memory_cost: int, parallelism: int) -> Security:
        hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        return cls(
            settings=settings,
            hasher=hasher,
            dummy_hash=hasher.hash(secrets.token_urlsafe(16)),
            # one gunicorn thread of each worker is never given to password checks
            hash_slots=HashSlots(
                running=settings.password_hash_concurrency, admitted=settings.gunicorn_threads - 1
            ),
        )


def current_security() -> Security:
    return current_app.extensions[EXTENSION]


# -- passwords --------------------------------------------------------------------------
def password_hash(password: str) -> str:
    """Raises :class:`PasswordHashingBusy` when no hashing slot comes free in time."""
    sec = current_security()
    return sec.hash_slots.run(sec.hasher.hash, password)


def password_verify(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash to check (unknown users). Raises
    :class:`PasswordHashingBusy` when no hashing slot comes free in time."""
    sec = current_security()
    return sec.hash_slots.run(_verify, sec.hasher, stored_hash or sec.dummy_hash, password) and (
        stored_hash is not None
    )


def _verify(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
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
