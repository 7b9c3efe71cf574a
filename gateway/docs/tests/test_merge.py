"""merge_documents: one valid OpenAPI 3.1 document in which no name can clash."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from docs_service.merge import MergeConflict, merge_documents, namespace_document
from openapi_spec_validator import validate
from stubs import HOURS_SPEC, USERS_SPEC


@pytest.fixture
def merged() -> dict[str, Any]:
    return merge_documents([("Users", USERS_SPEC), ("Hours", HOURS_SPEC)])


def _operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in doc["paths"].values() for key, op in item.items() if key in ("get", "post")]


def test_merged_document_is_valid_openapi_3_1(merged: dict[str, Any]) -> None:
    validate(merged)
    assert merged["openapi"].startswith("3.1.")
    assert merged["servers"] == [{"url": "/", "description": "the Timekeeper gateway"}]


def test_inputs_are_left_untouched() -> None:
    before = copy.deepcopy(USERS_SPEC)
    merge_documents([("Users", USERS_SPEC)])
    assert before == USERS_SPEC


def test_every_path_of_both_services_is_there(merged: dict[str, Any]) -> None:
    assert set(merged["paths"]) == set(USERS_SPEC["paths"]) | set(HOURS_SPEC["paths"])


def test_clashing_component_names_get_service_prefixes(merged: dict[str, Any]) -> None:
    schemas = merged["components"]["schemas"]
    assert {"Users_Problem", "Hours_Problem", "Users_User", "Hours_User"} <= set(schemas)
    assert not {"Problem", "User"} & set(schemas)
    assert set(merged["components"]["parameters"]) == {"Hours_EntryId"}
    assert set(merged["components"]["responses"]) == {"Hours_Unauthorized"}


def test_refs_follow_the_renamed_components(merged: dict[str, Any]) -> None:
    entries = merged["paths"]["/api/hours/v1/entries"]["get"]["responses"]
    assert entries["401"] == {"$ref": "#/components/responses/Hours_Unauthorized"}
    user = merged["components"]["schemas"]["Users_User"]
    assert user["properties"]["roles"]["items"] == {"$ref": "#/components/schemas/Users_Role"}
    detail = merged["paths"]["/api/hours/v1/entries/{entry_id}"]
    assert detail["parameters"] == [{"$ref": "#/components/parameters/Hours_EntryId"}]


def test_discriminator_mappings_follow_names_and_refs(merged: dict[str, Any]) -> None:
    mapping = merged["components"]["schemas"]["Hours_Entry"]["discriminator"]["mapping"]
    assert mapping == {"work": "Hours_Entry", "leave": "#/components/schemas/Hours_Entry"}


def test_literal_examples_are_not_rewritten(merged: dict[str, Any]) -> None:
    example = merged["components"]["schemas"]["Hours_EntryList"]["example"]
    assert example == {"items": [{"$ref": "#/components/schemas/NotARef", "id": 1}]}


def test_operation_ids_are_unique_and_prefixed(merged: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in _operations(merged)]
    assert len(ids) == len(set(ids))
    assert {"Users_health_live", "Hours_health_live", "Users_token_issue", "Hours_entry_list"} <= set(ids)
    links = merged["paths"]["/api/users/v1/users/me"]["get"]["responses"]["200"]["links"]
    assert links == {"self": {"operationId": "Users_user_me"}}


def test_tags_are_prefixed_and_grouped_per_service(merged: dict[str, Any]) -> None:
    names = [tag["name"] for tag in merged["tags"]]
    assert len(names) == len(set(names))
    assert {"Users_health", "Hours_health", "Users_auth", "Hours_entries"} <= set(names)
    for op in _operations(merged):
        assert all(tag in names for tag in op["tags"])
    groups = {group["name"]: group["tags"] for group in merged["x-tagGroups"]}
    assert groups["Users"] == ["Users_users", "Users_auth", "Users_health"]
    assert groups["Hours"] == ["Hours_entries", "Hours_health"]


def test_security_schemes_are_renamed_and_top_level_security_moves_to_operations(
    merged: dict[str, Any],
) -> None:
    assert set(merged["components"]["securitySchemes"]) == {"Users_OAuth2PasswordBearer", "Hours_BearerAuth"}
    assert "security" not in merged
    paths = merged["paths"]
    assert paths["/api/users/v1/users/me"]["get"]["security"] == [{"Users_OAuth2PasswordBearer": []}]
    assert paths["/api/users/v1/users"]["post"]["security"] == []
    assert paths["/api/hours/v1/entries"]["get"]["security"] == [{"Hours_BearerAuth": []}]


def test_info_names_both_versions_and_explains_the_prefixes() -> None:
    merged = merge_documents([("Users", USERS_SPEC), ("Hours", HOURS_SPEC)], description="both")
    assert merged["info"]["version"] == "Users 1.0.0; Hours 0.3.0"
    assert merged["info"]["description"] == "both"


def test_a_server_path_prefix_is_folded_into_the_paths() -> None:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "http://localhost:8000/api/users/"}],
        "paths": {
            "/v1/ping": {"get": {"responses": {"200": {"$ref": "#/paths/~1v1~1ping/get/responses/204"}}}}
        },
    }
    doc = namespace_document(spec, "Users")
    assert list(doc["paths"]) == ["/api/users/v1/ping"]
    ref = doc["paths"]["/api/users/v1/ping"]["get"]["responses"]["200"]["$ref"]
    assert ref == "#/paths/~1api~1users~1v1~1ping/get/responses/204"


def test_untagged_operations_get_the_service_tag() -> None:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/api/x": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    merged = merge_documents([("Hours", spec)])
    assert merged["paths"]["/api/x"]["get"]["tags"] == ["Hours"]
    assert merged["tags"] == [{"name": "Hours"}]
    validate(merged)


def test_the_same_path_in_two_documents_is_a_conflict() -> None:
    with pytest.raises(MergeConflict, match="/api/users/v1/token"):
        merge_documents([("Users", USERS_SPEC), ("Again", USERS_SPEC)])


def test_the_same_operation_id_twice_is_a_conflict() -> None:
    """Prefixes keep the services' ids apart; ids that still meet would make an invalid document."""
    first = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/api/a": {"get": {"operationId": "b_list", "responses": {"200": {"description": "ok"}}}}},
    }
    second = copy.deepcopy(first)
    second["paths"] = {
        "/api/b": {"get": {"operationId": "list", "responses": {"200": {"description": "ok"}}}}
    }
    with pytest.raises(MergeConflict, match="operationId A_b_list names both GET /api/a and GET /api/b"):
        merge_documents([("A", first), ("A_b", second)])
    second["paths"]["/api/b"]["post"] = copy.deepcopy(second["paths"]["/api/b"]["get"])
    with pytest.raises(MergeConflict, match="operationId B_list names both GET /api/b and POST /api/b"):
        merge_documents([("B", second)])


CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


@pytest.fixture(scope="module")
def committed() -> list[tuple[str, dict[str, Any]]]:
    """The committed service contracts, under the prefixes docs_service.config gives them."""
    return [
        (prefix, json.loads((CONTRACTS / f"{key}.openapi.json").read_text()))
        for prefix, key in (("Users", "users"), ("Hours", "hours"))
    ]


def _all_operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    }


def test_the_committed_service_contracts_merge_into_a_valid_document(
    committed: list[tuple[str, dict[str, Any]]],
) -> None:
    (_, users), (_, hours) = committed
    merged = merge_documents(committed)
    validate(merged)
    assert set(merged["paths"]) == set(users["paths"]) | set(hours["paths"])
    schemes = merged["components"]["securitySchemes"]
    assert {f"Users_{name}" for name in users["components"]["securitySchemes"]} <= set(schemes)
    assert {f"Hours_{name}" for name in hours["components"]["securitySchemes"]} <= set(schemes)


def test_the_committed_contracts_merge_with_unique_prefixed_operation_ids(
    committed: list[tuple[str, dict[str, Any]]],
) -> None:
    merged_ops = _all_operations(merge_documents(committed))
    ids = [op.get("operationId") for op in merged_ops.values()]
    assert None not in ids
    assert len(ids) == len(set(ids))
    for prefix, document in committed:
        for key, op in _all_operations(document).items():
            assert merged_ops[key]["operationId"] == f"{prefix}_{op['operationId']}"


def test_the_committed_contracts_offer_only_logins_some_operation_takes(
    committed: list[tuple[str, dict[str, Any]]],
) -> None:
    """Swagger UI's Authorize lists every scheme of the merged document: none may be dead."""
    merged = merge_documents(committed)
    used = {name for op in _all_operations(merged).values() for req in op.get("security", []) for name in req}
    assert set(merged["components"]["securitySchemes"]) == used
