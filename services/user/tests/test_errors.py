"""Every error is problem+json (RFC 9457), whatever raised it."""

from __future__ import annotations

import json
import re
import time
import uuid

import jwt
import pytest
from sqlalchemy import func, select

from tests.helpers import (
    SERVICE_ID,
    SERVICE_SECRET,
    SIGNING_KEY,
    assert_oauth2_error,
    assert_problem,
    basic,
    make_app,
)
from user_service import db
from user_service.models import User

REGISTER = "/api/users/v1/users"
_NOW = int(time.time())
WELL_SIGNED = jwt.encode(
    {
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "iss": "timekeeper-users",
        "aud": "timekeeper",
        "iat": _NOW,
        "exp": _NOW + 3600,
        "jti": "j",
        "roles": ["user"],
    },
    SIGNING_KEY,
)


def test_unknown_path_is_404_problem(client):
    body = assert_problem(client.get("/api/users/v1/nothing-here"), 404)
    assert body["instance"] == "/api/users/v1/nothing-here"
    assert body["title"] == "Not Found"


def test_wrong_method_is_405_problem_with_allow(client):
    response = client.delete(REGISTER)
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("body", ['{"username": ', "{'single': 'quotes'}", "\xff\xfe", "nul\x00"])
def test_malformed_json_is_400_problem(client, body):
    response = client.post(REGISTER, data=body.encode("latin-1"), content_type="application/json")
    problem = assert_problem(response, 400, "malformed-request")
    assert problem["detail"] == "The request body is not valid JSON."


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_400_problem(client, body):
    response = client.post(REGISTER, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_form_sent_to_a_json_endpoint_is_415_problem(app, client):
    form = {"username": "ada", "email": "ada@example.com", "password": "correct horse battery"}
    problem = assert_problem(client.post(REGISTER, data=form), 415)
    assert problem["detail"] == 'The body must be application/json, not "application/x-www-form-urlencoded".'
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"Content-Type": "text/plain"}, ', not "text/plain"'),
        ({"Content-Type": "application/xml; charset=utf-8"}, ', not "application/xml"'),
        ({}, ""),  # a body that says nothing of its type
    ],
)
def test_my_account_refuses_a_body_that_is_not_json(client, auth_headers, headers, named):
    """Not a silent 200 that changes nothing: the client learns its body was not read."""
    response = client.patch(
        f"{REGISTER}/me", data='{"display_name": "Changed"}', headers={**auth_headers, **headers}
    )
    problem = assert_problem(response, 415)
    assert problem["detail"] == f"The body must be application/json{named}."
    assert client.get(f"{REGISTER}/me", headers=auth_headers).get_json()["display_name"] != "Changed"


def test_json_with_a_structured_suffix_is_json(client, auth_headers):
    response = client.patch(
        f"{REGISTER}/me",
        data='{"display_name": "Merged"}',
        content_type="application/merge-patch+json",
        headers=auth_headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["display_name"] == "Merged"


def test_no_body_is_for_the_schema_to_judge(client, auth_headers):
    """Nothing sent, nothing refused for its type: a PATCH of nothing changes nothing, a
    registration of nothing misses its fields; an empty body declared as JSON is the same."""
    assert client.patch(f"{REGISTER}/me", headers=auth_headers).status_code == 200
    problem = assert_problem(client.post(REGISTER), 400, "validation-error")
    assert set(problem["errors"]) == {"username", "email", "password"}
    response = client.patch(f"{REGISTER}/me", data=b"", content_type="application/json", headers=auth_headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "media_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain"]
)
def test_an_empty_body_in_another_media_type_is_415(app, client, admin_headers, media_type):
    """An empty body declared as a form is still a form, as in the hours service: the client
    learns its body would not be read, even when it holds nothing."""
    for method, path in json_operations(app):
        response = client.open(
            path, method=method.upper(), data=b"", content_type=media_type, headers=admin_headers
        )
        assert_problem(response, 415)


def test_authentication_is_checked_before_the_body(client):
    response = client.patch(f"{REGISTER}/me", data="display_name=x", content_type="text/plain")
    assert_problem(response, 401)


def test_every_json_operation_refuses_other_media_types(app, client, admin_headers):
    for method, path in json_operations(app):
        response = client.open(
            path, method=method.upper(), data="{}", content_type="text/plain", headers=admin_headers
        )
        assert_problem(response, 415)


@pytest.mark.parametrize("body", ["[]", '"text"', "42"])
def test_an_error_not_tied_to_a_field_is_under_non_field_errors(client, body):
    """The key every Timekeeper service uses (DRF's), not marshmallow's ``_schema``."""
    response = client.post(REGISTER, data=body, content_type="application/json")
    problem = assert_problem(response, 400, "validation-error")
    assert list(problem["errors"]) == ["non_field_errors"]
    assert problem["errors"]["non_field_errors"] == ["Invalid input type."]


