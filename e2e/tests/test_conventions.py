"""The public conventions (CONTRIBUTING.md, "The public API"), through the gateway: one test
body, run on each service. The same list page, error shape, challenge, health shape,
conditional requests and Idempotency-Key replay, whichever service a client talks to."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import Api
from timekeeper_dev.accounts import Account

PROBLEM = "application/problem+json"
STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}"$')
LINK = re.compile(r'^<(/api/[^>]+)>; rel="(first|prev|next|last)"$')


@dataclass(frozen=True)
class Service:
    """What the test body needs of a service: where things are and a body to send."""

    name: str
    prefix: str
    list_path: str
    #: (URL of one resource the caller may change, a change of it)
    resource: Callable[[Api, dict[str, str]], tuple[str, dict[str, Any]]]
    create_path: str
    #: a new body for the creating POST, and a different one
    new_body: Callable[[], dict[str, Any]]
    #: who lists: the account, or an admin (the user list is admin-only)
    lists_as_admin: bool
    #: the creating POST needs the caller's token
    create_needs_token: bool


def _my_account(api: Api, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    return "/api/users/v1/users/me", {"display_name": f"renamed {uuid.uuid4().hex[:6]}"}


def _a_project(api: Api, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    created = api.post("/api/hours/v1/projects", json={"name": f"p-{uuid.uuid4().hex[:8]}"}, headers=headers)
    assert created.status_code == 201, created.text
    return f"/api/hours/v1/projects/{created.json()['id']}", {"name": f"renamed {uuid.uuid4().hex[:6]}"}


def _new_user() -> dict[str, Any]:
    name = f"conv-{uuid.uuid4().hex[:10]}"
    return {"username": name, "email": f"{name}@example.com", "password": uuid.uuid4().hex}


SERVICES = [
    Service(
        name="users",
        prefix="/api/users",
        list_path="/api/users/v1/users",
        resource=_my_account,
        create_path="/api/users/v1/users",
        new_body=_new_user,
        lists_as_admin=True,
        create_needs_token=False,
    ),
    Service(
        name="hours",
        prefix="/api/hours",
        list_path="/api/hours/v1/projects",
        resource=_a_project,
        create_path="/api/hours/v1/projects",
        new_body=lambda: {"name": f"p-{uuid.uuid4().hex[:8]}"},
        lists_as_admin=False,
        create_needs_token=True,
    ),
]


def _problem(response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status"} <= set(body) and body["status"] == status
    if slug:
        assert body["type"] == f"urn:timekeeper:problem:{slug}"
    return body


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_the_public_conventions(api: Api, account: Account, admin_headers: dict[str, str], service: Service):
    me = account.headers
    lister = admin_headers if service.lists_as_admin else me

    # -- health: one shape
    assert api.get(f"{service.prefix}/health/live").json() == {"status": "ok", "checks": {}}
    ready = api.get(f"{service.prefix}/health/ready")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()) == {"status", "checks"}
    assert ready.json()["status"] in {"ok", "degraded"}
    assert ready.json()["checks"]["database"] == "ok"

    # -- the challenge: the same words
    assert api.get(service.list_path).headers["WWW-Authenticate"] == 'Bearer realm="timekeeper"'
    bad = api.get(service.list_path, headers={"Authorization": "Bearer not-a-token"})
    _problem(bad, 401)
    assert bad.headers["WWW-Authenticate"] == 'Bearer realm="timekeeper", error="invalid_token"'

    # -- lists: one envelope, a Link header, one error for a bad page
    for _ in range(2):
        service.resource(api, me)  # at least two items on the hours list
    page = api.get(service.list_path, params={"per_page": 1, "page": 2}, headers=lister)
    assert page.status_code == 200, page.text
    body = page.json()
    assert set(body) == {"items", "page", "per_page", "total", "pages"}
    assert (body["page"], body["per_page"], len(body["items"])) == (2, 1, 1)
    assert body["pages"] == body["total"] >= 2
    links = {m.group(2): m.group(1) for m in map(LINK.match, page.headers["Link"].split(", "))}
    assert set(links) >= {"first", "prev", "last"}
    assert links["prev"] == f"{service.list_path}?page=1&per_page=1"
    assert api.get(links["last"], headers=lister).json()["page"] == body["pages"]
    past = api.get(service.list_path, params={"page": body["pages"] + 1}, headers=lister)
    assert past.status_code == 200 and past.json()["items"] == []
    bad_page = _problem(
        api.get(service.list_path, params={"per_page": 0}, headers=lister), 400, "validation-error"
    )
    assert list(bad_page["errors"]) == ["per_page"]

    # -- the validation problem: errors by field, and one key for the rest
    create_headers = me if service.create_needs_token else {}
    not_an_object = api.post(service.create_path, json=[], headers=create_headers)
    assert list(_problem(not_an_object, 400, "validation-error")["errors"]) == ["non_field_errors"]

    # -- conditional requests: ETag, 304, 412
    url, change = service.resource(api, me)
    read = api.get(url, headers=me)
    etag = read.headers["ETag"]
    assert STRONG_ETAG.match(etag), etag
    not_modified = api.get(url, headers={**me, "If-None-Match": etag})
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    changed = api.patch(url, json=change, headers={**me, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] not in (etag, None)
    _problem(api.patch(url, json=change, headers={**me, "If-Match": etag}), 412, "precondition-failed")
    assert api.get(url, headers={**me, "If-None-Match": etag}).status_code == 200

    # -- Idempotency-Key: a retry replays, another body is a 422
    key = str(uuid.uuid4())
    new = service.new_body()
    first = api.post(service.create_path, json=new, headers={**create_headers, "Idempotency-Key": key})
    assert first.status_code == 201, first.text
    again = api.post(service.create_path, json=new, headers={**create_headers, "Idempotency-Key": key})
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers["Idempotent-Replayed"] == "true"
    reused = api.post(
        service.create_path, json=service.new_body(), headers={**create_headers, "Idempotency-Key": key}
    )
    _problem(reused, 422, "idempotency-key-reused")
