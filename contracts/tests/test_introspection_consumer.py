"""Consumer side: the hours service takes every contract answer, and nothing else.

A real hours instance (gunicorn, its own auth client) asks a small real HTTP server that
speaks the introspection contract and answers, per token, what the test chose. An active
answer lets the call through; an inactive one is a 401; an answer that breaks the
contract means the user service is failing: 503, never a pass and never a 500.

The service validates each answer against (its packaged copy of) the schema itself, so a
few answers of each kind of break stand for all: what the schema refuses is jsonschema-rs's
business, which the stub and the service share.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timekeeper_dev.introspection_stub import VALIDATOR, IntrospectionStub

from tests.helpers import Server, load_contract

SCHEMA = load_contract("introspection.schema.json")
EXAMPLES = SCHEMA["examples"]
ACTIVE = next(example for example in EXAMPLES if example["active"])
PROBE = "/api/hours/v1/projects"


def call_hours(hours: Server, token: str) -> requests.Response:
    return requests.get(
        hours.url + PROBE,
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": uuid.uuid4().hex},
        timeout=10,
    )


def assert_problem(response: requests.Response, status: int) -> None:
    assert response.status_code == status, f"{response.status_code} {response.text[:500]}"
    assert response.headers["Content-Type"].split(";")[0] == "application/problem+json"
    assert response.json()["status"] == status


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_every_schema_example_is_taken(
    contract_hours: Server, fake_introspection: IntrospectionStub, example: dict[str, Any]
) -> None:
    token = fake_introspection.token_for(example)
    response = call_hours(contract_hours, token)
    if example["active"]:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 401)
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge


def test_the_request_is_the_contract_request(
    contract_hours: Server, fake_introspection: IntrospectionStub
) -> None:
    """Form-encoded ``token``, HTTP Basic service credentials, the request id sent on."""
    token = fake_introspection.token_for(ACTIVE)
    request_id = uuid.uuid4().hex
    response = requests.get(
        contract_hours.url + PROBE,
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": request_id},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    call = next(c for c in reversed(fake_introspection.calls) if c.token == token)
    assert call.path == "/internal/v1/introspect"
    assert call.headers["Content-Type"].split(";")[0] == "application/x-www-form-urlencoded"
    assert call.authorized, "the hours service did not send its service credentials"
    assert call.form == {"token": [token]}
    assert call.headers.get("X-Request-Id") == request_id


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in ACTIVE.items() if k != key}


NON_CONFORMING: dict[str, Any] = {
    "missing sub": _without("sub"),
    "exp a string": {**ACTIVE, "exp": "1795000900"},
    "unknown role": {**ACTIVE, "roles": ["user", "root"]},
    # a NUL in sub once made the hours service answer 500 (Postgres text cannot hold it);
    # a final newline is the control character Python's re would let "$" pass
    "sub with NUL": {**ACTIVE, "sub": "\x00"},
    "sub with a final newline": {**ACTIVE, "sub": "ada\n"},
    "extra field": {**ACTIVE, "email": "ada@example.com"},
    "inactive with claims": {"active": False, "sub": "3f2c"},
    "a list": [ACTIVE],
}


@pytest.mark.parametrize("answer", list(NON_CONFORMING.values()), ids=list(NON_CONFORMING))
def test_a_non_conforming_answer_is_a_503(
    contract_hours: Server, fake_introspection: IntrospectionStub, answer: Any
) -> None:
    assert not VALIDATOR.is_valid(answer), "this answer should break the contract"
    response = call_hours(contract_hours, fake_introspection.token_for(answer, breaks_contract=True))
    assert_problem(response, 503)
    assert response.headers.get("Retry-After"), "503 without Retry-After"


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, b"not json"), (200, b""), (500, b'{"active": true}'), (401, b'{"error": "invalid_client"}')],
    ids=["not-json", "empty", "server-error", "refused-credentials"],
)
def test_an_unusable_answer_is_a_503(
    contract_hours: Server, fake_introspection: IntrospectionStub, status: int, body: bytes
) -> None:
    token = fake_introspection.token_for(body, status=status, breaks_contract=True)
    response = call_hours(contract_hours, token)
    assert_problem(response, 503)


# -- every answer the schema allows, not only its examples: the service stores and filters by
# what it was told (a sub is the rows' user id), so odd but valid claims must not break it ------
_printable = st.characters(codec="utf-8", exclude_characters=[chr(c) for c in range(32)] + ["\x7f"])
_text = st.text(_printable, min_size=1, max_size=40)
_unix = st.integers(min_value=0, max_value=2**40)
ACTIVE_ANSWERS = st.fixed_dictionaries(
    {
        "active": st.just(True),
        "sub": _text,
        "username": _text,
        "roles": st.lists(st.sampled_from(["user", "admin"]), min_size=1, max_size=2, unique=True),
        "exp": _unix,
        "iat": _unix,
        "jti": _text,
    },
    optional={
        "token_type": st.just("access_token"),
        "iss": st.text(max_size=20),
        "aud": st.one_of(st.text(max_size=20), st.lists(st.text(max_size=20), max_size=3)),
    },
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answer=ACTIVE_ANSWERS)
def test_any_active_answer_the_schema_allows_is_taken(
    contract_hours: Server, fake_introspection: IntrospectionStub, answer: dict[str, Any]
) -> None:
    VALIDATOR.validate(answer)  # the strategy stays inside the contract
    response = call_hours(contract_hours, fake_introspection.token_for(answer))
    assert response.status_code == 200, f"{answer} -> {response.status_code} {response.text[:300]}"
