"""Provider side: what the user service really answers on /internal/v1/introspect is the contract."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
import requests
from jsonschema import Draft202012Validator

from tests.helpers import CLIENT_ID, Stack, admin, introspect, load_contract, register

SCHEMA = load_contract("introspection.schema.json")
VALIDATOR = Draft202012Validator(SCHEMA)


def conforming(response: requests.Response) -> dict[str, Any]:
    """The answer's JSON, after checking it is a contract answer."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(body)]
    assert not errors, f"the user service broke the introspection contract: {errors}\n{body}"
    return body


def test_schema_is_valid_draft_2020_12_and_its_examples_validate() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["examples"], "the schema documents itself with examples"
    for example in SCHEMA["examples"]:
        VALIDATOR.validate(example)
    assert {example["active"] for example in SCHEMA["examples"]} == {True, False}


def test_active_token(stack: Stack) -> None:
    account = register(stack)
    body = conforming(introspect(stack, account.access_token))
    assert body["active"] is True
    assert (body["sub"], body["username"], body["roles"]) == (account.id, account.username, ["user"])
    assert body["iat"] <= time.time() < body["exp"]


def test_admin_token_names_both_roles(stack: Stack) -> None:
    body = conforming(introspect(stack, admin(stack).access_token))
    assert body["active"] is True
    assert sorted(body["roles"]) == ["admin", "user"]


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "x" * 5000, "ünïcödé"],
    ids=["garbage", "three-dots", "alg-none", "huge", "non-ascii"],
)
def test_garbage_is_a_lone_inactive(stack: Stack, token: str) -> None:
    assert conforming(introspect(stack, token)) == {"active": False}


def _resigned(stack: Stack, token: str, **claims: Any) -> str:
    """The same token with some claims changed, signed with the user service's own key."""
    original = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode({**original, **claims}, stack.jwt_signing_key, algorithm="HS256")


def test_expired_token_is_inactive(stack: Stack) -> None:
    account = register(stack)
    now = int(time.time())
    still_valid = _resigned(stack, account.access_token, jti=uuid.uuid4().hex, iat=now - 60, exp=now + 60)
    assert conforming(introspect(stack, still_valid))["active"] is True  # the forgery itself is sound
    expired = _resigned(stack, account.access_token, jti=uuid.uuid4().hex, iat=now - 120, exp=now - 60)
    assert conforming(introspect(stack, expired)) == {"active": False}


def test_token_signed_with_another_key_is_inactive(stack: Stack) -> None:
    account = register(stack)
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    foreign = jwt.encode(claims, "another-key-" + "x" * 40, algorithm="HS256")
    assert conforming(introspect(stack, foreign)) == {"active": False}


def test_revoked_token_is_inactive(stack: Stack) -> None:
    account = register(stack)
    assert conforming(introspect(stack, account.access_token))["active"] is True
    revoked = requests.post(
        f"{stack.user.url}/api/users/v1/token/revoke", data={"token": account.access_token}, timeout=10
    )
    assert revoked.status_code == 200, revoked.text
    assert conforming(introspect(stack, account.access_token)) == {"active": False}


def test_deactivated_users_token_is_inactive(stack: Stack) -> None:
    account = register(stack)
    assert conforming(introspect(stack, account.access_token))["active"] is True
    response = requests.patch(
        f"{stack.user.url}/api/users/v1/users/{account.id}",
        json={"is_active": False},
        headers=admin(stack).headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert conforming(introspect(stack, account.access_token)) == {"active": False}


def test_wrong_service_credentials_are_refused_not_answered(stack: Stack) -> None:
    """Outside the answer schema: a caller that is not a known service learns nothing."""
    account = register(stack)
    response = requests.post(
        f"{stack.user.url}/internal/v1/introspect",
        data={"token": account.access_token},
        auth=(CLIENT_ID, "wrong"),
        timeout=10,
    )
    assert response.status_code == 401
    assert "active" not in response.text
