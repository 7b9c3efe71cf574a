"""Writes: keyword-only functions named ``<entity>_<action>``; each commits its own work.

Races are decided by the database: registrations by the unique indexes on
``lower(username)`` and ``lower(email)``, refresh-token rotation by one conditional
``UPDATE ... WHERE used_at IS NULL``, a change's If-Match by the user row's lock
(``SELECT ... FOR UPDATE``) under which it is compared.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from psycopg import errors as pg_errors
from sqlalchemy import ColumnElement, ScalarSelect, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from user_service import selectors
from user_service.errors import Conflict, InvalidCredentials, OAuth2Error, ValidationFailed
from user_service.models import ROLES, RefreshToken, RevokedAccessToken, TokenFamily, User
from user_service.security import (
    IssuedAccessToken,
    access_token_decode,
    access_token_encode,
    current_security,
    password_hash,
    password_needs_rehash,
    password_verify,
    refresh_token_digest,
    refresh_token_generate,
)

logger = logging.getLogger(__name__)

# "$(?!\n)": Python's "$" alone lets a final newline in; the lookahead keeps the pattern
# valid ECMA-262 for the OpenAPI document (where "\Z" does not exist)
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$(?!\n)"
USERNAME_RULE = "3 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit"
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
_UNIQUE_INDEX_FIELDS = {"uq_users_username_lower": "username", "uq_users_email_lower": "email"}


def _now() -> datetime:
    return datetime.now(UTC)


def _bad_login() -> OAuth2Error:
    """The one answer to a bad password grant: unknown user, wrong password and inactive look alike."""
    return OAuth2Error("invalid_grant", "Invalid username or password.")


def _bad_refresh() -> OAuth2Error:
    return OAuth2Error("invalid_grant", "The refresh token is invalid, expired or revoked.")


# -- users ------------------------------------------------------------------------------
def password_validate(*, password: str, username: str, email: str) -> None:
    """At least 10 characters, at most 128, and neither the username nor the email."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"Use at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(f"Use at most {PASSWORD_MAX_LENGTH} characters.")
    if password.casefold() in (username.casefold(), email.casefold()):
        problems.append("The password must not be the username or the email address.")
    if problems:
        raise ValidationFailed("The password is too weak.", errors={"password": problems})


def roles_normalize(roles: list[str] | tuple[str, ...]) -> list[str]:
    """Every user has the ``user`` role; unknown roles are refused before we get here."""
    return [role for role in ROLES if role in {"user", *roles}]


def _commit_or_conflict(session: Session) -> None:
    """Commit; a unique-index violation on username or email becomes a 409."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        if isinstance(exc.orig, pg_errors.UniqueViolation):
            field = _UNIQUE_INDEX_FIELDS.get(exc.orig.diag.constraint_name or "")
            if field:
                raise Conflict(f"That {field} is already taken.", errors={field: ["Already taken."]}) from exc
        raise


def user_create(
    *,
    session: Session,
    username: str,
    email: str,
    password: str,
    display_name: str | None = None,
    roles: tuple[str, ...] = ("user",),
) -> User:
    if not re.match(USERNAME_PATTERN, username):  # the API checks it too; the CLI and env do not
        raise ValidationFailed("The username is not valid.", errors={"username": [f"Use {USERNAME_RULE}."]})
    password_validate(password=password, username=username, email=email)
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        password_hash=password_hash(password),
        roles=roles_normalize(roles),
    )
    session.add(user)
    _commit_or_conflict(session)
    logger.info("user created", extra={"user_id": str(user.id)})
    return user


_UNSET: object = object()


def _lock(session: Session, user: User, precondition: Callable[[User], None] | None) -> None:
    """Reread ``user`` under its row lock and run ``precondition`` (an If-Match check) on what
    is stored now: of two changes based on one version, the second sees the first's."""
    session.refresh(user, with_for_update=True)
    if precondition is not None:
        precondition(user)


def user_update(
    *,
    session: Session,
    user: User,
    current_family_id: uuid.UUID | None,
    display_name: str | object | None = _UNSET,
    email: str | object = _UNSET,
    password: str | object = _UNSET,
    current_password: str | None = None,
    precondition: Callable[[User], None] | None = None,
) -> User:
    """The user's own changes. A new password needs the current one and ends every other session."""
    _lock(session, user, precondition)
    if display_name is not _UNSET:
        user.display_name = display_name  # type: ignore[assignment]
    if email is not _UNSET:
        user.email = email  # type: ignore[assignment]
    if password is not _UNSET:
        assert isinstance(password, str)
        if not current_password or not password_verify(user.password_hash, current_password):
            raise InvalidCredentials(
                "The current password is wrong.",
                errors={"current_password": ["Does not match."]},
            )
        password_validate(password=password, username=user.username, email=user.email)
        user.password_hash = password_hash(password)
        user.password_changed_at = _now()
        token_families_revoke(session=session, user_id=user.id, keep=current_family_id, commit=False)
    _commit_or_conflict(session)
    return user


def user_admin_update(
    *,
    session: Session,
    actor: User,
    user: User,
    is_active: bool | None = None,
    roles: list[str] | None = None,
    precondition: Callable[[User], None] | None = None,
) -> User:
    """An admin deactivates, reactivates or changes the roles of a user (never their own)."""
    _lock(session, user, precondition)
    if user.id == actor.id and (is_active is False or (roles is not None and "admin" not in roles)):
        raise Conflict("Admins cannot deactivate or demote themselves.")
    if roles is not None:
        user.roles = roles_normalize(roles)
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        if not is_active:
            token_families_revoke(session=session, user_id=user.id, commit=False)
    session.commit()
    logger.info(
        "user changed by admin",
        extra={"user_id": str(user.id), "actor_id": str(actor.id), "is_active": user.is_active},
    )
    return user


