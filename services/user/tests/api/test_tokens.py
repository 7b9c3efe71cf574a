"""POST /api/users/v1/token (RFC 6749) and /token/revoke (RFC 7009)."""

from __future__ import annotations

import base64
import time
from functools import partial

import jwt
import pytest
from argon2 import extract_parameters

from tests.factories import PASSWORD, user_create
from tests.helpers import SIGNING_KEY, TOKEN_URL, assert_oauth2_error, bearer, login, make_app, run_together
from user_service import db
from user_service.models import RefreshToken, RevokedAccessToken, User

ME = "/api/users/v1/users/me"
REVOKE_URL = f"{TOKEN_URL}/revoke"


def refresh(client, refresh_token, **extra):
    return client.post(
        TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    )


# -- password grant ---------------------------------------------------------------------
def test_password_grant(client, user):
    response = client.post(
        TOKEN_URL, data={"grant_type": "password", "username": "ada", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.get_json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"]
    claims = jwt.decode(body["access_token"], SIGNING_KEY, algorithms=["HS256"], audience="timekeeper")
    assert claims["sub"] == str(user.id)
    assert claims["iss"] == "timekeeper-users"
    assert claims["aud"] == "timekeeper"
    assert claims["roles"] == ["user"]
    assert claims["exp"] - claims["iat"] == 900
    assert {"jti", "sid"} <= claims.keys()
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"


@pytest.mark.parametrize("login_as", ["ada", "ADA", "ada@example.com", "Ada@Example.COM"])
def test_login_with_username_or_email_any_case(client, user, login_as):
    assert login(client, login_as)["access_token"]


def test_wrong_password_and_unknown_user_look_alike(client, user):
    wrong = client.post(
        TOKEN_URL, data={"grant_type": "password", "username": "ada", "password": "not the password"}
    )
    unknown = client.post(
        TOKEN_URL, data={"grant_type": "password", "username": "nobody", "password": PASSWORD}
    )
    assert_oauth2_error(wrong, 400, "invalid_grant")
    assert_oauth2_error(unknown, 400, "invalid_grant")
    assert wrong.get_json() == unknown.get_json()


def test_login_rehashes_a_password_hashed_with_old_parameters(app, settings, user):
    stronger = make_app(settings, ARGON2_TIME_COST=2)
    login(stronger.test_client(), "ada")
    with app.app_context():
        stored = db.get_session().get(User, user.id).password_hash
    assert extract_parameters(stored).time_cost == 2
    login(stronger.test_client(), "ada")  # and the new hash verifies


def test_refresh_tokens_are_stored_hashed(app, tokens):
    with app.app_context():
        stored = [row.token_hash for row in db.get_session().query(RefreshToken)]
    assert stored
    assert tokens["refresh_token"] not in stored


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password", "username": "ada"}, "invalid_request"),
        ({"grant_type": "password", "password": PASSWORD}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
    ],
)
def test_token_request_errors(client, user, form, error):
    assert_oauth2_error(client.post(TOKEN_URL, data=form), 400, error)


def test_unknown_parameters_are_ignored(client, user):
    form = {
        "grant_type": "password",
        "username": "ada",
        "password": PASSWORD,
        "scope": "",
        "client_id": "swagger",
    }
    assert client.post(TOKEN_URL, data=form).status_code == 200


def test_json_body_is_invalid_request(client, user):
    response = client.post(
        TOKEN_URL, json={"grant_type": "password", "username": "ada", "password": PASSWORD}
    )
    assert_oauth2_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("grant_type=password&grant_type=refresh_token", "application/x-www-form-urlencoded"),
        ("\xff\xfe%%%&&==", "application/x-www-form-urlencoded"),
        ("--x\r\nbroken", "multipart/form-data"),
        ("--x\r\nbroken", "multipart/form-data; boundary=x"),
        ("", ""),
    ],
)
def test_malformed_form_is_invalid_request_never_500(client, body, content_type):
    response = client.post(TOKEN_URL, data=body.encode("latin-1"), content_type=content_type)
    assert_oauth2_error(response, 400, "invalid_request")


def test_swagger_ui_empty_basic_client_auth_is_accepted(client, user):
    """Swagger UI sends ``Authorization: Basic base64(":")`` when no client id is set."""
    headers = {"Authorization": "Basic " + base64.b64encode(b":").decode()}
    form = {"grant_type": "password", "username": "ada", "password": PASSWORD}
    assert client.post(TOKEN_URL, data=form, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("headers", "extra"),
    [
        ({"Authorization": "Basic " + base64.b64encode(b"someclient:secret").decode()}, {}),
        ({"Authorization": "Bearer abc"}, {}),
        ({"Authorization": "Basic !!!"}, {}),
        ({}, {"client_id": "someclient", "client_secret": "secret"}),
    ],
)
def test_client_authentication_is_invalid_client(client, user, headers, extra):
    form = {"grant_type": "password", "username": "ada", "password": PASSWORD, **extra}
    response = client.post(TOKEN_URL, data=form, headers=headers)
    body = assert_oauth2_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="timekeeper"'
    assert body["error_description"]


