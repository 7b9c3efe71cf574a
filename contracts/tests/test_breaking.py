"""The breaking-change check, on hand-made pairs of contracts."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from contract_tools import breaking
from contract_tools.breaking import compare_json_schema, compare_openapi

ITEM = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string", "maxLength": 100},
        "note": {"type": ["string", "null"]},
        "kind": {"enum": ["a", "b"]},
        "at": {"type": "string", "format": "date-time"},
    },
}
ITEM_IN = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "maxLength": 100},
        "kind": {"enum": ["a", "b"]},
        "size": {"type": "number"},
    },
}


def spec() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "components": {
                "schemas": {"Item": ITEM, "ItemIn": ITEM_IN},
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "paths": {
                "/items": {
                    "get": {
                        "parameters": [
                            {"name": "q", "in": "query", "schema": {"type": "string"}},
                            {"name": "order", "in": "query", "schema": {"enum": ["name", "id"]}},
                        ],
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Item"},
                                        }
                                    }
                                },
                            },
                            "400": {"description": "bad"},
                        },
                    },
                    "post": {
                        "security": [{"bearer": []}],
                        "requestBody": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/ItemIn"}}
                            }
                        },
                        "responses": {
                            "201": {
                                "description": "made",
                                "content": {
                                    "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                                },
                            }
                        },
                    },
                },
                "/items/{item_id}": {
                    "parameters": [
                        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "delete": {"responses": {"204": {"description": "gone"}}},
                },
            },
        }
    )


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [str(change) for change in compare_openapi(old, new)]


def one_change(old: dict[str, Any], new: dict[str, Any], *fragments: str) -> None:
    found = changes(old, new)
    assert len(found) == 1, found
    for fragment in fragments:
        assert fragment in found[0], found


ITEMS_GET = spec()["paths"]["/items"]["get"]


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


# -- nothing breaks ----------------------------------------------------------------------
def test_identical_specs_have_no_breaking_change() -> None:
    assert changes(spec(), spec()) == []


def test_additions_are_not_breaking() -> None:
    new = spec()
    new["paths"]["/other"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    new["paths"]["/items"]["put"] = {"responses": {"200": {"description": "ok"}}}
    new["paths"]["/items"]["get"]["parameters"].append(
        {"name": "page", "in": "query", "schema": {"type": "integer"}}
    )
    new["paths"]["/items"]["get"]["responses"]["404"] = {"description": "none"}
    schemas(new)["Item"]["properties"]["extra"] = {"type": "string"}
    schemas(new)["ItemIn"]["properties"]["extra"] = {"type": "string"}
    schemas(new)["ItemIn"]["properties"]["kind"]["enum"].append("c")
    schemas(new)["ItemIn"]["properties"]["name"]["maxLength"] = 200
    assert changes(spec(), new) == []


def test_renaming_a_path_parameter_is_not_breaking() -> None:
    new = spec()
    item = new["paths"].pop("/items/{item_id}")
    item["parameters"][0]["name"] = "id"
    new["paths"]["/items/{id}"] = item
    assert changes(spec(), new) == []


def test_widening_a_request_type_and_narrowing_a_response_type_are_not_breaking() -> None:
    new = spec()
    schemas(new)["ItemIn"]["properties"]["name"]["type"] = ["string", "null"]
    schemas(new)["Item"]["properties"]["note"]["type"] = "string"
    assert changes(spec(), new) == []


def test_a_request_number_may_become_an_integer_in_responses_only() -> None:
    new = spec()
    schemas(new)["Item"]["properties"]["id"]["type"] = "number"
    assert changes(spec(), new) == [
        "GET /items response 200 application/json[].id: type changed from integer to number",
        "POST /items response 201 application/json.id: type changed from integer to number",
    ]
    assert changes(new, spec()) == []


def test_new_operation_ids_and_a_dropped_unused_security_scheme_are_not_breaking() -> None:
    """Neither changes a request or an answer: the user service's spec gained operationIds and
    lost the internal introspection client's Basic scheme, which no published operation took."""
    old = spec()
    old["components"]["securitySchemes"]["internal"] = {"type": "http", "scheme": "basic"}
    new = spec()
    operations = [
        op for item in new["paths"].values() for m, op in item.items() if m in breaking.HTTP_METHODS
    ]
    for number, operation in enumerate(operations):
        operation["operationId"] = f"items_{number}"
    assert changes(old, new) == []


