"""timekeeper_dev.introspection_stub over real HTTP on loopback: what the stub promises the
suites that use it (the hours service's tests, the contract tests).

Every answer a test sets is checked against contracts/introspection.schema.json at once,
and a declared contract break must really break it; the endpoint speaks the contract's
HTTP (Basic service credentials, form ``token``); the modes misbehave as documented; every
request is recorded.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from timekeeper_dev import introspection_stub
from timekeeper_dev.introspection_stub import (
    CLIENT_ID,
    CLIENT_SECRET,
    INTROSPECT_PATH,
    LIVE_PATH,
    SHORT_READ_TIMEOUT,
    SLOW_SECONDS,
    Answer,
    IntrospectionStub,
    contract_error,
)

SCHEMA = json.loads(introspection_stub.SCHEMA_PATH.read_text())
EXAMPLES = SCHEMA["examples"]
ACTIVE = {
    "active": True,
    "sub": "3f2c8a9e-6b1d-4c57-9d0e-2a7b5c1e4f80",
    "username": "ada",
    "roles": ["user"],
    "exp": 4102444900,
    "iat": 4102444000,
    "jti": "b6c1f0d2a9e84b7c8d3e5f6a7b8c9d0e",
}
# answers the real user service never gives (each one breaks the schema in one way)
NOT_CONTRACT = [
    pytest.param({"active": True}, id="active-without-claims"),
    pytest.param({**ACTIVE, "active": "true"}, id="active-as-string"),
    pytest.param({**ACTIVE, "roles": ["root"]}, id="unknown-role"),
    pytest.param({**ACTIVE, "exp": "soon"}, id="exp-not-integer"),
    pytest.param({**ACTIVE, "email": "ada@example.com"}, id="extra-field"),
    pytest.param({"active": False, "sub": "u1"}, id="inactive-with-claims"),
    pytest.param({**ACTIVE, "username": "ada\nadmin"}, id="control-character"),
]


@pytest.fixture(scope="module")
def running_stub() -> Iterator[IntrospectionStub]:
    with IntrospectionStub() as running:  # stopping takes up to half a second: one per module
        yield running


@pytest.fixture
def stub(running_stub: IntrospectionStub) -> IntrospectionStub:
    running_stub.reset()
    return running_stub


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def introspect(
    stub: IntrospectionStub,
    token: str | None,
    *,
    authorization: str | None = None,
    timeout: float = 10.0,
    **headers: str,
) -> requests.Response:
    """The hours service's call: form ``token``, HTTP Basic service credentials."""
    sent = {"Authorization": authorization or basic(), **headers}
    data = {} if token is None else {"token": token}
    return requests.post(stub.url + INTROSPECT_PATH, data=data, headers=sent, timeout=timeout)


# -- answers that keep the contract are served as set ----------------------------------------
@pytest.mark.parametrize("example", EXAMPLES, ids=["active", "active-all-claims", "inactive"])
def test_a_conforming_answer_is_served_as_set(stub: IntrospectionStub, example: dict[str, Any]) -> None:
    token = stub.token_for(example)
    response = introspect(stub, token)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == example
    assert contract_error(response.status_code, response.content) is None


def test_an_answer_set_through_answers_is_served(stub: IntrospectionStub) -> None:
    stub.answers["plain-token"] = ACTIVE  # a plain body becomes a checked contract answer
    assert isinstance(stub.answers["plain-token"], Answer)
    assert introspect(stub, "plain-token").json() == ACTIVE
    assert introspect(stub, "other-token").json() == {"active": False}


# -- answers that break the contract: refused unless declared, and then they must break it -----
@pytest.mark.parametrize("body", NOT_CONTRACT)
def test_a_non_conforming_answer_not_declared_raises_when_set(
    stub: IntrospectionStub, body: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="breaks the introspection contract"):
        stub.token_for(body)
    with pytest.raises(ValueError, match="breaks the introspection contract"):
        stub.answers["token"] = body
    assert "token" not in stub.answers  # nothing was stored, so nothing can be served
    assert introspect(stub, "token").json() == {"active": False}


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, b"not json"), (200, b""), (500, {"active": False}), (401, ACTIVE), (503, b"down")],
    ids=["not-json", "empty", "500", "401", "503-text"],
)
def test_a_non_200_or_non_json_answer_must_be_declared(
    stub: IntrospectionStub, status: int, body: Any
) -> None:
    with pytest.raises(ValueError, match="breaks the introspection contract"):
        stub.token_for(body, status=status)


