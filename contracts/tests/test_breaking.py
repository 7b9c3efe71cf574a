"""`make contracts-breaking` (scripts/contracts-breaking.sh, oasdiff underneath) on hand-made
pairs of contracts, committed in a scratch git repository."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CONTRACTS, ROOT

SCRIPT = ROOT / "scripts" / "contracts-breaking.sh"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]

ITEM = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"enum": ["a", "b"]}},
}
ITEM_IN = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 100}, "kind": {"enum": ["a", "b"]}},
}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def spec() -> dict[str, Any]:
    item = {"$ref": "#/components/schemas/Item"}
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"Item": ITEM, "ItemIn": ITEM_IN}},
            "paths": {
                "/items": {
                    "get": {
                        "operationId": "items_list",
                        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                        "responses": {
                            "200": {"description": "ok", **json_body({"type": "array", "items": item})}
                        },
                    },
                    "post": {
                        "operationId": "items_create",
                        "requestBody": json_body({"$ref": "#/components/schemas/ItemIn"}),
                        "responses": {"201": {"description": "made", **json_body(item)}},
                    },
                },
                "/items/{item_id}": {
                    "parameters": [
                        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "delete": {"operationId": "items_destroy", "responses": {"204": {"description": "gone"}}},
                },
            },
        }
    )


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


class Repo:
    """A scratch repository with contracts/, its accepted-breaking.txt and .ci/landed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.contracts = root / "contracts"

    def git(self, *args: str) -> str:
        return subprocess.run(
            [*GIT, "-C", str(self.root), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    def write(self, name: str, document: dict[str, Any]) -> None:
        (self.contracts / name).write_text(json.dumps(document, indent=2))

    def commit(self, message: str = "next") -> str:
        self.git("add", "-A")
        self.git("commit", "--allow-empty", "-qm", message)
        return self.git("rev-parse", "HEAD")

    def land(self) -> str:
        """Mark HEAD as the last landed commit, as `make landed` does."""
        head = self.git("rev-parse", "HEAD")
        (self.root / ".ci" / "landed").write_text(f"# the last landed commit\n{head}\n")
        self.commit("landed")
        return head

    def accept(self, reason: str, line: str) -> None:
        with (self.contracts / "accepted-breaking.txt").open("a") as accepted:
            accepted.write(f"# {reason}\n{line}\n")

    def check(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items() if k != "CONTRACTS_BASE"}
        return subprocess.run(
            [str(SCRIPT), *args],
            cwd=self.root,
            env={**environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """api.openapi.json as above and the real introspection schema, landed."""
    repo = Repo(tmp_path)
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    repo.contracts.mkdir()
    (tmp_path / ".ci").mkdir()
    (repo.contracts / "accepted-breaking.txt").write_text("# deliberate breaks\n")
    repo.write("api.openapi.json", spec())
    repo.write("introspection.schema.json", json.loads((CONTRACTS / "introspection.schema.json").read_text()))
    repo.commit("one")
    repo.land()
    return repo


def change(repo: Repo, edit: Callable[[dict[str, Any]], None], name: str = "api.openapi.json") -> None:
    document = json.loads((repo.contracts / name).read_text())
    edit(document)
    repo.write(name, document)


def passes(repo: Repo, *args: str, **env: str) -> str:
    result = repo.check(*args, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def breaks(repo: Repo, *fragments: str) -> str:
    result = repo.check()
    assert result.returncode == 1, result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in result.stdout, result.stdout
    assert "contracts/accepted-breaking.txt" in result.stderr
    return result.stdout


# -- what passes ---------------------------------------------------------------------------
def test_unchanged_contracts_pass(repo: Repo) -> None:
    out = passes(repo)
    assert f"comparing the working tree with {repo.git('rev-parse', '--short', 'HEAD~1')}" in out
    assert "no breaking change since" in out


def test_additions_pass(repo: Repo) -> None:
    def add(doc: dict[str, Any]) -> None:
        doc["paths"]["/other"] = {
            "get": {"operationId": "other", "responses": {"200": {"description": "ok"}}}
        }
        doc["paths"]["/items"]["get"]["parameters"].append(
            {"name": "page", "in": "query", "schema": {"type": "integer"}}
        )
        schemas(doc)["Item"]["properties"]["extra"] = {"type": "string"}
        schemas(doc)["ItemIn"]["properties"]["kind"]["enum"].append("c")
        schemas(doc)["ItemIn"]["properties"]["name"]["maxLength"] = 200

    change(repo, add)
    passes(repo)


def test_adding_an_operation_id_passes(repo: Repo) -> None:
    change(repo, lambda doc: doc["paths"]["/items"]["get"].pop("operationId"))
    repo.commit()
    repo.land()
    change(repo, lambda doc: doc["paths"]["/items"]["get"].update(operationId="items_list"))
    passes(repo)


def test_stricter_request_validation_only_warns(repo: Repo) -> None:
    def harden(doc: dict[str, Any]) -> None:
        schemas(doc)["ItemIn"]["properties"]["name"]["maxLength"] = 50
        schemas(doc)["ItemIn"]["properties"]["name"]["pattern"] = "^[a-z]+$"
        doc["paths"]["/items"]["get"]["parameters"][0]["schema"]["maxLength"] = 100

    change(repo, harden)
    out = passes(repo)
    assert "0 error, 3 warning" in out, out
    assert "[request-property-max-length-decreased]" in out
    assert "[request-property-pattern-added]" in out
    assert "[request-parameter-max-length-set]" in out


# -- what breaks -----------------------------------------------------------------------------
def test_a_removed_operation_breaks(repo: Repo) -> None:
    change(repo, lambda doc: doc["paths"]["/items/{item_id}"].pop("delete"))
    breaks(
        repo,
        "error at contracts/api.openapi.json",
        "DELETE /items/{item_id}",
        "[api-removed-without-deprecation]",
    )


def test_a_new_required_request_field_breaks(repo: Repo) -> None:
    def require_owner(doc: dict[str, Any]) -> None:
        schemas(doc)["ItemIn"]["properties"]["owner"] = {"type": "string"}
        schemas(doc)["ItemIn"]["required"].append("owner")

    change(repo, require_owner)
    breaks(
        repo, "POST /items added the new required request property `owner` [new-required-request-property]"
    )


def test_a_renamed_operation_id_breaks(repo: Repo) -> None:
    change(repo, lambda doc: doc["paths"]["/items"]["post"].update(operationId="items_add"))
    breaks(repo, "POST /items API operation id `items_create` removed and replaced with `items_add`")


def test_a_removed_operation_id_breaks(repo: Repo) -> None:
    change(repo, lambda doc: doc["paths"]["/items"]["get"].pop("operationId"))
    breaks(repo, "GET /items API operation id `items_list` removed", "[api-operation-id-removed]")


def test_a_retyped_or_optional_response_field_breaks(repo: Repo) -> None:
    def loosen(doc: dict[str, Any]) -> None:
        schemas(doc)["Item"]["properties"]["id"]["type"] = "string"
        schemas(doc)["Item"]["required"] = ["id"]

    change(repo, loosen)
    out = breaks(repo, "[response-property-type-changed]", "[response-property-became-optional]")
    assert "GET /items" in out and "POST /items" in out  # every operation that answers it


def test_a_removed_contract_file_breaks(repo: Repo) -> None:
    (repo.contracts / "api.openapi.json").unlink()
    result = repo.check()
    assert result.returncode == 1
    assert "BREAKING: contracts/api.openapi.json was removed" in result.stdout


def test_a_new_contract_file_passes(repo: Repo) -> None:
    repo.write("other.openapi.json", spec())
    assert "contracts/other.openapi.json is new since" in passes(repo)


# -- accepting a break -------------------------------------------------------------------------
def test_an_accepted_break_passes_and_only_that_one(repo: Repo) -> None:
    change(repo, lambda doc: doc["paths"]["/items"]["post"].update(operationId="items_add"))
    repo.accept(
        "every generated client is rebuilt with it",
        "POST /items API operation id `items_create` removed and replaced with `items_add`",
    )
    passes(repo)
    change(repo, lambda doc: doc["paths"]["/items/{item_id}"].pop("delete"))
    out = breaks(repo, "[api-removed-without-deprecation]")
    assert "items_add" not in out


def test_the_whole_printed_line_is_an_accepted_line_too(repo: Repo) -> None:
    change(repo, lambda doc: doc["paths"]["/items/{item_id}"].pop("delete"))
    printed = next(line for line in breaks(repo).splitlines() if line.startswith("error at "))
    repo.accept("no client ever deleted items", printed)
    passes(repo)


# -- the introspection schema: the hours service validates every answer against it -------------
def test_introspection_changes_the_consumer_would_refuse_break(repo: Repo) -> None:
    def widen(schema: dict[str, Any]) -> None:
        active = schema["oneOf"][0]
        active["required"].remove("jti")
        active["properties"]["roles"]["items"]["enum"].append("auditor")
        active["properties"]["email"] = {"type": "string"}

    change(repo, widen, "introspection.schema.json")
    out = breaks(
        repo,
        "error at introspection.schema.json, in API POST /internal/v1/introspect",
        "`oneOf[subschema #1: active]/jti` became optional",
        "`auditor` enum value",
        "`oneOf[subschema #1: active]/email` to the response",
    )
    assert "3 changes: 3 error" in out


def test_introspection_answers_that_promise_less_pass(repo: Repo) -> None:
    def narrow(schema: dict[str, Any]) -> None:
        active = schema["oneOf"][0]
        active["properties"]["sub"]["maxLength"] = 64
        active["properties"]["roles"]["items"]["enum"].remove("admin")

    change(repo, narrow, "introspection.schema.json")
    passes(repo)


# -- the base: the last landed commit ----------------------------------------------------------
def test_a_change_made_in_several_commits_is_judged_as_a_whole(repo: Repo) -> None:
    change(repo, lambda doc: doc["paths"]["/items/{item_id}"].pop("delete"))
    repo.commit("the break")
    change(repo, lambda doc: doc["info"].update(description="later"))
    repo.commit("something else")
    assert repo.check("HEAD~1").returncode == 0  # what comparing with the previous commit missed
    breaks(repo, "[api-removed-without-deprecation]")


def test_base_may_be_given_as_argument_or_environment(repo: Repo) -> None:
    landed = repo.git("rev-parse", "HEAD~1")
    change(repo, lambda doc: doc["paths"]["/items/{item_id}"].pop("delete"))
    repo.commit("the break")
    repo.land()
    assert repo.check().returncode == 0
    assert repo.check(landed).returncode == 1
    assert repo.check(CONTRACTS_BASE=landed).returncode == 1


def test_a_landed_commit_that_is_not_an_ancestor_is_refused(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "side", "HEAD~1")
    side = repo.commit("elsewhere")
    repo.git("checkout", "-q", "main")
    (repo.root / ".ci" / "landed").write_text(f"{side}\n")
    result = repo.check()
    assert result.returncode == 2
    assert "not an ancestor of HEAD" in result.stderr
    (repo.root / ".ci" / "landed").write_text("0" * 40 + "\n")
    result = repo.check()
    assert result.returncode == 2
    assert "not in this clone" in result.stderr


def test_an_unknown_base_is_refused(repo: Repo) -> None:
    result = repo.check("no-such-rev")
    assert result.returncode == 2
    assert "no commit 'no-such-rev'" in result.stderr


# -- make landed: moving the base --------------------------------------------------------------
LANDED = ROOT / "scripts" / "landed.sh"


def land(repo: Repo) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LANDED)], cwd=repo.root, capture_output=True, text=True, timeout=120)


def test_landed_moves_the_base_to_head_in_a_commit_of_its_own(repo: Repo) -> None:
    change(repo, lambda doc: doc["info"].update(description="more"))
    head = repo.commit("a change")
    result = land(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert repo.git("show", "--name-only", "--format=%s", "HEAD").splitlines() == [
        "Record the last landed commit",
        "",
        ".ci/landed",
    ]
    assert (repo.root / ".ci" / "landed").read_text().splitlines() == ["# the last landed commit", head]
    assert f"comparing the working tree with {head[:7]}" in passes(repo)
    again = land(repo)  # nothing but the pointer changed since: no second commit
    assert again.returncode == 0 and f"nothing changed since {head}" in again.stdout
    assert repo.git("log", "-1", "--format=%s") == "Record the last landed commit"
    assert repo.git("rev-list", "--count", f"{head}..HEAD") == "1"


def test_landed_refuses_to_move_past_an_unaccepted_break(repo: Repo) -> None:
    before = (repo.root / ".ci" / "landed").read_text()
    change(repo, lambda doc: doc["paths"]["/items/{item_id}"].pop("delete"))
    repo.commit("the break")
    result = land(repo)
    assert result.returncode == 1
    assert "[api-removed-without-deprecation]" in result.stdout
    assert ".ci/landed stays" in result.stderr
    assert (repo.root / ".ci" / "landed").read_text() == before
    repo.accept("nobody deletes items", "DELETE /items/{item_id} api removed without deprecation")
    repo.commit("accepted")
    assert land(repo).returncode == 0


def test_landed_runs_only_on_main_with_nothing_uncommitted(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    result = land(repo)
    assert result.returncode == 1 and "run it on main (HEAD is feature)" in result.stderr
    repo.git("checkout", "-q", "main")
    change(repo, lambda doc: doc["info"].update(description="uncommitted"))
    result = land(repo)
    assert result.returncode == 1 and "uncommitted changes" in result.stderr
