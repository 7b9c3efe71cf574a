from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import BASE, EntryFactory, ProjectFactory, forgotten_timer

pytestmark = pytest.mark.django_db

URL = "/api/hours/v1/entries"
HOUR = timedelta(hours=1)


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def create(api, **fields):
    return api.post(URL, {"started_at": iso(BASE), "ended_at": iso(BASE + HOUR), **fields}, format="json")


def test_create_and_read_back(api, user):
    project = ProjectFactory(owner_id=user.id, name="Website")
    response = create(api, project=project.pk, description="landing page", tags=["design", "design", " web "])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["user"] == user.id
    assert body["project"] == project.pk
    assert body["project_name"] == "Website"
    assert body["duration_seconds"] == 3600
    assert body["running"] is False
    assert body["tags"] == ["design", "web"]
    assert api.get(f"{URL}/{body['id']}").json() == body


def test_overlap_is_409_naming_the_entry(api, user):
    first = create(api).json()
    response = create(api, started_at=iso(BASE + HOUR / 2), ended_at=iso(BASE + 2 * HOUR))
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:timekeeper:problem:overlapping-entry"
    assert body["conflicting_entry"]["id"] == first["id"]
    assert str(first["id"]) in body["detail"]


def test_rules_answer_400_on_the_field(api):
    response = create(api, ended_at=iso(BASE - HOUR))
    assert response.status_code == 400
    assert response.json()["type"] == "urn:timekeeper:problem:validation-error"
    assert "ended_at" in response.json()["errors"]
    assert create(api, ended_at=iso(BASE + 25 * HOUR)).status_code == 400


def test_list_filters(api, user):
    project = ProjectFactory(owner_id=user.id)
    EntryFactory(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR, tags=["a"], project=project)
    EntryFactory(user_id=user.id, started_at=BASE + 2 * HOUR, ended_at=BASE + 3 * HOUR, billable=False)
    forgotten_timer(user.id, started_at=BASE + 4 * HOUR, tags=["a", "b"])
    EntryFactory(user_id="someone-else", started_at=BASE, ended_at=BASE + HOUR)

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return [e["started_at"] for e in response.json()["items"]]

    assert len(ids()) == 3
    assert len(ids(tag="a")) == 2
    assert len(ids(billable="false")) == 1
    assert len(ids(running="true")) == 1
    assert len(ids(project=project.pk)) == 1
    # from/to select the entries that overlap the range
    assert len(ids(**{"from": iso(BASE + HOUR / 2), "to": iso(BASE + 2 * HOUR + HOUR / 2)})) == 2
    assert len(ids(**{"from": iso(BASE + 10 * HOUR)})) == 1  # the running one
    assert ids(ordering="started_at") == sorted(ids())
    assert ids() == sorted(ids(), reverse=True)