def test_the_error_names_what_the_schema_refused() -> None:
    with pytest.raises(ValueError, match=r"/exp: "):
        Answer({**ACTIVE, "exp": "soon"})


@pytest.mark.parametrize("body", EXAMPLES, ids=["active", "active-all-claims", "inactive"])
def test_declaring_a_break_for_a_conforming_answer_raises(
    stub: IntrospectionStub, body: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="said to break the introspection contract, but it conforms"):
        stub.token_for(body, breaks_contract=True)


@pytest.mark.parametrize(
    ("status", "body", "raw"),
    [
        (200, {**ACTIVE, "roles": ["root"]}, json.dumps({**ACTIVE, "roles": ["root"]}).encode()),
        (200, b"<html>oops</html>", b"<html>oops</html>"),
        (503, b"", b""),
        (500, {"active": False}, b'{"active": false}'),
    ],
    ids=["bad-role", "html", "503-empty", "500-inactive"],
)
def test_a_declared_break_is_served_byte_for_byte(
    stub: IntrospectionStub, status: int, body: Any, raw: bytes
) -> None:
    token = stub.token_for(body, status=status, breaks_contract=True)
    response = introspect(stub, token)
    assert response.status_code == status
    assert response.content == raw
    assert contract_error(response.status_code, response.content) is not None


def test_the_stub_checks_against_the_committed_schema() -> None:
    """Every example of contracts/introspection.schema.json passes; one field the schema
    does not list, added to each active example, is refused."""
    for example in EXAMPLES:
        assert contract_error(200, json.dumps(example).encode()) is None
        if example["active"]:
            extended = copy.deepcopy(example)
            extended["not_in_the_schema"] = 1
            assert contract_error(200, json.dumps(extended).encode()) is not None


@pytest.mark.parametrize("sub", ["ada\n", "\n", "a\nb", "a\x00"])
def test_the_stub_reads_the_schemas_patterns_as_ecma_262(sub: str) -> None:
    """``^[^\\u0000-\\u001f\\u007f]*$`` refuses a control character anywhere, a final newline
    too (Python's ``re`` would let ``$`` match before it): the stub and the hours service
    read the contract alike."""
    answer = {**EXAMPLES[0], "sub": sub}
    assert contract_error(200, json.dumps(answer).encode()) is not None


# -- the endpoint's HTTP --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "authorization",
    [
        basic(secret="wrong-secret"),
        basic(client_id="someone-else"),
        basic(client_id=CLIENT_ID, secret=""),
        "Bearer " + CLIENT_SECRET,
        "Basic not-base64!",
    ],
    ids=["wrong-secret", "wrong-client", "empty-secret", "bearer", "malformed"],
)
def test_wrong_client_credentials_get_401_invalid_client(stub: IntrospectionStub, authorization: str) -> None:
    token = stub.token_for(ACTIVE)
    response = introspect(stub, token, authorization=authorization)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "sub" not in response.text  # the answer for the token is not given away
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    (call,) = stub.calls
    assert call.authorized is False


