"""POST /internal/v1/introspect (RFC 7662): every answer checked against the contract."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import jwt
import pytest
from jsonschema import Draft202012Validator
from psycopg.pq import TransactionStatus
from sqlalchemy import event

from tests.factories import PASSWORD, user_create
from tests.helpers import (
    INTROSPECT_URL,
    SERVICE_ID,
    SERVICE_SECRET,
    SIGNING_KEY,
    assert_oauth2_error,
    basic,
    bearer,
    introspect,
    login,
)
from user_service import db
from user_service.models import User

CONTRACT = Path(__file__).resolve().parents[4] / "contracts" / "introspection.schema.json"
ADMIN_URL = "/api/users/v1/users"


@pytest.fixture(scope="module")
def contract() -> Draft202012Validator:
    schema = json.loads(CONTRACT.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
def ask(client, service_headers, contract):
    """Introspect a token; assert the answer is exactly one of the contract's shapes."""

    def ask(token: str) -> dict:
        answer = introspect(client, token, service_headers)
        contract.validate(answer)
        return answer

    return ask


def claims_of(token: str) -> dict:
    return jwt.decode(token, SIGNING_KEY, algorithms=["HS256"], audience="timekeeper")


def resign(token: str, key: str = SIGNING_KEY, algorithm: str = "HS256", **changes) -> str:
    claims = {**claims_of(token), **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm)


def test_active_token(ask, user, tokens):
    answer = ask(tokens["access_token"])
    claims = claims_of(tokens["access_token"])
    assert answer == {
        "active": True,
        "sub": str(user.id),
        "username": "ada",
        "roles": ["user"],
        "exp": claims["exp"],
        "iat": claims["iat"],
        "jti": claims["jti"],
        "token_type": "access_token",
        "iss": "timekeeper-users",
        "aud": "timekeeper",
    }


def test_admin_roles(ask, client, admin):
    assert ask(login(client, "root")["access_token"])["roles"] == ["admin", "user"]


def test_answers_are_not_cached(client, tokens, service_headers):
    response = client.post(INTROSPECT_URL, data={"token": tokens["access_token"]}, headers=service_headers)
    assert response.headers["Cache-Control"] == "no-store"


def test_one_statement_outside_a_transaction(app, client, tokens, service_headers):
    """Introspection runs on every auth-cache miss of every service: its read is one
    statement on an autocommit connection, one round trip (no BEGIN, no ROLLBACK)."""
    statements = []

    def record(_conn, cursor, statement, *_args) -> None:
        statements.append((statement, cursor.connection.info.transaction_status))

    with app.app_context():
        engine = db.get_engine()
    event.listen(engine, "after_cursor_execute", record)
    try:
        assert introspect(client, tokens["access_token"], service_headers)["active"] is True
    finally:
        event.remove(engine, "after_cursor_execute", record)
    assert [status for _, status in statements] == [TransactionStatus.IDLE], statements


def _none_signed(token: str) -> str:
    header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).decode()
    payload = jwt.utils.base64url_encode(json.dumps(claims_of(token)).encode()).decode()
    return f"{header}.{payload}."


INACTIVE_VARIANTS = {
    "garbage": lambda t: "garbage",
    "empty-segments": lambda t: "..",
    "truncated": lambda t: t[:-5],
    "too-long": lambda t: t + "A" * 5000,
    "expired": lambda t: resign(t, exp=int(time.time()) - 1, iat=int(time.time()) - 901),
    "foreign-signed": lambda t: resign(t, key="another-service-key-0123456789abcdef"),
    "alg-none": _none_signed,
    "hs512": lambda t: resign(t, algorithm="HS512"),
    "wrong-issuer": lambda t: resign(t, iss="someone-else"),
    "wrong-audience": lambda t: resign(t, aud="other-audience"),
    "no-jti": lambda t: resign(t, jti=None),
    "no-sid": lambda t: resign(t, sid=None),
    "no-roles": lambda t: resign(t, roles=None),
    "sub-not-a-user-id": lambda t: resign(t, sub="42"),
    "unknown-user": lambda t: resign(t, sub=str(uuid.uuid4())),
    "roles-not-a-list": lambda t: resign(t, roles="admin"),
    "escalated-roles": lambda t: resign(t, roles=["superuser"]),
}


@pytest.mark.parametrize("variant", INACTIVE_VARIANTS, ids=list(INACTIVE_VARIANTS))
def test_inactive_tokens(ask, tokens, variant):
    assert ask(INACTIVE_VARIANTS[variant](tokens["access_token"])) == {"active": False}


