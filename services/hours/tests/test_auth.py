"""IntrospectionAuthentication against a real HTTP server that speaks the contract.

The variants share base mixins, as DRF's own authentication tests do: every way the user
service can fail to answer gets the :class:`UnavailableMixin` tests (503 problem+json with
Retry-After, never 401, nothing cached), and both token-failure variants get
:class:`InvalidTokenMixin` (401 with ``WWW-Authenticate``).
"""

from __future__ import annotations

import hashlib
import json
import time
from importlib import resources
from typing import Any, ClassVar

import pytest
from django.core.cache import cache
from hours_service.auth import (
    CACHE_PREFIX,
    IntrospectionAuthentication,
    NonConformingAnswer,
    cache_key,
    parse_answer,
)
from timekeeper_dev.introspection_stub import CLIENT_SECRET, SHORT_READ_TIMEOUT, SLOW_SECONDS
from timekeeper_dev.net import free_port

from tests.conftest import active_answer
from tests.factories import PrincipalFactory

pytestmark = pytest.mark.django_db

URL = "/api/hours/v1/timer/current"


class AuthCase:
    """Calls one protected endpoint with a token of the variant's making."""

    @pytest.fixture(autouse=True)
    def _setup(self, client, user_service, user, token_for, settings) -> None:
        self.client = client
        self.stub = user_service
        self.user = user
        self.settings = settings
        self.token = token_for(user)

    def call(self, token: str | None = None, **headers: str) -> Any:
        if token is None:
            token = self.token
        return self.client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


class InvalidTokenMixin(AuthCase):
    def call_invalid(self) -> Any:
        raise NotImplementedError

    def test_401_problem(self):
        response = self.call_invalid()
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 401

    def test_www_authenticate_names_invalid_token(self):
        """The user service's challenge, word for word (CONTRIBUTING.md, "Authentication")."""
        assert self.call_invalid()["WWW-Authenticate"] == 'Bearer realm="timekeeper", error="invalid_token"'


class TestInactiveToken(InvalidTokenMixin):
    def call_invalid(self):
        return self.call("a-token-the-user-service-does-not-know")

    def test_inactive_answer_is_not_cached(self):
        self.call_invalid()
        self.call_invalid()
        assert len(self.stub.introspections()) == 2


class TestMalformedHeader(InvalidTokenMixin):
    def call_invalid(self):
        return self.client.get(URL, HTTP_AUTHORIZATION="Bearer two words")

    def test_asks_nobody(self):
        self.call_invalid()
        assert self.stub.introspections() == []


class TestBearerWithoutToken(InvalidTokenMixin):
    def call_invalid(self):
        return self.client.get(URL, HTTP_AUTHORIZATION="Bearer")