def admin_ensure(*, session: Session, username: str, email: str, password: str) -> tuple[User, bool]:
    """Create the admin, or give an existing user of that name the admin role (idempotent)."""
    user = selectors.user_get_by_login(session=session, login=username)
    if user is None:
        return user_create(
            session=session, username=username, email=email, password=password, roles=("user", "admin")
        ), True
    if not user.is_admin or not user.is_active:
        user.roles = roles_normalize([*user.roles, "admin"])
        user.is_active = True
        session.commit()
    return user, False


# -- tokens -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenPair:
    access: IssuedAccessToken
    refresh_token: str


def _token_pair_issue(*, session: Session, user: User, family_id: uuid.UUID) -> TokenPair:
    """Store a new refresh token of the family, commit, and sign the access token."""
    refresh_token = refresh_token_generate()
    ttl = timedelta(seconds=current_security().settings.refresh_token_ttl_seconds)
    session.add(
        RefreshToken(
            family_id=family_id, token_hash=refresh_token_digest(refresh_token), expires_at=_now() + ttl
        )
    )
    session.commit()
    return TokenPair(
        access=access_token_encode(user_id=user.id, roles=user.roles, family_id=family_id),
        refresh_token=refresh_token,
    )


def token_issue(*, session: Session, login: str, password: str) -> TokenPair:
    """The password grant: a new session (token family), an access and a refresh token."""
    user = selectors.user_get_by_login(session=session, login=login)
    if not password_verify(user.password_hash if user else None, password):
        raise _bad_login()
    assert user is not None
    if not user.is_active:
        raise _bad_login()
    if password_needs_rehash(user.password_hash):
        user.password_hash = password_hash(password)
    family = TokenFamily(id=uuid.uuid4(), user_id=user.id)
    session.add(family)
    session.flush()
    return _token_pair_issue(session=session, user=user, family_id=family.id)


def token_refresh(*, session: Session, refresh_token: str) -> TokenPair:
    """The refresh grant: spend the token, hand out its successor in the same family.

    Spending is one conditional UPDATE, so of two concurrent uses at most one wins; the
    loser sees a spent token, which is reuse, and reuse revokes the whole family.
    """
    digest = refresh_token_digest(refresh_token)
    now = _now()
    spent = session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == digest, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .returning(RefreshToken.family_id, RefreshToken.expires_at)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if spent is None:
        revoked = _families_revoke(session, TokenFamily.id.in_(_family_of(digest)))
        session.commit()
        if revoked:
            logger.warning("refresh token reused; session revoked", extra={"family_id": str(revoked[0])})
        raise _bad_refresh()
    family = session.get(TokenFamily, spent.family_id)
    user = session.get(User, family.user_id) if family else None
    if (
        family is None
        or family.revoked_at is not None
        or spent.expires_at <= now
        or not (user and user.is_active)
    ):
        session.rollback()
        raise _bad_refresh()
    return _token_pair_issue(session=session, user=user, family_id=family.id)


def _family_of(digest: str) -> ScalarSelect[uuid.UUID]:
    return select(RefreshToken.family_id).where(RefreshToken.token_hash == digest).scalar_subquery()


def _families_revoke(session: Session, *conditions: ColumnElement[bool]) -> list[uuid.UUID]:
    """Revoke the live token families matching ``conditions``; their ids."""
    return list(
        session.scalars(
            update(TokenFamily)
            .where(TokenFamily.revoked_at.is_(None), *conditions)
            .values(revoked_at=_now())
            .returning(TokenFamily.id)
            .execution_options(synchronize_session=False)
        )
    )


def token_families_revoke(
    *, session: Session, user_id: uuid.UUID, keep: uuid.UUID | None = None, commit: bool = True
) -> None:
    """End every session of a user (but ``keep``)."""
    conditions = [TokenFamily.user_id == user_id]
    if keep is not None:
        conditions.append(TokenFamily.id != keep)
    _families_revoke(session, *conditions)
    if commit:
        session.commit()


def token_revoke(*, session: Session, token: str, token_type_hint: str | None = None) -> None:
    """RFC 7009: a refresh token ends its family; an access token is revoked by jti.

    Unknown, invalid and already revoked tokens are no error (RFC 7009 section 2.2).
    """
    kinds = ["access_token", "refresh_token"]
    if token_type_hint == "refresh_token":  # noqa: S105 - a token type, not a secret
        kinds.reverse()
    for kind in kinds:
        if (_access_token_revoke if kind == "access_token" else _refresh_family_revoke)(
            session=session, token=token
        ):
            break
    session.commit()


def _access_token_revoke(*, session: Session, token: str) -> bool:
    claims = access_token_decode(token, verify_exp=False)
    if claims is None:
        return False
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    if expires_at > _now():
        session.execute(
            insert(RevokedAccessToken)
            .values(jti=claims["jti"], expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=[RevokedAccessToken.jti])
        )
    # an expired token is inactive anyway: its row is no longer needed
    session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at <= _now()))
    return True


def _refresh_family_revoke(*, session: Session, token: str) -> bool:
    digest = refresh_token_digest(token)
    if session.scalar(select(RefreshToken.family_id).where(RefreshToken.token_hash == digest)) is None:
        return False
    _families_revoke(session, TokenFamily.id.in_(_family_of(digest)))
    return True
