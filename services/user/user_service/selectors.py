"""Reads: keyword-only functions named ``<entity>_<action>``; nothing here writes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session
from timekeeper_service.conventions import DEFAULT_PER_PAGE

from user_service.models import RevokedAccessToken, TokenFamily, User
from user_service.pagination import Page
from user_service.security import access_token_decode


def user_get(*, session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def user_get_by_login(*, session: Session, login: str) -> User | None:
    """A user by username or email, case-insensitively (usernames cannot contain "@")."""
    if "\x00" in login:  # no user has one, and Postgres cannot compare text holding one
        return None
    column = User.email if "@" in login else User.username
    return session.scalar(select(User).where(func.lower(column) == login.lower()))


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def user_list(
    *,
    session: Session,
    q: str | None = None,
    is_active: bool | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[User]:
    """Users ordered by username; ``q`` searches username, email and display name."""
    query = select(User)
    if q:
        pattern = _like_pattern(q)
        query = query.where(
            or_(
                User.username.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    if is_active is not None:
        query = query.where(User.is_active.is_(is_active))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    empty = Page[User](items=[], page=page, per_page=per_page, total=total)
    if empty.offset >= total:  # past the last page: nothing to fetch
        return empty
    items = session.scalars(
        query.order_by(func.lower(User.username)).limit(per_page).offset(empty.offset)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def _token_holder(*columns: Any) -> Select[Any]:
    """``columns`` of the user an access token's claims speak for, unless the token (its
    ``jti``) or its session (``sid``) is revoked: one query, one round trip."""
    return select(*columns).where(
        User.id == bindparam("sub"),
        ~exists().where(RevokedAccessToken.jti == bindparam("jti")),
        ~exists().where(TokenFamily.id == bindparam("sid"), TokenFamily.revoked_at.is_not(None)),
    )


# Built once, run with the claims as parameters: a statement built per call costs more CPU
# to build and to key SQLAlchemy's compiled cache than the query does to run, and this one
# runs on every token check. psycopg prepares it on the server after a few runs.
_TOKEN_USER = _token_holder(User)
_TOKEN_HOLDER = _token_holder(User.username, User.roles, User.is_active)


def _token_parameters(claims: dict[str, Any]) -> dict[str, Any]:
    return {"sub": uuid.UUID(claims["sub"]), "jti": claims["jti"], "sid": uuid.UUID(claims["sid"])}


def _held_roles(claims: dict[str, Any], user_roles: list[str]) -> list[str]:
    """The token's roles that the user still holds: a demotion takes effect at once."""
    return sorted(set(claims["roles"]) & set(user_roles))


@dataclass(frozen=True)
class AccessContext:
    """A verified access token and the user it speaks for."""

    user: User
    claims: dict[str, Any]

    @property
    def family_id(self) -> uuid.UUID:
        return uuid.UUID(self.claims["sid"])

    @property
    def roles(self) -> list[str]:
        return _held_roles(self.claims, self.user.roles)


@dataclass(frozen=True)
class TokenHolder:
    """What introspection says of an active access token: its claims, and the username and
    roles of the user it speaks for."""

    claims: dict[str, Any]
    username: str
    roles: list[str]


def access_token_verify(*, session: Session, token: str) -> AccessContext | None:
    """The context of an access token that is active right now, or None.

    Inactive: not ours (bad signature, ``alg=none``, wrong issuer or audience), malformed,
    expired, revoked by jti, from a revoked session, or of a deactivated or deleted user, or
    none of its roles still held.
    """
    claims = access_token_decode(token)
    if claims is None:
        return None
    user = session.scalar(_TOKEN_USER, _token_parameters(claims))
    if user is None or not user.is_active:
        return None
    context = AccessContext(user=user, claims=claims)
    return context if context.roles else None


def access_token_introspect(*, connection: Connection, token: str) -> TokenHolder | None:
    """What :func:`access_token_verify` decides, without loading the user: the columns
    introspection reports, read by Core on ``connection`` (no ORM session to set up)."""
    claims = access_token_decode(token)
    if claims is None:
        return None
    row = connection.execute(_TOKEN_HOLDER, _token_parameters(claims)).one_or_none()
    if row is None or not row.is_active:
        return None
    roles = _held_roles(claims, row.roles)
    return TokenHolder(claims=claims, username=row.username, roles=roles) if roles else None
