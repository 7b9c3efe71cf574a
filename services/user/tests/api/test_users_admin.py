"""GET /api/users/v1/users and PATCH /api/users/v1/users/{id}: admins only."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import PASSWORD, user_create
from tests.helpers import TOKEN_URL, assert_oauth2_error, assert_problem, login

URL = "/api/users/v1/users"


@pytest.fixture
def people(app):
    names = ["alice", "bob", "carol", "dave", "erin"]
    return {
        name: user_create(app, username=name, email=f"{name}@corp.example", display_name=name.title())
        for name in names
    }


def test_list_is_admin_only(client, auth_headers):
    response = client.get(URL, headers=auth_headers)
    assert_problem(response, 403)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert_problem(client.get(URL), 401)


def test_list_paginates(client, admin_headers, people):
    first = client.get(URL, query_string={"per_page": 2}, headers=admin_headers).get_json()
    assert [u["username"] for u in first["items"]] == ["alice", "bob"]
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 2, 6, 3)
    last = client.get(URL, query_string={"per_page": 2, "page": 3}, headers=admin_headers).get_json()
    assert [u["username"] for u in last["items"]] == ["erin", "root"]
    beyond = client.get(URL, query_string={"per_page": 2, "page": 9}, headers=admin_headers).get_json()
    assert beyond["items"] == []
    assert (beyond["page"], beyond["total"], beyond["pages"]) == (9, 6, 3)


def test_list_pages_hold_fifty_users_unless_asked(client, admin_headers, people):
    body = client.get(URL, headers=admin_headers).get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 50, 6, 1)
    assert client.get(URL, query_string={"per_page": 100}, headers=admin_headers).status_code == 200


def test_list_links_the_other_pages(client, admin_headers, people):
    """RFC 8288 Link: first, prev, next and last, keeping the other query parameters."""
    response = client.get(URL, query_string={"q": "corp", "per_page": 1, "page": 2}, headers=admin_headers)
    assert response.get_json()["pages"] == 5
    assert response.headers["Link"] == ", ".join(
        [
            f'<{URL}?q=corp&page=1&per_page=1>; rel="first"',
            f'<{URL}?q=corp&page=1&per_page=1>; rel="prev"',
            f'<{URL}?q=corp&page=3&per_page=1>; rel="next"',
            f'<{URL}?q=corp&page=5&per_page=1>; rel="last"',
        ]
    )
    only = client.get(URL, headers=admin_headers)
    first_and_last = f'<{URL}?page=1&per_page=50>; rel="first", <{URL}?page=1&per_page=50>; rel="last"'
    assert only.headers["Link"] == first_and_last


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("car", ["carol"]),
        ("CORP.EXAMPLE", ["alice", "bob", "carol", "dave", "erin"]),
        ("Dav", ["dave"]),
        ("%", []),
        ("_", []),
    ],
)
def test_list_searches(client, admin_headers, people, q, expected):
    body = client.get(URL, query_string={"q": q}, headers=admin_headers).get_json()
    assert [u["username"] for u in body["items"]] == expected


def test_list_filters_on_active(client, admin_headers, people):
    client.patch(f"{URL}/{people['bob'].id}", json={"is_active": False}, headers=admin_headers)
    inactive = client.get(URL, query_string={"is_active": "false"}, headers=admin_headers).get_json()
    assert [u["username"] for u in inactive["items"]] == ["bob"]


@pytest.mark.parametrize(
    "query",
    [{"page": 0}, {"page": "x"}, {"page": 1_000_001}, {"per_page": 0}, {"per_page": 101}, {"q": ""}],
)
def test_list_bad_query(client, admin_headers, query):
    """A bad page or per_page is a validation problem naming it, like any bad parameter."""
    body = assert_problem(client.get(URL, query_string=query, headers=admin_headers), 400, "validation-error")
    assert list(body["errors"]) == list(query)


def test_deactivate_and_reactivate(client, admin_headers, user, tokens):
    response = client.patch(f"{URL}/{user.id}", json={"is_active": False}, headers=admin_headers)
    assert response.status_code == 200
    assert response.get_json()["is_active"] is False
    form = {"grant_type": "password", "username": "ada", "password": PASSWORD}
    assert_oauth2_error(client.post(TOKEN_URL, data=form), 400, "invalid_grant")
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert_oauth2_error(client.post(TOKEN_URL, data=refresh), 400, "invalid_grant")

    assert (
        client.patch(f"{URL}/{user.id}", json={"is_active": True}, headers=admin_headers).status_code == 200
    )
    assert client.post(TOKEN_URL, data=form).status_code == 200


def test_grant_and_take_admin(client, admin_headers, user):
    granted = client.patch(f"{URL}/{user.id}", json={"roles": ["admin"]}, headers=admin_headers).get_json()
    assert granted["roles"] == ["user", "admin"]
    ada = {"Authorization": "Bearer " + login(client, "ada")["access_token"]}
    assert client.get(URL, headers=ada).status_code == 200
    taken = client.patch(f"{URL}/{user.id}", json={"roles": []}, headers=admin_headers).get_json()
    assert taken["roles"] == ["user"]
    assert client.get(URL, headers=ada).status_code == 403


def test_admin_cannot_lock_themselves_out(client, admin, admin_headers):
    assert_problem(
        client.patch(f"{URL}/{admin.id}", json={"is_active": False}, headers=admin_headers), 409, "conflict"
    )
    assert_problem(
        client.patch(f"{URL}/{admin.id}", json={"roles": ["user"]}, headers=admin_headers), 409, "conflict"
    )


@pytest.mark.parametrize(
    "body", [{"roles": ["root"]}, {"roles": "admin"}, {"is_active": "maybe"}, {"username": "x"}]
)
def test_patch_validates(client, admin_headers, user, body):
    assert_problem(
        client.patch(f"{URL}/{user.id}", json=body, headers=admin_headers), 400, "validation-error"
    )


def test_patch_unknown_user(client, admin_headers):
    assert_problem(
        client.patch(f"{URL}/{uuid.uuid4()}", json={"is_active": False}, headers=admin_headers), 404
    )
    assert_problem(client.patch(f"{URL}/not-a-uuid", json={"is_active": False}, headers=admin_headers), 404)


def test_patch_is_admin_only(client, auth_headers, user):
    assert_problem(client.patch(f"{URL}/{user.id}", json={"roles": ["admin"]}, headers=auth_headers), 403)