# -- paths and operations ----------------------------------------------------------------
def test_removed_path() -> None:
    new = spec()
    del new["paths"]["/items"]
    assert changes(spec(), new) == ["/items: path removed"]


def test_removed_operation() -> None:
    new = spec()
    del new["paths"]["/items/{item_id}"]["delete"]
    new["paths"]["/items/{item_id}"]["get"] = {"responses": {"200": {"description": "ok"}}}
    assert changes(spec(), new) == ["DELETE /items/{item_id}: operation removed"]


# -- operationIds: the names generated clients give their methods ------------------------------
OPERATION_IDS = {
    ("/items", "get"): "items_list",
    ("/items", "post"): "items_create",
    ("/items/{item_id}", "delete"): "items_destroy",
}


def with_ids(doc: dict[str, Any]) -> dict[str, Any]:
    for (path, method), operation_id in OPERATION_IDS.items():
        doc["paths"][path][method]["operationId"] = operation_id
    return doc


def test_unchanged_operation_ids_are_not_breaking() -> None:
    new = with_ids(spec())
    item = new["paths"].pop("/items/{item_id}")  # the same operation under a renamed parameter
    item["parameters"][0]["name"] = "id"
    new["paths"]["/items/{id}"] = item
    assert changes(with_ids(spec()), new) == []


def test_adding_an_operation_id_is_not_breaking() -> None:
    new = spec()
    new["paths"]["/items"]["get"]["operationId"] = "items_list"
    assert changes(spec(), new) == []
    assert changes(spec(), with_ids(spec())) == []


def test_changed_operation_id() -> None:
    new = with_ids(spec())
    new["paths"]["/items"]["get"]["operationId"] = "list_items"
    assert changes(with_ids(spec()), new) == ["GET /items: operationId changed from items_list to list_items"]
    assert [c.level for c in compare_openapi(with_ids(spec()), new)] == ["error"]


def test_removed_operation_id() -> None:
    new = with_ids(spec())
    del new["paths"]["/items/{item_id}"]["delete"]["operationId"]
    assert changes(with_ids(spec()), new) == ["DELETE /items/{item_id}: operationId items_destroy removed"]


def test_operation_ids_swapped_between_operations_are_two_changes() -> None:
    new = with_ids(spec())
    items = new["paths"]["/items"]
    items["get"]["operationId"], items["post"]["operationId"] = "items_create", "items_list"
    assert changes(with_ids(spec()), new) == [
        "GET /items: operationId changed from items_list to items_create",
        "POST /items: operationId changed from items_create to items_list",
    ]


def test_a_removed_operation_or_path_is_reported_once_not_also_as_a_lost_operation_id() -> None:
    new = with_ids(spec())
    del new["paths"]["/items/{item_id}"]["delete"]
    new["paths"]["/items/{item_id}"]["get"] = {"operationId": "items_destroy", "responses": {}}
    assert changes(with_ids(spec()), new) == ["DELETE /items/{item_id}: operation removed"]
    new = with_ids(spec())
    del new["paths"]["/items"]
    assert changes(with_ids(spec()), new) == ["/items: path removed"]


def test_operation_now_needing_credentials() -> None:
    new = spec()
    new["paths"]["/items"]["get"]["security"] = [{"bearer": []}]
    one_change(spec(), new, "GET /items", "now requires credentials")