class TestNoCredentials(AuthCase):
    def test_401_without_error_code(self):
        response = self.client.get(URL)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="timekeeper"'
        assert response["Content-Type"] == "application/problem+json"

    def test_other_schemes_are_not_ours(self):
        response = self.client.get(URL, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
        assert response.status_code == 401
        assert self.stub.introspections() == []


class TestActiveToken(AuthCase):
    def test_authenticates_as_the_tokens_user(self):
        assert self.call().status_code == 204
        response = self.client.get("/api/hours/v1/projects", HTTP_AUTHORIZATION=f"Bearer {self.token}")
        assert response.status_code == 200

    def test_sends_service_credentials_form_token_and_request_id(self):
        self.call(HTTP_X_REQUEST_ID="req-123")
        (call,) = self.stub.introspections()
        assert call.token == self.token
        assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert call.headers["X-Request-Id"] == "req-123"
        assert call.headers["Authorization"].startswith("Basic ")

    def test_cache_hit_makes_no_second_call(self):
        assert self.call().status_code == 204
        assert self.call().status_code == 204
        assert len(self.stub.introspections()) == 1

    def test_cache_key_is_a_hash_of_the_token(self):
        self.call()
        key = CACHE_PREFIX + hashlib.sha256(self.token.encode()).hexdigest()
        assert cache_key(self.token) == key
        assert cache.get(key).id == self.user.id
        assert not any(self.token in k for k in cache._cache)  # LocMemCache's own store

    def test_cache_never_outlives_exp(self, token_for):
        soon = PrincipalFactory(exp=int(time.time()) + 1)
        token = token_for(soon)
        assert self.call(token).status_code == 204
        time.sleep(max(0.0, soon.exp - time.time()) + 0.05)
        self.stub.answers[token] = {"active": False}  # by now the token has expired
        assert self.call(token).status_code == 401
        assert len(self.stub.introspections()) == 2

    def test_cache_lasts_auth_cache_seconds_at_most(self):
        self.settings.AUTH_CACHE_SECONDS = 0
        self.call()
        self.call()
        assert len(self.stub.introspections()) == 2

    def test_revocation_shows_once_the_cache_entry_is_gone(self):
        self.call()
        self.stub.answers[self.token] = {"active": False}
        assert self.call().status_code == 204  # cached: a revoked token works up to AUTH_CACHE_SECONDS
        cache.clear()
        assert self.call().status_code == 401

    def test_roles_reach_the_principal(self, token_for, admin):
        token = token_for(admin)
        response = self.client.get("/api/hours/v1/entries?user=someone", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200


class UnavailableMixin(AuthCase):
    """The user service cannot answer: 503 problem+json with Retry-After, never 401."""

    mode: ClassVar[str] = "normal"

    @pytest.fixture(autouse=True)
    def _misbehave(self, _setup):
        self.stub.mode = self.mode
        self.settings.USER_SERVICE_READ_TIMEOUT = SHORT_READ_TIMEOUT

    def test_503_problem_with_retry_after(self):
        response = self.call()
        assert response.status_code == 503
        assert response["Content-Type"] == "application/problem+json"
        assert int(response["Retry-After"]) > 0
        body = response.json()
        assert body["type"] == "urn:timekeeper:problem:user-service-unavailable"
        assert body["status"] == 503
        assert "WWW-Authenticate" not in response

    def test_nothing_is_cached(self):
        self.call()
        assert cache.get(cache_key(self.token)) is None

    def test_recovers_when_the_user_service_does(self):
        self.call()
        self.stub.mode = "normal"
        self.settings.USER_SERVICE_URL = self.stub.url
        self.settings.INTROSPECTION_CLIENT_SECRET = CLIENT_SECRET
        self.settings.USER_SERVICE_READ_TIMEOUT = 5.0
        assert self.call().status_code == 204


class TestTimeout(UnavailableMixin):
    mode = "slow"

    def test_gives_up_after_the_read_timeout_without_retrying(self):
        started = time.monotonic()
        self.call()
        assert time.monotonic() - started < SLOW_SECONDS  # gave up at the read timeout, no retry of a read
        assert len(self.stub.introspections()) == 1


class TestServerError(UnavailableMixin):
    mode = "error"

    def test_5xx_is_not_retried(self):
        self.call()
        assert len(self.stub.introspections()) == 1


class TestNonConformingAnswer(UnavailableMixin):
    mode = "garbage"


class TestConnectionRefused(UnavailableMixin):
    @pytest.fixture(autouse=True)
    def _nobody_listens(self, _misbehave):
        self.settings.USER_SERVICE_URL = f"http://127.0.0.1:{free_port()}"


class TestWrongServiceCredentials(UnavailableMixin):
    """The user service refuses our client credentials (a deployment error): still 503."""

    @pytest.fixture(autouse=True)
    def _wrong_secret(self, _misbehave):
        self.settings.INTROSPECTION_CLIENT_SECRET = "not-the-secret"


def test_authenticate_header_makes_failures_401():
    assert IntrospectionAuthentication().authenticate_header(None) == "Bearer"


def test_active_answer_matches_the_contract_example_shape(user):
    assert set(active_answer(user)) == {"active", "sub", "username", "roles", "exp", "iat", "jti"}


# -- the contract check: each answer against the packaged introspection schema ------------------
SCHEMA = json.loads((resources.files("hours_service") / "introspection.schema.json").read_text())
ACTIVE = SCHEMA["examples"][0]


@pytest.mark.parametrize("answer", SCHEMA["examples"], ids=["active", "admin", "inactive"])
def test_every_example_of_the_schema_is_taken(answer):
    principal = parse_answer(answer)
    if answer["active"]:
        assert (principal.id, principal.username, principal.roles, principal.exp) == (
            answer["sub"],
            answer["username"],
            tuple(answer["roles"]),
            answer["exp"],
        )
    else:
        assert principal is None


@pytest.mark.parametrize(
    "answer",
    [
        {**ACTIVE, "sub": "ada\n"},  # Python's re lets $ match before a final newline; the contract does not
        {**ACTIVE, "username": "\n"},
        {**ACTIVE, "jti": "a\x00"},
        {**ACTIVE, "roles": ["root"]},
        {**ACTIVE, "email": "ada@example.com"},
        {"active": False, "sub": ACTIVE["sub"]},
        [ACTIVE],
        None,
    ],
    ids=[
        "sub-final-newline",
        "username-newline",
        "jti-nul",
        "role",
        "extra",
        "inactive-claims",
        "list",
        "null",
    ],
)
def test_an_answer_the_schema_refuses_is_refused(answer):
    with pytest.raises(NonConformingAnswer):
        parse_answer(answer)


def test_the_reason_says_where_the_answer_breaks_not_what_it_holds():
    """The reason is logged: it names the claims that break the contract, never their values."""
    with pytest.raises(NonConformingAnswer) as caught:
        parse_answer({**ACTIVE, "username": "ada-the-admin\n", "roles": ["root"]})
    reason = str(caught.value)
    assert "/username" in reason and "/roles/0" in reason, reason
    assert "ada-the-admin" not in reason and "root" not in reason, reason
