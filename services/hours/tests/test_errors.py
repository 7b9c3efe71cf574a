"""The exception handler's own cases: what the services do not translate themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, transaction
from hours_service.errors import exception_handler
from rest_framework import exceptions
from timekeeper_service.conventions import PROBLEM_CONTENT_TYPE

from tests.factories import BASE, EntryFactory, ProjectFactory


def handled(exc: Exception):
    response = exception_handler(exc, {})
    assert response.content_type == PROBLEM_CONTENT_TYPE  # not rendered yet: the attribute
    return response


def integrity_error(make) -> IntegrityError:
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        make()
    return info.value


@pytest.mark.django_db
def test_an_untranslated_unique_violation_is_409_naming_the_rule():
    ProjectFactory(owner_id="u", name="A")
    response = handled(integrity_error(lambda: ProjectFactory(owner_id="u", name="a")))
    assert response.status_code == 409
    assert response.data["type"] == "urn:timekeeper:problem:conflict"
    assert "project_owner_name_ci_unique" in response.data["detail"]


@pytest.mark.django_db
def test_an_untranslated_check_violation_is_400():
    response = handled(
        integrity_error(lambda: EntryFactory(started_at=BASE, ended_at=BASE - timedelta(hours=1)))
    )
    assert response.status_code == 400
    assert response.data["type"] == "urn:timekeeper:problem:validation-error"


def test_nested_validation_errors_are_flattened():
    exc = exceptions.ValidationError(
        {"tags": {0: ["too long"]}, "non_field_errors": ["bad"], "a": {"b": "c"}}
    )
    assert handled(exc).data["errors"] == {"tags.0": ["too long"], "non_field_errors": ["bad"], "a.b": ["c"]}


def test_throttled_says_when_to_retry():
    response = handled(exceptions.Throttled(wait=7))
    assert response.status_code == 429
    assert response["Retry-After"] == "7"


def test_a_database_that_cannot_answer_is_503_with_retry_after():
    response = handled(OperationalError("connection refused"))
    assert response.status_code == 503
    assert response.data["type"] == "urn:timekeeper:problem:database-unavailable"
    assert response["Retry-After"]


class Busy(exceptions.APIException):
    status_code = 503
    default_detail = "Busy."


def test_every_503_says_when_to_retry():
    """Whatever raised it (CONTRIBUTING.md, "Retry-After"), not only the service's own."""
    response = handled(Busy())
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def test_a_503_outside_drf_says_when_to_retry_too(rf):
    from hours_service.errors import problem_response

    response = problem_response(rf.get("/api/hours/v1/projects"), 503, "Busy.")
    assert response["Retry-After"] == "5"