# -- parameters ---------------------------------------------------------------------------
def test_new_required_parameter() -> None:
    new = spec()
    new["paths"]["/items"]["get"]["parameters"].append(
        {"name": "tenant", "in": "header", "required": True, "schema": {"type": "string"}}
    )
    one_change(spec(), new, "GET /items header parameter tenant", "new required parameter")


def test_parameter_made_required_or_removed_or_retyped() -> None:
    new = spec()
    q, order = new["paths"]["/items"]["get"]["parameters"]
    q["required"] = True
    one_change(spec(), new, "query parameter q", "made required")
    new["paths"]["/items"]["get"]["parameters"] = [order]
    one_change(spec(), new, "query parameter q", "parameter removed")
    new = spec()
    new["paths"]["/items/{item_id}"]["parameters"][0]["schema"] = {"type": "string", "format": "uuid"}
    assert changes(spec(), new) == [
        "DELETE /items/{item_id} path parameter item_id: now requires format uuid",
        "DELETE /items/{item_id} path parameter item_id: type changed from integer to string",
    ]


def test_parameter_enum_value_removed() -> None:
    new = spec()
    new["paths"]["/items"]["get"]["parameters"][1]["schema"]["enum"] = ["name"]
    one_change(spec(), new, "query parameter order", 'enum value(s) removed: "id"')


# -- request bodies ------------------------------------------------------------------------
def test_new_required_request_field() -> None:
    new = spec()
    schemas(new)["ItemIn"]["properties"]["owner"] = {"type": "string"}
    schemas(new)["ItemIn"]["required"].append("owner")
    one_change(spec(), new, "POST /items request application/json.owner", "new required request field")


def test_request_field_made_required() -> None:
    new = spec()
    schemas(new)["ItemIn"]["required"].append("kind")
    one_change(spec(), new, ".kind", "request field made required")


def test_request_field_narrowed() -> None:
    new = spec()
    schemas(new)["ItemIn"]["properties"]["size"]["type"] = "integer"
    schemas(new)["ItemIn"]["properties"]["kind"]["enum"] = ["a"]
    schemas(new)["ItemIn"]["properties"]["name"]["maxLength"] = 50
    assert changes(spec(), new) == [
        'POST /items request application/json.kind: enum value(s) removed: "b"',
        "POST /items request application/json.name: maxLength tightened from 100 to 50",
        "POST /items request application/json.size: type changed from number to integer",
    ]
    levels = {c.what.split()[0]: c.level for c in compare_openapi(spec(), new)}
    assert levels == {"enum": "error", "maxLength": "warning", "type": "error"}


def test_hardened_request_validation_only_warns() -> None:
    new = spec()
    schemas(new)["ItemIn"]["properties"]["name"]["pattern"] = "^[a-z]+$"
    new["paths"]["/items"]["get"]["parameters"][0]["schema"]["maxLength"] = 100
    found = compare_openapi(spec(), new)
    assert [(str(c), c.level) for c in found] == [
        ("GET /items query parameter q: new maxLength 100", "warning"),
        ("POST /items request application/json.name: pattern changed to '^[a-z]+$'", "warning"),
    ]


def test_request_body_made_required_and_media_type_dropped() -> None:
    new = spec()
    new["paths"]["/items"]["post"]["requestBody"]["required"] = True
    one_change(spec(), new, "POST /items request body", "made required")
    new = spec()
    body = new["paths"]["/items"]["post"]["requestBody"]["content"]
    body["application/x-www-form-urlencoded"] = body.pop("application/json")
    one_change(spec(), new, "POST /items request application/json", "no longer accepted")


def test_removed_request_field_breaks_only_when_extra_fields_are_refused() -> None:
    new = spec()
    del schemas(new)["ItemIn"]["properties"]["size"]
    assert changes(spec(), new) == []
    schemas(new)["ItemIn"]["additionalProperties"] = False
    one_change(spec(), new, ".size", "request field removed")