def test_missing_client_credentials_get_401_invalid_client(stub: IntrospectionStub) -> None:
    token = stub.token_for(ACTIVE)
    response = requests.post(stub.url + INTROSPECT_PATH, data={"token": token}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_the_credentials_a_stub_is_given_are_the_ones_it_takes() -> None:
    with IntrospectionStub("hours-test", "s3cret-of-this-test") as stub:
        token = stub.token_for(ACTIVE)
        assert introspect(stub, token).status_code == 401  # the default ones no longer pass
        response = introspect(stub, token, authorization=basic("hours-test", "s3cret-of-this-test"))
        assert response.status_code == 200
        assert response.json() == ACTIVE


def test_an_unknown_or_missing_token_is_inactive(stub: IntrospectionStub) -> None:
    stub.token_for(ACTIVE)
    for token in ("never-issued", "", None):
        response = introspect(stub, token)
        assert response.status_code == 200
        assert response.json() == {"active": False}


def test_health_and_unknown_paths(stub: IntrospectionStub) -> None:
    assert requests.get(stub.url + LIVE_PATH, timeout=10).status_code == 200
    assert requests.get(stub.url + "/elsewhere", timeout=10).status_code == 404
    response = requests.post(
        stub.url + "/elsewhere", data={"token": "t"}, headers={"Authorization": basic()}, timeout=10
    )
    assert response.status_code == 404


# -- modes -------------------------------------------------------------------------------------
def test_an_unknown_mode_is_refused(stub: IntrospectionStub) -> None:
    stub.mode = "error"
    with pytest.raises(ValueError, match="'broken' is not one of"):
        stub.mode = "broken"
    assert stub.mode == "error"  # unchanged
    with pytest.raises(ValueError):
        IntrospectionStub().mode = "Slow"


def test_slow_mode_answers_after_slow_seconds(stub: IntrospectionStub) -> None:
    token = stub.token_for(ACTIVE)
    stub.mode = "slow"
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        introspect(stub, token, timeout=SHORT_READ_TIMEOUT)  # what the consumer's tests rely on
    assert time.monotonic() - started < SLOW_SECONDS
    started = time.monotonic()
    response = introspect(stub, token)
    assert time.monotonic() - started >= SLOW_SECONDS
    assert response.status_code == 200
    assert response.json() == ACTIVE  # late, but the answer that was set


def test_error_mode_answers_500_health_included(stub: IntrospectionStub) -> None:
    token = stub.token_for(ACTIVE)
    stub.mode = "error"
    for response in (
        introspect(stub, token),
        introspect(stub, "unknown"),
        requests.get(stub.url + LIVE_PATH, timeout=10),
    ):
        assert response.status_code == 500
        assert "sub" not in response.text


def test_garbage_mode_answers_200_that_breaks_the_contract(stub: IntrospectionStub) -> None:
    token = stub.token_for(ACTIVE)
    stub.mode = "garbage"
    for sent in (token, "unknown"):
        response = introspect(stub, sent)
        assert response.status_code == 200
        assert response.json() != ACTIVE
        assert contract_error(response.status_code, response.content) is not None
    assert requests.get(stub.url + LIVE_PATH, timeout=10).status_code == 200


def test_normal_mode_again_serves_the_answers_that_were_set(stub: IntrospectionStub) -> None:
    token = stub.token_for(ACTIVE)
    for mode in ("error", "garbage"):
        stub.mode = mode
        assert introspect(stub, token).json() != ACTIVE
    stub.mode = "normal"
    assert introspect(stub, token).json() == ACTIVE


# -- calls are recorded ------------------------------------------------------------------------
def test_every_request_is_recorded_in_order(stub: IntrospectionStub) -> None:
    token = stub.token_for(ACTIVE)
    introspect(stub, token, **{"X-Request-Id": "req-1"})
    introspect(stub, "other", authorization=basic(secret="wrong"))
    requests.get(stub.url + LIVE_PATH, timeout=10)
    first, second, third = stub.calls
    assert (first.method, first.path, first.token, first.authorized) == ("POST", INTROSPECT_PATH, token, True)
    assert first.headers["X-Request-Id"] == "req-1"
    assert first.headers["Authorization"] == basic()
    assert first.form == {"token": [token]}
    assert (second.token, second.authorized) == ("other", False)
    assert (third.method, third.path, third.token) == ("GET", LIVE_PATH, None)
    assert stub.introspections() == [first, second]


def test_calls_are_recorded_in_every_mode(stub: IntrospectionStub) -> None:
    for mode in ("error", "garbage"):
        stub.mode = mode
        introspect(stub, mode)
    assert [call.token for call in stub.introspections()] == ["error", "garbage"]


def test_reset_is_as_just_started(stub: IntrospectionStub) -> None:
    token = stub.token_for(ACTIVE)
    introspect(stub, token)
    stub.mode = "garbage"
    stub.reset()
    assert (stub.calls, dict(stub.answers), stub.mode) == ([], {}, "normal")
    assert introspect(stub, token).json() == {"active": False}  # the answer is gone too
    assert len(stub.calls) == 1
