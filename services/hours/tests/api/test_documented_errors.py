"""Error answers that query parameters provoke are documented for the operation that sends them.

The operations are taken from the OpenAPI document itself, so a new paginated list, or a new
operation with ``?user=``, is held to the same rule.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
#: a path parameter that parses: the query is checked before anything is looked up
SAMPLE_ID = "1"


@cache
def _spec() -> dict[str, Any]:
    """The document the service serves (its configured generator, as ``make contracts`` runs it)."""
    from drf_spectacular.settings import spectacular_settings

    return spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)


def _operations(parameter: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(operation id, URL, query parameter) of every GET that takes query ``parameter``."""
    found = []
    for path, item in _spec()["paths"].items():
        operation = item.get("get")
        for param in (operation or {}).get("parameters", []):
            if param["in"] == "query" and param["name"] == parameter:
                url = path.replace("{project_id}", SAMPLE_ID).replace("{entry_id}", SAMPLE_ID)
                found.append((operation["operationId"], url, param))
    return found


PAGINATED = _operations("page")
WITH_USER = _operations("user")


def _documented(operation_id: str) -> dict[str, Any]:
    for item in _spec()["paths"].values():
        for operation in item.values():
            if operation["operationId"] == operation_id:
                return operation["responses"]
    raise AssertionError(f"no operation {operation_id}")


def assert_documented_problem(response, operation_id: str, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    responses = _documented(operation_id)
    assert str(status) in responses, f"{operation_id} sends {status}; its spec has {sorted(responses)}"
    assert responses[str(status)]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    return body


def test_the_operations_are_found():
    assert {op for op, _, _ in PAGINATED} == {"projects_list", "entries_list"}
    assert {"projects_retrieve", "entries_retrieve", "projects_list", "entries_list"} <= {
        op for op, _, _ in WITH_USER
    }


@pytest.mark.parametrize(("operation_id", "url"), [(op, url) for op, url, _ in PAGINATED])
def test_a_page_past_the_last_is_an_empty_page(api: APIClient, operation_id, url):
    """As in every Timekeeper list: the page exists, it is empty; the links lead back."""
    for page in ("1", "2", "9999"):
        response = api.get(url, {"page": page})
        assert response.status_code == 200, response.content
        assert response.json() == {"items": [], "page": int(page), "per_page": 50, "total": 0, "pages": 0}
    assert "404" not in _documented(operation_id)


INTEGER = "A valid integer is required."
AT_LEAST_1 = "Ensure this value is greater than or equal to 1."
AT_MOST_100 = "Ensure this value is less than or equal to 100."
AT_MOST_A_MILLION = "Ensure this value is less than or equal to 1000000."


MALFORMED = [
    ({"page": "0"}, {"page": [AT_LEAST_1]}),
    ({"page": "-1"}, {"page": [AT_LEAST_1]}),
    ({"page": "abc"}, {"page": [INTEGER]}),
    ({"page": "1.5"}, {"page": [INTEGER]}),
    ({"page": "last"}, {"page": [INTEGER]}),
    ({"page": "1000001"}, {"page": [AT_MOST_A_MILLION]}),
    ({"per_page": "abc"}, {"per_page": [INTEGER]}),
    ({"per_page": "0"}, {"per_page": [AT_LEAST_1]}),
    ({"per_page": "-1"}, {"per_page": [AT_LEAST_1]}),
    ({"per_page": "101"}, {"per_page": [AT_MOST_100]}),
    ({"per_page": "1000"}, {"per_page": [AT_MOST_100]}),
    ({"page": "0", "per_page": "1000"}, {"page": [AT_LEAST_1], "per_page": [AT_MOST_100]}),
]


@pytest.mark.parametrize(("query", "errors"), MALFORMED, ids=[urlencode(query) for query, _ in MALFORMED])
@pytest.mark.parametrize(("operation_id", "url"), [(op, url) for op, url, _ in PAGINATED])
def test_a_malformed_page_or_per_page_is_a_documented_400(api: APIClient, operation_id, url, query, errors):
    """page is an integer in 1..1000000 and per_page one in 1..100, as the spec says; anything
    else is the validation problem every other query parameter gets, not a silent default."""
    body = assert_documented_problem(api.get(url, query), operation_id, 400)
    assert body["type"] == "urn:timekeeper:problem:validation-error"
    assert body["errors"] == errors
    # the same shape as a filter's error (ordering is a query parameter of both lists)
    other = api.get(url, {"ordering": "sideways"}).json()
    assert set(body) == set(other)
    assert (body["title"], body["detail"]) == (other["title"], other["detail"])


@pytest.mark.parametrize("per_page", ["1", "100"])
@pytest.mark.parametrize(("operation_id", "url"), [(op, url) for op, url, _ in PAGINATED])
def test_per_page_takes_its_whole_range(api: APIClient, operation_id, url, per_page):
    assert api.get(url, {"per_page": per_page, "page": "1"}).status_code == 200


@pytest.mark.parametrize(("operation_id", "url", "param"), WITH_USER, ids=[op for op, _, _ in WITH_USER])
def test_an_over_long_user_is_a_documented_400(admin_headers, operation_id, url, param):
    too_long = "u" * (param["schema"]["maxLength"] + 1)
    response = APIClient().get(url, {"user": too_long}, **admin_headers)
    body = assert_documented_problem(response, operation_id, 400)
    assert "user" in body["errors"]
