"""Idempotency-Key on registration (CONTRIBUTING.md, "Idempotency-Key"): a retry gets the
first answer and writes nothing; the same key with another body is a 422; keys are kept 24
hours, in the database."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.factories import UserPayloadFactory
from tests.helpers import assert_problem, run_together
from user_service import db
from user_service.models import IdempotencyKey, User

URL = "/api/users/v1/users"


def _count(app, model) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(model))


def _post(client, body, key):
    return client.post(URL, json=body, headers={"Idempotency-Key": key})


def test_a_retry_gets_the_first_answer_and_writes_nothing(app, client):
    body, key = UserPayloadFactory(), str(uuid.uuid4())
    first = _post(client, body, key)
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = _post(client, body, key)
    assert again.status_code == 201
    assert again.get_data() == first.get_data()  # byte for byte
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(app, User) == 1


def test_the_same_key_with_another_body_is_422(app, client):
    key = str(uuid.uuid4())
    assert _post(client, UserPayloadFactory(), key).status_code == 201
    assert_problem(_post(client, UserPayloadFactory(), key), 422, "idempotency-key-reused")
    # another password is another body too: the fingerprint covers it (keyed, never stored plain)
    body = UserPayloadFactory()
    other = str(uuid.uuid4())
    assert _post(client, body, other).status_code == 201
    assert_problem(
        _post(client, {**body, "password": body["password"] + "!"}, other), 422, "idempotency-key-reused"
    )
    assert _count(app, User) == 2


def test_the_fingerprint_keeps_no_password(app, client):
    body = UserPayloadFactory()
    _post(client, body, str(uuid.uuid4()))
    with app.app_context():
        kept = db.get_session().scalars(select(IdempotencyKey)).one()
    assert body["password"] not in f"{kept.fingerprint} {kept.body}"
    assert len(kept.fingerprint) == 64


def test_only_a_success_is_kept_so_a_failed_request_can_be_retried(app, client):
    body, key = UserPayloadFactory(), str(uuid.uuid4())
    refused = _post(client, {**body, "password": "short"}, key)
    assert refused.status_code == 400
    fixed = _post(client, body, key)
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers
    taken = _post(client, {**UserPayloadFactory(), "username": body["username"]}, str(uuid.uuid4()))
    assert taken.status_code == 409
    assert _count(app, IdempotencyKey) == 1


def test_an_expired_key_is_a_new_request(app, client):
    key = str(uuid.uuid4())
    _post(client, UserPayloadFactory(), key)
    with app.app_context():
        session = db.get_session()
        session.execute(update(IdempotencyKey).values(expires_at=func.now() - timedelta(seconds=1)))
        session.commit()
    assert _post(client, UserPayloadFactory(), key).status_code == 201  # no 422 once expired
    assert _count(app, User) == 2
    assert _count(app, IdempotencyKey) == 1


def test_keys_are_kept_a_day(app, client):
    _post(client, UserPayloadFactory(), str(uuid.uuid4()))
    with app.app_context():
        kept = db.get_session().scalars(select(IdempotencyKey)).one()
    assert timedelta(hours=23, minutes=59) < kept.expires_at - kept.created_at <= timedelta(hours=24)
    assert kept.scope == "registration"


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "two words", "tab\there"])
def test_a_malformed_key_is_a_validation_problem_naming_the_header(app, client, key):
    body = assert_problem(_post(client, UserPayloadFactory(), key), 400, "validation-error")
    assert body["errors"] == {"Idempotency-Key": ["Use 1 to 255 visible ASCII characters (a UUID, say)."]}
    assert _count(app, User) == 0


def test_without_a_key_nothing_is_kept(app, client):
    assert client.post(URL, json=UserPayloadFactory()).status_code == 201
    assert _count(app, IdempotencyKey) == 0


def test_ten_retries_at_once_write_once(app):
    """They wait on the key's primary key for the first one, then replay its answer."""
    body, key = UserPayloadFactory(), str(uuid.uuid4())
    clients = [app.test_client() for _ in range(10)]
    responses = run_together(*(lambda c=c: _post(c, body, key) for c in clients))
    assert [r.status_code for r in responses] == [201] * 10, [r.get_json() for r in responses]
    assert len({r.get_data() for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 9
    assert _count(app, User) == 1
