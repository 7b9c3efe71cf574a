"""Accounts: register, the caller's own account, and the admin's view of everyone."""

from __future__ import annotations

import uuid
from typing import Any

from apiflask import Schema
from apiflask.fields import UUID, Boolean, DateTime, Email, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Regexp
from flask import request
from marshmallow import ValidationError, validates_schema
from timekeeper_service.conventions import ETAG_DESCRIPTION, LINK_DESCRIPTION, etag, link_header

from user_service import conditional, idempotency, selectors, services
from user_service.auth import bearer, current_access, role_required
from user_service.db import get_session
from user_service.errors import NotFound
from user_service.models import ROLES, User
from user_service.pagination import Page, PageQuery
from user_service.parsers import APIBlueprint

bp = APIBlueprint("users", __name__, url_prefix="/api/users/v1/users", tag="Users")

_username = {
    "required": True,
    "validate": Regexp(services.USERNAME_PATTERN, error=f"Use {services.USERNAME_RULE}."),
    "metadata": {"description": services.USERNAME_RULE, "example": "ada"},
}
#: one line of text: Postgres cannot store NUL, and no name needs a control character
#: ("$(?!\n)" as in services.USERNAME_PATTERN)
_one_line = Regexp(r"^[^\x00-\x1f\x7f]*$(?!\n)", error="Control characters are not allowed.")
_email = {"validate": [Length(max=254), _one_line], "metadata": {"example": "ada@example.com"}}
_password = {
    "load_only": True,
    "metadata": {
        "format": "password",
        "description": "at least 10 characters, not the username or the email",
    },
}
_display_name = {
    "allow_none": True,
    "validate": [Length(max=100), _one_line],
    "metadata": {"example": "Ada Lovelace"},
}


class UserIn(Schema):
    username = String(**_username)
    email = Email(required=True, **_email)
    password = String(required=True, **_password)
    display_name = String(**_display_name)


class UserOut(Schema):
    id = UUID(required=True)
    username = String(required=True)
    email = String(required=True, metadata={"format": "email"})
    display_name = String(allow_none=True)
    roles = List(String(validate=OneOf(ROLES)), required=True)
    is_active = Boolean(required=True)
    created_at = DateTime(required=True)


