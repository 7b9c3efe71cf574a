"""Conditional requests on the single resources (CONTRIBUTING.md, "Conditional requests"):
ETag on /users/me and the admin's /users/{id}, If-None-Match -> 304, If-Match -> 412."""

from __future__ import annotations

import re
import time

import pytest

from tests.helpers import assert_problem, run_together
from user_service import services

URL = "/api/users/v1/users"
ME = f"{URL}/me"
STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}"$')


def _etag(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    etag = response.headers["ETag"]
    assert STRONG_ETAG.match(etag), etag
    return etag


def test_me_answers_a_strong_etag_that_changes_with_the_representation(client, auth_headers):
    first = _etag(client.get(ME, headers=auth_headers))
    assert _etag(client.get(ME, headers=auth_headers)) == first
    changed = client.patch(ME, json={"display_name": "Ada L."}, headers=auth_headers)
    assert _etag(changed) != first
    assert _etag(client.get(ME, headers=auth_headers)) == changed.headers["ETag"]


@pytest.mark.parametrize("form", ["{}", "W/{}", '"nope", {}', "*"])
def test_a_read_whose_etag_still_matches_is_not_modified(client, auth_headers, form):
    etag = _etag(client.get(ME, headers=auth_headers))
    response = client.get(ME, headers={**auth_headers, "If-None-Match": form.format(etag)})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag


def test_a_read_whose_etag_no_longer_matches_is_the_representation(client, auth_headers):
    response = client.get(ME, headers={**auth_headers, "If-None-Match": '"0123"'})
    assert response.status_code == 200
    assert response.get_json()["username"] == "ada"


def test_a_change_with_the_current_etag_is_made(client, auth_headers):
    etag = _etag(client.get(ME, headers=auth_headers))
    response = client.patch(ME, json={"display_name": "A"}, headers={**auth_headers, "If-Match": etag})
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "A"


@pytest.mark.parametrize("stale", ['"0123456789abcdef0123456789abcdef"', "W/{}"])
def test_a_change_with_a_stale_etag_is_412_and_changes_nothing(client, auth_headers, stale):
    etag = _etag(client.get(ME, headers=auth_headers))
    if_match = stale.format(etag)  # a weak tag never matches If-Match (strong comparison)
    response = client.patch(ME, json={"display_name": "B"}, headers={**auth_headers, "If-Match": if_match})
    assert_problem(response, 412, "precondition-failed")
    assert client.get(ME, headers=auth_headers).get_json()["display_name"] != "B"


def test_a_change_without_if_match_or_with_a_star_is_made(client, auth_headers):
    assert client.patch(ME, json={"display_name": "C"}, headers=auth_headers).status_code == 200
    starred = client.patch(ME, json={"display_name": "D"}, headers={**auth_headers, "If-Match": "*"})
    assert starred.status_code == 200


def test_two_changes_based_on_one_version_one_wins(app, auth_headers, monkeypatch):
    """Compared under the row's lock: the second writer sees the first one's version."""
    commit = services._commit_or_conflict

    def slow_commit(session):  # both writers have read the old version before either commits
        time.sleep(0.3)
        commit(session)

    monkeypatch.setattr(services, "_commit_or_conflict", slow_commit)
    etag = _etag(app.test_client().get(ME, headers=auth_headers))
    clients = [app.test_client(), app.test_client()]
    responses = run_together(
        *(
            lambda c=c, n=n: c.patch(
                ME, json={"display_name": f"writer {n}"}, headers={**auth_headers, "If-Match": etag}
            )
            for n, c in enumerate(clients)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 412]
    winner = next(r for r in responses if r.status_code == 200).get_json()["display_name"]
    assert app.test_client().get(ME, headers=auth_headers).get_json()["display_name"] == winner


def test_an_admin_reads_and_changes_a_user_conditionally(client, admin_headers, user, auth_headers):
    path = f"{URL}/{user.id}"
    etag = _etag(client.get(path, headers=admin_headers))
    assert etag == _etag(client.get(ME, headers=auth_headers))  # one representation, one tag
    assert client.get(path, headers={**admin_headers, "If-None-Match": etag}).status_code == 304
    changed = client.patch(
        path, json={"roles": ["user", "admin"]}, headers={**admin_headers, "If-Match": etag}
    )
    assert _etag(changed) != etag
    stale = client.patch(path, json={"is_active": False}, headers={**admin_headers, "If-Match": etag})
    assert_problem(stale, 412, "precondition-failed")
    # the user's own stale tag is refused too: the admin changed what the user sees
    again = client.patch(ME, json={"display_name": "E"}, headers={**auth_headers, "If-Match": etag})
    assert_problem(again, 412, "precondition-failed")


def test_reading_another_user_is_admin_only(client, auth_headers, admin):
    response = client.get(f"{URL}/{admin.id}", headers=auth_headers)
    assert_problem(response, 403)