def test_deactivated_user_cannot_log_in(app, client):
    user_create(app, username="gone", email="gone@example.com")
    with app.app_context():
        session = db.get_session()
        session.query(User).filter_by(username="gone").update({"is_active": False})
        session.commit()
    response = client.post(
        TOKEN_URL, data={"grant_type": "password", "username": "gone", "password": PASSWORD}
    )
    assert_oauth2_error(response, 400, "invalid_grant")


# -- refresh grant ----------------------------------------------------------------------
def test_refresh_rotates(client, tokens):
    response = refresh(client, tokens["refresh_token"])
    assert response.status_code == 200
    rotated = response.get_json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 200
    # the successor rotates again
    assert refresh(client, rotated["refresh_token"]).status_code == 200


def test_refresh_reuse_revokes_the_family(client, tokens):
    second = refresh(client, tokens["refresh_token"]).get_json()
    third = refresh(client, second["refresh_token"]).get_json()

    reuse = refresh(client, tokens["refresh_token"])  # spent: someone replays it
    assert_oauth2_error(reuse, 400, "invalid_grant")

    # every token of the family is dead now, the newest included
    assert_oauth2_error(refresh(client, third["refresh_token"]), 400, "invalid_grant")
    for access in (tokens, second, third):
        assert client.get(ME, headers=bearer(access["access_token"])).status_code == 401


def test_refresh_reuse_leaves_other_sessions_alone(client, user, tokens):
    other = login(client, "ada")
    refresh(client, tokens["refresh_token"])
    refresh(client, tokens["refresh_token"])
    assert refresh(client, other["refresh_token"]).status_code == 200


def test_unknown_refresh_token(client, user):
    assert_oauth2_error(refresh(client, "made-up"), 400, "invalid_grant")


def test_an_access_token_is_no_refresh_token(client, tokens):
    assert_oauth2_error(refresh(client, tokens["access_token"]), 400, "invalid_grant")


def test_expired_refresh_token(app, client, tokens):
    with app.app_context():
        session = db.get_session()
        session.query(RefreshToken).update({"expires_at": RefreshToken.created_at})
        session.commit()
    assert_oauth2_error(refresh(client, tokens["refresh_token"]), 400, "invalid_grant")


def test_concurrent_uses_of_one_refresh_token_at_most_one_wins(app, tokens):
    """Decided by one conditional UPDATE in the database, not by Python."""
    for _ in range(4):
        clients = [app.test_client() for _ in range(2)]
        responses = run_together(*(partial(refresh, c, tokens["refresh_token"]) for c in clients))
        assert sorted(r.status_code for r in responses) in ([200, 400], [400, 400])
        tokens = login(app.test_client(), "ada")


# -- revoke (RFC 7009) ------------------------------------------------------------------
def test_revoke_refresh_token_ends_the_session(client, tokens, auth_headers):
    response = client.post(
        REVOKE_URL, data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    )
    assert response.status_code == 200
    assert_oauth2_error(refresh(client, tokens["refresh_token"]), 400, "invalid_grant")
    assert client.get(ME, headers=auth_headers).status_code == 401


def test_revoke_access_token_by_jti(client, tokens, auth_headers):
    other_session = login(client, "ada")
    assert client.post(REVOKE_URL, data={"token": tokens["access_token"]}).status_code == 200
    assert client.get(ME, headers=auth_headers).status_code == 401
    # the session's refresh token and other sessions live on
    assert client.get(ME, headers=bearer(other_session["access_token"])).status_code == 200
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_revoke_twice_and_with_a_wrong_hint(client, tokens):
    for _ in range(2):
        response = client.post(
            REVOKE_URL, data={"token": tokens["access_token"], "token_type_hint": "refresh_token"}
        )
        assert response.status_code == 200


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000])
def test_revoke_unknown_token_is_200(client, user, token):
    assert client.post(REVOKE_URL, data={"token": token}).status_code == 200


def test_revoke_needs_a_token(client):
    assert_oauth2_error(client.post(REVOKE_URL, data={}), 400, "invalid_request")
    assert_oauth2_error(client.post(REVOKE_URL, json={"token": "x"}), 400, "invalid_request")


def test_revoke_an_expired_access_token_is_200(client, tokens):
    claims = jwt.decode(tokens["access_token"], SIGNING_KEY, algorithms=["HS256"], audience="timekeeper")
    claims["exp"] = int(time.time()) - 60
    expired = jwt.encode(claims, SIGNING_KEY, algorithm="HS256")
    assert client.post(REVOKE_URL, data={"token": expired}).status_code == 200


def test_revoked_jtis_are_kept_until_their_tokens_expire(app, client, tokens):
    client.post(REVOKE_URL, data={"token": tokens["access_token"]})
    with app.app_context():
        session = db.get_session()
        assert session.query(RevokedAccessToken).count() == 1
        session.query(RevokedAccessToken).update({"expires_at": RevokedAccessToken.revoked_at})
        session.commit()
    client.post(REVOKE_URL, data={"token": login(client, "ada")["access_token"]})
    with app.app_context():
        assert db.get_session().query(RevokedAccessToken).count() == 1