# -- responses -----------------------------------------------------------------------------
def test_removed_response_field_is_reported_for_every_operation_using_it() -> None:
    new = spec()
    del schemas(new)["Item"]["properties"]["at"]
    assert changes(spec(), new) == [
        "GET /items response 200 application/json[].at: response field removed",
        "POST /items response 201 application/json.at: response field removed",
    ]


def test_retyped_response_field() -> None:
    new = spec()
    schemas(new)["Item"]["properties"]["name"]["type"] = "integer"
    assert "string to integer" in changes(spec(), new)[0]


def test_response_field_becoming_nullable_or_optional() -> None:
    new = spec()
    schemas(new)["Item"]["properties"]["name"]["type"] = ["string", "null"]
    assert "type changed from string to null|string" in changes(spec(), new)[0]
    new = spec()
    schemas(new)["Item"]["required"] = ["id"]
    assert "name: response field made optional" in changes(spec(), new)[0]


def test_response_enum_widened_and_format_changed() -> None:
    new = spec()
    schemas(new)["Item"]["properties"]["kind"]["enum"].append("c")
    schemas(new)["Item"]["properties"]["at"]["format"] = "date"
    found = changes(spec(), new)
    assert any('response enum widened (new: "c")' in line for line in found), found
    assert any("format changed from date-time to date" in line for line in found), found


def test_new_response_field_where_additional_properties_were_refused() -> None:
    old = spec()
    schemas(old)["Item"]["additionalProperties"] = False
    new = copy.deepcopy(old)
    schemas(new)["Item"]["properties"]["extra"] = {"type": "string"}
    assert all("additionalProperties was false" in line for line in changes(old, new))
    assert len(changes(old, new)) == 2


def test_success_response_or_its_media_type_removed() -> None:
    new = spec()
    responses = new["paths"]["/items"]["get"]["responses"]
    del responses["400"]  # error responses may go
    assert changes(spec(), new) == []
    responses["201"] = responses.pop("200")
    one_change(spec(), new, "GET /items response 200", "success response removed")
    new = spec()
    content = new["paths"]["/items"]["get"]["responses"]["200"]["content"]
    content["text/csv"] = content.pop("application/json")
    one_change(spec(), new, "GET /items response 200 application/json", "media type removed")


# -- schema shapes the generators emit ------------------------------------------------------
def test_nullable_ref_as_drf_spectacular_writes_it() -> None:
    old = spec()
    schemas(old)["Wrap"] = {"type": "object", "properties": {"item": {"$ref": "#/components/schemas/Item"}}}
    old["paths"]["/items/{item_id}"]["delete"]["responses"]["200"] = {
        "description": "x",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Wrap"}}},
    }
    new = copy.deepcopy(old)
    schemas(new)["Wrap"]["properties"]["item"] = {
        "oneOf": [{"$ref": "#/components/schemas/Item"}, {"type": "null"}]
    }
    one_change(old, new, ".item", "type changed from object to null|object")
    assert changes(new, old) == []
    del schemas(new)["Item"]["properties"]["id"]  # followed through the oneOf
    assert any(".item.id: response field removed" in line for line in changes(old, new))


def test_all_of_parts_are_merged() -> None:
    old = spec()
    schemas(old)["Item"] = {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"x": {}}}]}
    schemas(old)["Base"] = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    new = copy.deepcopy(old)
    del schemas(new)["Base"]["properties"]["id"]
    assert "[].id: response field removed" in changes(old, new)[0]


def test_recursive_schemas_terminate() -> None:
    old = spec()
    schemas(old)["Item"]["properties"]["children"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Item"},
    }
    new = copy.deepcopy(old)
    del schemas(new)["Item"]["properties"]["note"]
    found = changes(old, new)
    assert "GET /items response 200 application/json[].note: response field removed" in found


