"""POST /api/users/v1/users and /users/me."""

from __future__ import annotations

import time
from functools import partial

import jwt
import pytest
from argon2 import extract_parameters

from tests.factories import PASSWORD, UserPayloadFactory, user_create
from tests.helpers import SIGNING_KEY, TOKEN_URL, assert_problem, bearer, login, run_together
from user_service import db
from user_service.models import User

URL = "/api/users/v1/users"
ME = f"{URL}/me"


# -- register ---------------------------------------------------------------------------
def test_register(app, client):
    payload = UserPayloadFactory(username="Grace", email="Grace@Example.com", display_name="Grace Hopper")
    response = client.post(URL, json=payload)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["username"] == "Grace"
    assert body["email"] == "Grace@Example.com"
    assert body["display_name"] == "Grace Hopper"
    assert body["roles"] == ["user"]
    assert body["is_active"] is True
    assert "password" not in body
    assert "password_hash" not in body
    with app.app_context():
        stored = db.get_session().get(User, body["id"])
        assert stored.password_hash.startswith("$argon2id$")
        assert extract_parameters(stored.password_hash).type.name == "ID"
        assert PASSWORD not in stored.password_hash


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "a" * 33}, "username"),
        ({"username": "no spaces"}, "username"),
        ({"username": "ad@m"}, "username"),
        ({"username": "-leading"}, "username"),
        ({"username": "trailing\n"}, "username"),
        ({"display_name": "trailing\n"}, "display_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@" + "b" * 250 + ".com"}, "email"),
        ({"password": "short9char"[:9]}, "password"),
        ({"password": None}, "password"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"unexpected": "field"}, "unexpected"),
    ],
)
def test_register_validates(client, change, field):
    payload = {**UserPayloadFactory(), **change}
    response = client.post(URL, json={k: v for k, v in payload.items() if v is not None})
    body = assert_problem(response, 400, "validation-error")
    assert field in body["errors"], body


@pytest.mark.parametrize("as_what", ["username", "email"])
def test_register_refuses_password_equal_to_username_or_email(client, as_what):
    payload = UserPayloadFactory(username="longusername1", email="longer@example.com")
    payload["password"] = payload[as_what].upper()
    body = assert_problem(client.post(URL, json=payload), 400, "validation-error")
    assert body["errors"]["password"] == ["The password must not be the username or the email address."]


def test_password_of_ten_characters_is_enough(client):
    response = client.post(URL, json=UserPayloadFactory(password="0123456789"))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        ({"username": "ada"}, {"username": "ADA"}, "username"),
        ({"email": "ada@example.com"}, {"email": "ADA@EXAMPLE.COM"}, "email"),
    ],
)
def test_duplicate_registration_is_409_case_insensitively(client, first, second, field):
    assert client.post(URL, json=UserPayloadFactory(**first)).status_code == 201
    body = assert_problem(client.post(URL, json=UserPayloadFactory(**second)), 409, "conflict")
    assert body["errors"] == {field: ["Already taken."]}


def test_two_simultaneous_registrations_of_one_username(app):
    """The unique index decides: exactly one 201 and one 409, never a 500."""
    for n in range(5):
        payloads = [
            UserPayloadFactory(username=f"racer{n}", email=f"racer{n}-{i}@example.com") for i in range(2)
        ]
        clients = [app.test_client() for _ in payloads]
        responses = run_together(
            *(partial(c.post, URL, json=p) for c, p in zip(clients, payloads, strict=True))
        )
        assert sorted(r.status_code for r in responses) == [201, 409], [r.get_json() for r in responses]


# -- me ---------------------------------------------------------------------------------
def test_me(client, user, auth_headers):
    response = client.get(ME, headers=auth_headers)
    assert response.status_code == 200
    assert response.get_json()["username"] == "ada"
    assert response.get_json()["id"] == str(user.id)


def test_me_needs_a_token(client):
    response = client.get(ME)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="timekeeper"'


def _expired(token: str) -> str:
    claims = jwt.decode(token, SIGNING_KEY, algorithms=["HS256"], audience="timekeeper")
    return jwt.encode({**claims, "exp": int(time.time()) - 1}, SIGNING_KEY, algorithm="HS256")


@pytest.mark.parametrize("spoil", [lambda t: "not-a-jwt", _expired, lambda t: t[:-3] + "abc"])
def test_me_with_a_bad_token(client, tokens, spoil):
    response = client.get(ME, headers=bearer(spoil(tokens["access_token"])))
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="timekeeper", error="invalid_token"'


def test_me_update_display_name_and_email(client, auth_headers):
    response = client.patch(
        ME, json={"display_name": "Countess", "email": "lovelace@example.com"}, headers=auth_headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["display_name"] == "Countess"
    assert response.get_json()["email"] == "lovelace@example.com"
    response = client.patch(ME, json={"display_name": None}, headers=auth_headers)
    assert response.get_json()["display_name"] is None


def test_me_update_email_taken(app, client, auth_headers):
    user_create(app, username="bob", email="bob@example.com")
    body = assert_problem(
        client.patch(ME, json={"email": "BOB@example.com"}, headers=auth_headers), 409, "conflict"
    )
    assert body["errors"] == {"email": ["Already taken."]}


def test_password_change_needs_the_current_one(client, auth_headers):
    body = assert_problem(
        client.patch(ME, json={"password": "a new password"}, headers=auth_headers), 400, "validation-error"
    )
    assert "current_password" in body["errors"]
    wrong = {"password": "a new password", "current_password": "not my password"}
    assert_problem(client.patch(ME, json=wrong, headers=auth_headers), 403, "invalid-credentials")


def test_password_change_refuses_a_weak_password(client, auth_headers):
    weak = {"password": "short", "current_password": PASSWORD}
    body = assert_problem(client.patch(ME, json=weak, headers=auth_headers), 400, "validation-error")
    assert "password" in body["errors"]


def test_password_change_revokes_every_other_session(client, user, tokens, auth_headers):
    other = login(client, "ada")
    change = {"password": "a brand new password", "current_password": PASSWORD}
    assert client.patch(ME, json=change, headers=auth_headers).status_code == 200

    # this session goes on
    assert client.get(ME, headers=auth_headers).status_code == 200
    refreshed = client.post(
        TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    # the other one is over, access and refresh token alike
    assert client.get(ME, headers=bearer(other["access_token"])).status_code == 401
    again = client.post(
        TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": other["refresh_token"]}
    )
    assert again.status_code == 400
    # and only the new password logs in
    assert (
        client.post(
            TOKEN_URL, data={"grant_type": "password", "username": "ada", "password": PASSWORD}
        ).status_code
        == 400
    )
    login(client, "ada", "a brand new password")