class MeUpdateIn(Schema):
    display_name = String(**_display_name)
    email = Email(**_email)
    password = String(**_password)
    current_password = String(
        load_only=True, metadata={"format": "password", "description": "required with `password`"}
    )

    @validates_schema
    def _password_needs_current(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "password" in data and not data.get("current_password"):
            raise ValidationError("Required to set a new password.", field_name="current_password")


class UserAdminUpdateIn(Schema):
    is_active = Boolean(metadata={"description": "false deactivates the user and ends their sessions"})
    roles = List(
        String(validate=OneOf(ROLES)),
        metadata={"description": "`user` is always kept"},
    )


class UserListQuery(PageQuery):
    q = String(
        validate=[Length(min=1, max=100), _one_line], metadata={"description": "search username, email, name"}
    )
    is_active = Boolean()


class UserPageOut(Schema):
    items = List(Nested(UserOut), required=True)
    page = Integer(required=True)
    per_page = Integer(required=True)
    total = Integer(required=True)
    pages = Integer(required=True)


def _user_or_404(user_id: uuid.UUID) -> User:
    user = selectors.user_get(session=get_session(), user_id=user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def user_etag(user: User) -> str:
    """The ETag of a user's representation (``UserOut``): the same for /me and /users/{id}."""
    return etag(UserOut().dump(user))


_ETAG = {"ETag": String(required=True, metadata={"description": ETAG_DESCRIPTION})}
_NOT_MODIFIED = {304: {"description": "Not Modified: If-None-Match still matches", "headers": _ETAG}}
_PRECONDITION_FAILED = {412: "Precondition Failed: the user changed since the ETag in If-Match"}


def _read(user: User, headers: dict[str, Any]) -> Any:
    """``user`` with its ETag, or the 304 when If-None-Match still matches it."""
    etag = user_etag(user)
    return conditional.not_modified(headers, etag) or (user, 200, {"ETag": etag})


@bp.post("")
@bp.input(idempotency.KeyHeaders, location="headers", arg_name="idempotency")
@bp.input(UserIn, arg_name="data")
@idempotency.idempotent(scope=lambda: idempotency.REGISTRATION_SCOPE)
@bp.output(UserOut, status_code=201, headers=idempotency.REPLAYED)
@bp.doc(
    summary="Register",
    operation_id="users_register",
    description=(
        "Registration has no caller, so its Idempotency-Keys are one space shared by every "
        "client: make yours unguessable (a UUID). A replay answers only a request with the same "
        "body, password included, so it tells nobody anything they did not send."
    ),
    responses={409: "Conflict", 422: "Unprocessable Content: the Idempotency-Key came with another request"},
)
def register(data: dict[str, Any]) -> User:
    return services.user_create(session=get_session(), **data)


@bp.get("/me")
@bp.auth_required(bearer)
@bp.input(conditional.ReadHeaders, location="headers", arg_name="headers")
@bp.output(UserOut, headers=_ETAG)
@bp.doc(summary="My account", operation_id="users_me_retrieve", responses=_NOT_MODIFIED)
def me(headers: dict[str, Any]) -> Any:
    return _read(current_access().user, headers)


@bp.patch("/me")
@bp.auth_required(bearer)
@bp.input(conditional.ChangeHeaders, location="headers", arg_name="headers")
@bp.input(MeUpdateIn(partial=True), arg_name="data")
@bp.output(UserOut, headers=_ETAG)
@bp.doc(
    summary="Change my account",
    operation_id="users_me_partial_update",
    description="A new password needs `current_password` and ends every other session.",
    responses={403: "Forbidden", 409: "Conflict", **_PRECONDITION_FAILED},
)
def me_update(headers: dict[str, Any], data: dict[str, Any]) -> Any:
    access = current_access()
    user = services.user_update(
        session=get_session(),
        user=access.user,
        current_family_id=access.family_id,
        precondition=conditional.if_match(headers, user_etag),
        **data,
    )
    return user, 200, {"ETag": user_etag(user)}


@bp.get("")
@bp.auth_required(bearer)
@role_required("admin")
@bp.input(UserListQuery, location="query", arg_name="query")
@bp.output(UserPageOut, headers={"Link": String(required=True, metadata={"description": LINK_DESCRIPTION})})
@bp.doc(summary="List users (admin)", operation_id="users_list", responses=[403])
def user_list(query: dict[str, Any]) -> tuple[Page[User], int, dict[str, str]]:
    page = selectors.user_list(session=get_session(), **query)
    link = link_header(
        request.path, request.args.items(multi=True), page=page.page, per_page=page.per_page, pages=page.pages
    )
    return page, 200, {"Link": link}


@bp.get("/<uuid:user_id>")
@bp.auth_required(bearer)
@role_required("admin")
@bp.input(conditional.ReadHeaders, location="headers", arg_name="headers")
@bp.output(UserOut, headers=_ETAG)
@bp.doc(
    summary="A user (admin)",
    operation_id="users_retrieve",
    responses={403: "Forbidden", 404: "Not Found", **_NOT_MODIFIED},
)
def user_get(user_id: uuid.UUID, headers: dict[str, Any]) -> Any:
    return _read(_user_or_404(user_id), headers)


@bp.patch("/<uuid:user_id>")
@bp.auth_required(bearer)
@role_required("admin")
@bp.input(conditional.ChangeHeaders, location="headers", arg_name="headers")
@bp.input(UserAdminUpdateIn(partial=True), arg_name="data")
@bp.output(UserOut, headers=_ETAG)
@bp.doc(
    summary="Change a user (admin)",
    operation_id="users_partial_update",
    responses={403: "Forbidden", 404: "Not Found", 409: "Conflict", **_PRECONDITION_FAILED},
)
def user_update(user_id: uuid.UUID, headers: dict[str, Any], data: dict[str, Any]) -> Any:
    user = services.user_admin_update(
        session=get_session(),
        actor=current_access().user,
        user=_user_or_404(user_id),
        precondition=conditional.if_match(headers, user_etag),
        **data,
    )
    return user, 200, {"ETag": user_etag(user)}
