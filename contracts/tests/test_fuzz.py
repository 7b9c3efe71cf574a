"""Property-based API tests: Schemathesis, from each COMMITTED spec, against the running service.

Every operation of contracts/users.openapi.json and contracts/hours.openapi.json is called
with generated requests (valid and invalid), authenticated with a real token from the user
service; the hours service checks that token with the same user service. Two checks:
no 5xx, and every response matches its documented schema. The budget is small and the
seed fixed, so `make test` stays quick and repeatable; ``CONTRACTS_FUZZ_EXAMPLES`` and
``CONTRACTS_FUZZ_SEED`` (``random`` for a new one) widen a local run.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.helpers import CONTRACTS, Account, Stack, admin, load_contract, register

MAX_EXAMPLES = int(os.environ.get("CONTRACTS_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("CONTRACTS_FUZZ_SEED", "20261128")
# no 5xx; a documented response has a documented media type and matches its schema
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
REQUEST_TIMEOUT = 10


def _config() -> schemathesis.Config:
    settings: dict[str, Any] = {
        "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "request-timeout": REQUEST_TIMEOUT,
        # health checks judge data generation, not the API; a busy CI machine trips them
        "suppress-health-check": ["all"],
    }
    if SEED != "random":
        settings["seed"] = int(SEED)
    return schemathesis.Config.from_dict(settings)


def _load(name: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_path(CONTRACTS / name, config=_config())


def _secured(name: str) -> frozenset[str]:
    """Labels (``GET /path``) of the operations that ask for a token.

    The others get none: the OAuth2 endpoints refuse a request that carries an
    ``Authorization`` header they cannot honour (RFC 6749 client authentication), so a
    token sent everywhere would turn every token-endpoint case into a 401.
    """
    document = load_contract(name)
    return frozenset(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if any(requirement for requirement in operation.get("security", document.get("security", [])))
    )


users = _load("users.openapi.json")
hours = _load("hours.openapi.json")
SECURED = {"users": _secured("users.openapi.json"), "hours": _secured("hours.openapi.json")}


def _headers(service: str, case: schemathesis.Case, account: Account) -> dict[str, str]:
    return account.headers if case.operation.label in SECURED[service] else {}


@pytest.fixture(scope="module")
def users_admin(stack: Stack) -> Account:
    """The admin reaches every user-service operation, the admin-only ones included."""
    return admin(stack)


@pytest.fixture(scope="module")
def hours_user(stack: Stack) -> Account:
    return register(stack, prefix="fuzz-hours")


# status codes seen, per service: the last test makes sure the budget was not all spent on 401s
STATUSES: dict[str, Counter[int]] = {"users": Counter(), "hours": Counter()}


@users.parametrize()
def test_users_api(case: schemathesis.Case, stack: Stack, users_admin: Account) -> None:
    headers = _headers("users", case, users_admin)
    response = case.call_and_validate(base_url=stack.user.url, headers=headers, checks=CHECKS)
    STATUSES["users"][response.status_code] += 1


@hours.parametrize()
def test_hours_api(case: schemathesis.Case, stack: Stack, hours_user: Account) -> None:
    headers = _headers("hours", case, hours_user)
    response = case.call_and_validate(base_url=stack.hours.url, headers=headers, checks=CHECKS)
    STATUSES["hours"][response.status_code] += 1


@pytest.mark.parametrize("service", sorted(STATUSES))
def test_fuzzing_got_past_authentication(service: str) -> None:
    """Runs after the fuzz tests above (file order); trivially true when they were deselected."""
    seen = STATUSES[service]
    if seen:
        total = sum(seen.values())
        succeeded = sum(n for status, n in seen.items() if 200 <= status < 300)
        assert succeeded >= total / 10 and seen[401] < total / 2, f"statuses seen: {dict(seen)}"