def test_nested_errors_not_tied_to_a_field_keep_their_path():
    from user_service.errors import flatten_messages

    messages = {"_schema": ["whole"], "roles": {"0": ["bad"], "_schema": ["list"]}, "email": ["taken"]}
    assert flatten_messages(messages) == {
        "non_field_errors": ["whole"],
        "roles.0": ["bad"],
        "roles.non_field_errors": ["list"],
        "email": ["taken"],
    }


def test_validation_error_lists_fields(client):
    body = assert_problem(client.post(REGISTER, json={"username": "x"}), 400, "validation-error")
    assert set(body["errors"]) == {"username", "email", "password"}
    assert body["title"] == "Validation failed"


#: a lone surrogate, as JSON's escape: it decodes, and no UTF-8 (the database's, the
#: password hasher's) can hold it
LONE = "\\ud800"
#: the hours service's (DRF's) words for it
SURROGATE = "Surrogate characters are not allowed: U+D800."


def _json(body: str) -> dict:
    return {"data": body.encode(), "content_type": "application/json"}


#: what the hours service says for the same body (its JSON parser), word for word
NESTED_TOO_DEEPLY = "JSON parse error - the document is nested too deeply."


@pytest.mark.parametrize("opening", [b"[", b'{"a":'])
@pytest.mark.parametrize(("method", "path"), [("post", REGISTER), ("patch", f"{REGISTER}/me")])
def test_a_body_nested_too_deeply_is_400_problem(client, auth_headers, opening, method, path):
    """Deeper than the JSON decoder can go (a few KB of brackets): refused like malformed
    JSON, in the hours service's words, never a RecursionError's 500."""
    closing = b"]" if opening == b"[" else b"}"
    body = opening * 5_000 + b"1" + closing * 5_000
    response = getattr(client, method)(path, data=body, content_type="application/json", headers=auth_headers)
    problem = assert_problem(response, 400, "malformed-request")
    assert problem["detail"] == NESTED_TOO_DEEPLY


def json_operations(app):
    """(method, path) of every operation whose document takes a JSON body, path parameters
    filled with a fresh UUID."""
    spec = app.test_client().get("/api/users/openapi.json").get_json()
    found = [
        (method, re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path))
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(found) >= 3  # register, my account, an admin's change of a user
    return found


def test_every_json_operation_refuses_a_body_nested_too_deeply(app, client, admin_headers):
    body = b"[" * 5_000 + b"]" * 5_000
    for method, path in json_operations(app):
        response = client.open(
            path, method=method.upper(), data=body, content_type="application/json", headers=admin_headers
        )
        assert assert_problem(response, 400, "malformed-request")["detail"] == NESTED_TOO_DEEPLY, path


def test_every_json_operation_refuses_a_lone_surrogate(app, client, admin_headers):
    for method, path in json_operations(app):
        response = client.open(
            path, method=method.upper(), headers=admin_headers, **_json(f'{{"any": "{LONE}"}}')
        )
        assert assert_problem(response, 400, "validation-error")["errors"] == {"any": [SURROGATE]}, path


def test_nesting_the_decoder_can_go_is_judged_by_the_schema(client):
    body = {"username": [[[[["ada"]]]]], "email": "ada@example.com", "password": "x" * 12}
    problem = assert_problem(client.post(REGISTER, json=body), 400, "validation-error")
    assert set(problem["errors"]) == {"username"}


def test_too_large_body_is_413_problem(client):
    response = client.post(REGISTER, data="x" * (65 * 1024), content_type="application/json")
    assert_problem(response, 413)


def test_unexpected_error_is_500_problem_and_logged(settings, caplog):
    app = make_app(settings)

    @app.get("/api/users/v1/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    response = app.test_client().get("/api/users/v1/boom")
    body = assert_problem(response, 500)
    assert "kaput" not in response.get_data(as_text=True)
    assert body["detail"] == "The server could not answer this request."
    assert any(r.name == "user_service.errors" and r.exc_info for r in caplog.records)


def test_every_503_says_when_to_retry(settings):
    """Whatever raised it (CONTRIBUTING.md, "Retry-After"): here werkzeug's own 503."""
    from werkzeug.exceptions import ServiceUnavailable

    app = make_app(settings)

    @app.get("/api/users/v1/busy")
    def busy() -> None:
        raise ServiceUnavailable()

    response = app.test_client().get("/api/users/v1/busy")
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        (
            "post",
            "/api/users/v1/token",
            {"data": {"grant_type": "password", "username": "a", "password": "b"}},
        ),
        (
            "post",
            "/internal/v1/introspect",
            {"data": {"token": WELL_SIGNED}, "headers": basic(SERVICE_ID, SERVICE_SECRET)},
        ),
        ("post", REGISTER, {"json": {"username": "ada", "email": "a@example.com", "password": "x" * 12}}),
    ],
)
def test_database_down_is_503_problem(settings, method, path, kwargs):
    nowhere = settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/users"})
    response = getattr(make_app(nowhere).test_client(), method)(path, **kwargs)
    assert_problem(response, 503, "database-unavailable")
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            REGISTER,
            {"username": "ada", "email": "a@example.com", "password": "x" * 12, "display_name": "a\x00b"},
        ),
        ("post", REGISTER, {"username": "ada", "email": "a\x00@example.com", "password": "x" * 12}),
        ("patch", f"{REGISTER}/me", {"display_name": "line\nbreak"}),
    ],
)
def test_nul_and_control_characters_are_400_never_500(client, auth_headers, method, path, body):
    response = getattr(client, method)(path, json=body, headers=auth_headers)
    assert_problem(response, 400, "validation-error")