def test_a_refresh_token_is_not_an_access_token(ask, tokens):
    assert ask(tokens["refresh_token"]) == {"active": False}


def test_revoked_access_token(ask, client, tokens):
    client.post("/api/users/v1/token/revoke", data={"token": tokens["access_token"]})
    assert ask(tokens["access_token"]) == {"active": False}


def test_token_of_a_revoked_session(ask, client, tokens):
    client.post("/api/users/v1/token/revoke", data={"token": tokens["refresh_token"]})
    assert ask(tokens["access_token"]) == {"active": False}


def test_token_of_a_family_revoked_by_reuse(ask, client, tokens):
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    rotated = client.post("/api/users/v1/token", data=form).get_json()
    client.post("/api/users/v1/token", data=form)  # reuse
    assert ask(rotated["access_token"]) == {"active": False}


def test_deactivated_user_tokens_are_inactive(ask, client, tokens, user, admin_headers):
    assert ask(tokens["access_token"])["active"] is True
    response = client.patch(f"{ADMIN_URL}/{user.id}", json={"is_active": False}, headers=admin_headers)
    assert response.status_code == 200
    assert ask(tokens["access_token"]) == {"active": False}
    # reactivation does not bring old sessions back
    client.patch(f"{ADMIN_URL}/{user.id}", json={"is_active": True}, headers=admin_headers)
    assert ask(tokens["access_token"]) == {"active": False}
    assert ask(login(client, "ada")["access_token"])["active"] is True


def test_deactivated_in_the_database_directly(app, ask, tokens):
    with app.app_context():
        session = db.get_session()
        session.query(User).update({"is_active": False})
        session.commit()
    assert ask(tokens["access_token"]) == {"active": False}


def test_demotion_takes_effect_at_once(ask, app, client, admin, admin_headers):
    other_admin = user_create(app, username="second", email="second@example.com", roles=("user", "admin"))
    token = login(client, "second", PASSWORD)["access_token"]
    assert ask(token)["roles"] == ["admin", "user"]
    client.patch(f"{ADMIN_URL}/{other_admin.id}", json={"roles": ["user"]}, headers=admin_headers)
    assert ask(token)["roles"] == ["user"]


# -- the caller --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic(SERVICE_ID, "wrong-secret"),
        basic("someone", SERVICE_SECRET),
        basic(SERVICE_ID, ""),
        basic(SERVICE_ID, SERVICE_SECRET + "x"),
        {"Authorization": "Bearer " + SERVICE_SECRET},
        {"Authorization": "Basic not-base64!"},
    ],
    ids=["none", "wrong-secret", "wrong-id", "empty-secret", "longer-secret", "bearer", "garbled"],
)
def test_wrong_service_credentials_are_401(client, tokens, headers):
    response = client.post(INTROSPECT_URL, data={"token": tokens["access_token"]}, headers=headers)
    assert_oauth2_error(response, 401, "invalid_client")
    assert "active" not in response.get_json()


def test_an_access_token_is_no_service_credential(client, tokens, auth_headers):
    response = client.post(INTROSPECT_URL, data={"token": tokens["access_token"]}, headers=auth_headers)
    assert_oauth2_error(response, 401, "invalid_client")


def test_an_empty_secret_is_refused(client, tokens):
    """INTROSPECTION_CLIENT_SECRET is never empty (an empty variable means its default, which
    production refuses), so an empty secret never matches."""
    response = client.post(INTROSPECT_URL, data={"token": "x"}, headers=basic(SERVICE_ID, ""))
    assert_oauth2_error(response, 401, "invalid_client")


@pytest.mark.parametrize(
    ("kwargs"),
    [{"data": {}}, {"data": {"token": ""}}, {"json": {"token": "x"}}, {"data": "token=a&token=b"}],
    ids=["no-token", "empty-token", "json-body", "repeated"],
)
def test_malformed_calls_are_400(client, service_headers, kwargs):
    if isinstance(kwargs.get("data"), str):
        kwargs["content_type"] = "application/x-www-form-urlencoded"
    response = client.post(INTROSPECT_URL, headers=service_headers, **kwargs)
    assert_oauth2_error(response, 400, "invalid_request")


def test_get_is_405_problem(client, service_headers):
    response = client.get(INTROSPECT_URL, headers=service_headers)
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_bearer_tokens_stay_usable_for_the_api(client, tokens):
    assert client.get("/api/users/v1/users/me", headers=bearer(tokens["access_token"])).status_code == 200