# -- the introspection schema: a JSON Schema compared as an answer ------------------------------
INTROSPECTION = json.loads((breaking.CONTRACTS / "introspection.schema.json").read_text())


def test_introspection_schema_changes_a_consumer_would_feel() -> None:
    new = copy.deepcopy(INTROSPECTION)
    active = new["oneOf"][0]
    active["required"].remove("jti")
    active["properties"]["roles"]["items"]["enum"].append("auditor")
    active["properties"]["email"] = {"type": "string"}
    assert [str(c) for c in compare_json_schema(INTROSPECTION, new)] == [
        "$<0>.email: new response field where additionalProperties was false",
        "$<0>.jti: response field made optional",
        '$<0>.roles[]: response enum widened (new: "auditor")',
    ]
    assert compare_json_schema(INTROSPECTION, INTROSPECTION) == []


# -- the command ------------------------------------------------------------------------------
@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    monkeypatch.setattr(breaking, "ROOT", tmp_path)
    monkeypatch.setattr(breaking, "CONTRACTS", contracts)
    monkeypatch.setattr(breaking, "ACCEPTED", contracts / "accepted-breaking.txt")
    monkeypatch.delenv("CONTRACTS_BASE", raising=False)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (contracts / "api.openapi.json").write_text(json.dumps(spec()))
    subprocess.run([*git, "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "one"], check=True)
    return contracts


def commit(contracts: Path, document: dict[str, Any]) -> None:
    (contracts / "api.openapi.json").write_text(json.dumps(document))
    git = ["git", "-C", str(contracts.parent), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "--allow-empty", "-qam", "next"], check=True)


def test_command_without_a_previous_commit_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert breaking.main([]) == 0
    assert "no commit 'HEAD~1'" in capsys.readouterr().out


def test_command_fails_on_a_breaking_commit_and_names_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = spec()
    del new["paths"]["/items"]
    commit(repo, new)
    assert breaking.main([]) == 1
    out = capsys.readouterr()
    assert "BREAKING  api.openapi.json: /items: path removed" in out.out
    assert "accepted-breaking.txt" in out.err
    (repo / "accepted-breaking.txt").write_text(
        "# items go away: every client moved to /things\napi.openapi.json: /items: path removed\n"
    )
    assert breaking.main([]) == 0
    assert "accepted  api.openapi.json: /items: path removed" in capsys.readouterr().out


def test_command_fails_on_a_renamed_operation_id_until_it_is_accepted(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(repo, with_ids(spec()))  # adding operationIds passes
    assert breaking.main([]) == 0
    new = with_ids(spec())
    new["paths"]["/items"]["post"]["operationId"] = "items_add"
    commit(repo, new)
    line = "api.openapi.json: POST /items: operationId changed from items_create to items_add"
    assert breaking.main([]) == 1
    assert f"BREAKING  {line}" in capsys.readouterr().out
    (repo / "accepted-breaking.txt").write_text(f"# every generated client is rebuilt with it\n{line}\n")
    assert breaking.main([]) == 0
    assert f"accepted  {line}" in capsys.readouterr().out


def test_command_passes_on_warnings(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = spec()
    schemas(new)["ItemIn"]["properties"]["name"]["maxLength"] = 10
    commit(repo, new)
    assert breaking.main([]) == 0
    assert (
        "warning   api.openapi.json: POST /items request application/json.name: maxLength"
        in capsys.readouterr().out
    )


def test_command_compares_the_working_tree_with_any_base(repo: Path) -> None:
    commit(repo, spec())
    new = spec()
    del new["paths"]["/items/{item_id}"]
    (repo / "api.openapi.json").write_text(json.dumps(new))  # not committed
    assert breaking.main(["--base", "HEAD"]) == 1
    (repo / "new.schema.json").write_text("{}")  # a contract that is new since the base
    (repo / "api.openapi.json").write_text(json.dumps(spec()))
    assert breaking.main(["--base", "HEAD"]) == 0