def test_nul_in_a_search_is_400(client, admin_headers):
    response = client.get(REGISTER, query_string={"q": "a\x00"}, headers=admin_headers)
    assert_problem(response, 400, "validation-error")


@pytest.mark.parametrize("login_as", ["ada\x00", "ada\x00@example.com"])
def test_nul_in_a_login_is_invalid_grant(client, user, login_as):
    form = {"grant_type": "password", "username": login_as, "password": "whatever it is"}
    assert_oauth2_error(client.post("/api/users/v1/token", data=form), 400, "invalid_grant")


@pytest.mark.parametrize("field", ["username", "email", "password", "display_name"])
def test_a_lone_surrogate_in_a_registration_is_400_naming_the_field(client, field):
    good = {"username": "ada", "email": "ada@example.com", "password": "correct horse battery"}
    body = json.dumps({**good, field: "x"}).replace('"x"', f'"a{LONE}b"')
    problem = assert_problem(client.post(REGISTER, **_json(body)), 400, "validation-error")
    assert problem["errors"] == {field: [SURROGATE]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (f'{{"display_name": "{LONE}"}}', "display_name"),
        (f'{{"password": "{LONE}", "current_password": "correct horse battery"}}', "password"),
        (f'{{"password": "a new password", "current_password": "{LONE}"}}', "current_password"),
        (f'{{"{LONE}": "a member name"}}', "non_field_errors"),
    ],
)
def test_a_lone_surrogate_in_my_account_is_400_naming_the_field(client, auth_headers, body, field):
    response = client.patch(f"{REGISTER}/me", headers=auth_headers, **_json(body))
    assert field in assert_problem(response, 400, "validation-error")["errors"]


def test_a_lone_surrogate_in_a_list_is_named_by_its_place(client, user, admin_headers):
    body = f'{{"roles": ["user", "{LONE}"]}}'
    response = client.patch(f"{REGISTER}/{user.id}", headers=admin_headers, **_json(body))
    assert assert_problem(response, 400, "validation-error")["errors"] == {"roles.1": [SURROGATE]}


def test_a_surrogate_pair_is_one_character_and_welcome(client):
    body = '{"username": "ada", "email": "ada@example.com", "password": "correct horse \\ud83d\\ude00",'
    body += ' "display_name": "Ada \\ud83d\\ude00"}'
    response = client.post(REGISTER, **_json(body))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["display_name"] == "Ada \N{GRINNING FACE}"


def test_a_surrogate_sent_as_utf8_bytes_is_not_json(client):
    """UTF-8 cannot encode a surrogate: such bytes are not UTF-8, so not JSON."""
    body = b'{"username": "ada", "email": "ada@example.com", "password": "\xed\xa0\x80 battery"}'
    response = client.post(REGISTER, data=body, content_type="application/json")
    assert_problem(response, 400, "malformed-request")


@pytest.mark.parametrize(
    ("password", "error"),
    [
        (b"%ED%A0%80", "invalid_grant"),  # not UTF-8 once decoded: kept as typed, a wrong password
        (b"\xed\xa0\x80", "invalid_request"),  # not UTF-8: the form reads as empty
    ],
)
def test_a_surrogate_cannot_reach_a_form_parameter(client, user, password, error):
    """Form bodies are UTF-8, which has no surrogates: never a 500 on the token endpoint."""
    body = b"grant_type=password&username=ada&password=" + password
    response = client.post("/api/users/v1/token", data=body, content_type="application/x-www-form-urlencoded")
    assert_oauth2_error(response, 400, error)


def test_a_value_the_database_refuses_is_400(settings):
    app = make_app(settings)

    @app.get("/api/users/v1/nul-probe")
    def nul_probe() -> dict:
        from sqlalchemy import text

        from user_service.db import get_session

        get_session().execute(text("SELECT CAST(:v AS text)"), {"v": "a\x00"})
        return {}

    assert_problem(app.test_client().get("/api/users/v1/nul-probe"), 400, "validation-error")