def test_the_same_list_query_reads_each_callers_own_values(api, user, other_user, client_for):
    # The list's query is compiled once per shape (which filters, which page): what changes
    # from one call to the next (who asks, the range, the project) must be that call's.
    mine = [EntryFactory(user_id=user.id, started_at=BASE + day * 24 * HOUR) for day in range(3)]
    theirs = EntryFactory(user_id=other_user.id, started_at=BASE)
    other = client_for(other_user)

    def ids(client, **params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return {e["id"] for e in response.json()["items"]}

    for _ in range(2):
        assert ids(api) == {e.pk for e in mine}
        assert ids(other) == {theirs.pk}
    for day, entry in enumerate(mine):
        day_range = {"from": iso(BASE + day * 24 * HOUR), "to": iso(BASE + (day * 24 + 1) * HOUR)}
        assert ids(api, **day_range) == {entry.pk}
    assert ids(other, **{"from": iso(BASE), "to": iso(BASE + HOUR)}) == {theirs.pk}


def test_list_orders_by_any_field_the_filter_names(api, user):
    """ordering takes started_at, ended_at, created_at and id, each either way, and several
    of them (the first decides); id breaks ties."""
    first = EntryFactory(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR)
    second = EntryFactory(user_id=user.id, started_at=BASE + 2 * HOUR, ended_at=BASE + 3 * HOUR)
    third = EntryFactory(user_id=user.id, started_at=BASE - 2 * HOUR, ended_at=BASE - HOUR)

    def ids(ordering):
        response = api.get(URL, {"ordering": ordering})
        assert response.status_code == 200, response.json()
        return [e["id"] for e in response.json()["items"]]

    assert ids("id") == [first.pk, second.pk, third.pk]
    assert ids("-id") == [third.pk, second.pk, first.pk]
    assert ids("ended_at") == [third.pk, first.pk, second.pk]
    assert ids("-created_at,-id") == [third.pk, second.pk, first.pk]


def test_listed_entries_are_what_reading_each_one_answers(api, user):
    """The list builds its rows without EntryOutput (serializers.entry_rows): same body."""
    project = ProjectFactory(owner_id=user.id, name="Website")
    EntryFactory(
        user_id=user.id,
        project=project,
        description="with a project",
        tags=["design", "web"],
        started_at=BASE + timedelta(microseconds=250_000),
        ended_at=BASE + HOUR + timedelta(microseconds=500),
    )
    EntryFactory(user_id=user.id, started_at=BASE + 2 * HOUR, billable=False)
    forgotten_timer(user.id, started_at=BASE + 4 * HOUR)  # running
    for query in (
        "",
        "?ordering=started_at",
        f"?project={project.pk}",
        "?running=true",
        "?per_page=2&page=2",
    ):
        listed = api.get(URL + query).json()["items"]
        assert listed, query
        for entry in listed:
            read = api.get(f"{URL}/{entry['id']}").json()
            if entry["running"]:  # read a moment later: it has run a little longer
                assert 0 <= read.pop("duration_seconds") - entry.pop("duration_seconds") <= 2
            assert entry == read, query


def test_pagination(api, user):
    for n in range(5):
        EntryFactory(user_id=user.id, started_at=BASE + 2 * n * HOUR)
    response = api.get(URL, {"per_page": 2, "page": 2, "ordering": "started_at"})
    body = response.json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)
    assert [e["started_at"] for e in body["items"]] == [iso(BASE + 4 * HOUR), iso(BASE + 6 * HOUR)]
    # RFC 8288 links to the other pages, the other query parameters kept
    assert response["Link"] == ", ".join(
        [
            f'<{URL}?ordering=started_at&page=1&per_page=2>; rel="first"',
            f'<{URL}?ordering=started_at&page=1&per_page=2>; rel="prev"',
            f'<{URL}?ordering=started_at&page=3&per_page=2>; rel="next"',
            f'<{URL}?ordering=started_at&page=3&per_page=2>; rel="last"',
        ]
    )
    default = api.get(URL).json()
    assert (default["page"], default["per_page"], default["total"], default["pages"]) == (1, 50, 5, 1)
    # past the last page: an empty page, not an error
    beyond = api.get(URL, {"page": 9})
    assert beyond.status_code == 200
    assert (beyond.json()["items"], beyond.json()["total"]) == ([], 5)


def test_patch_and_delete(api, user):
    entry = EntryFactory(user_id=user.id, started_at=BASE, ended_at=BASE + HOUR)
    response = api.patch(
        f"{URL}/{entry.pk}", {"description": "fixed", "ended_at": iso(BASE + 2 * HOUR)}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["duration_seconds"] == 7200
    assert api.delete(f"{URL}/{entry.pk}").status_code == 204
    assert api.get(f"{URL}/{entry.pk}").status_code == 404


def test_another_users_entry_is_404_for_every_operation(api, other_user):
    theirs = EntryFactory(user_id=other_user.id)
    for response in (
        api.get(f"{URL}/{theirs.pk}"),
        api.patch(f"{URL}/{theirs.pk}", {"description": "mine now"}, format="json"),
        api.delete(f"{URL}/{theirs.pk}"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"No entry {theirs.pk}."


def test_another_users_project_is_404_without_a_leak(api, other_user):
    theirs = ProjectFactory(owner_id=other_user.id, name="Secret plan")
    response = create(api, project=theirs.pk)
    assert response.status_code == 404
    assert "Secret" not in response.content.decode()
    missing = create(api, project=theirs.pk + 1000)
    assert response.json()["detail"].replace(str(theirs.pk), "N") == missing.json()["detail"].replace(
        str(theirs.pk + 1000), "N"
    )


def test_admin_reads_anyone_with_user_param(client, admin_headers, user):
    entry = EntryFactory(user_id=user.id)
    assert client.get(URL, **admin_headers).json()["total"] == 0
    assert client.get(URL, {"user": user.id}, **admin_headers).json()["total"] == 1
    assert client.get(f"{URL}/{entry.pk}", {"user": user.id}, **admin_headers).status_code == 200
    # reading, not writing: an admin's writes stay their own
    response = client.patch(
        f"{URL}/{entry.pk}?user={user.id}", {"description": "x"}, format="json", **admin_headers
    )
    assert response.status_code == 404


def test_non_admin_may_not_read_others(api, user, other_user):
    response = api.get(URL, {"user": other_user.id})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    # RFC 6750: the token is fine, it lacks the admin role (as the user service says it)
    assert response["WWW-Authenticate"] == 'Bearer realm="timekeeper", error="insufficient_scope"'
    assert api.get(URL, {"user": user.id}).status_code == 200
