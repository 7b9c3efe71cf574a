"""Breaking changes between two versions of a contract (``make contracts-breaking``).

A change is breaking when a client written against the old contract can fail against
the new one. For OpenAPI documents:

- a path or an operation removed (path parameters are matched by position, not name);
- a parameter removed, a new required parameter, a parameter made required;
- a request body made required, a request media type no longer accepted;
- in requests: a new required field, a field made required, a field removed where
  ``additionalProperties`` is false, a type narrowed, enum values removed, a new enum;
- a success (2xx) response or a response media type removed;
- in responses: a field removed or made optional, a type widened or changed (``null``
  included), new enum values, a format changed, a new field where the old schema said
  ``additionalProperties: false``;
- an operation that now needs credentials;
- an operation whose ``operationId`` changed or was removed: generated clients name their
  methods after it (adding one where there was none is not breaking).

Warnings, printed but not failing: tighter request bounds (length, range, items), a new or
changed request pattern or format, a response format no longer promised. They can refuse
requests that passed before, but are how validation gets hardened; judge each one.

JSON Schemas (``introspection.schema.json``) are compared as responses: what the
provider answers, the consumer reads.

    python -m contract_tools.breaking [--base REF]

compares the working-tree contracts with those at ``REF`` (default ``$CONTRACTS_BASE`` or
``HEAD~1``), prints every breaking change and exits 1 when there is one that
``contracts/accepted-breaking.txt`` does not list.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

CONTRACTS = Path(__file__).resolve().parents[1]
ROOT = CONTRACTS.parent
ACCEPTED = CONTRACTS / "accepted-breaking.txt"
DEFAULT_BASE = "HEAD~1"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Direction = Literal["request", "response"]
Schema = dict[str, Any]

# bound: (keyword, tighter when the new value is "smaller" or "larger")
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")


@dataclass(frozen=True, order=True)
class Change:
    where: str
    what: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


# -- schemas -----------------------------------------------------------------------------
class _Doc:
    """A document whose local ``$ref``s (``#/...``) can be followed."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        """``node`` with ``$ref`` followed (repeatedly), and the last ref followed."""
        ref = None
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
            ref = node["$ref"]
            seen.add(ref)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = self._pointer(ref)
            if siblings and isinstance(node, dict):  # 3.1 allows keywords beside $ref
                node = {**node, **siblings}
        return node, ref

    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local $refs are supported, not {ref!r}")
        node: Any = self.root
        for part in ref[1:].split("/")[1:]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node


@dataclass
class _Shape:
    """What a schema promises, flattened: allOf merged, a lone non-null oneOf/anyOf unwrapped."""

    types: frozenset[str] | None  # None: any type
    properties: dict[str, Any]
    required: frozenset[str]
    additional: Any  # additionalProperties: True, False or a schema
    items: Any
    enum: tuple[Any, ...] | None
    format: str | None
    variants: list[Any]  # oneOf/anyOf alternatives left after unwrapping
    raw: Schema


def _types_of(schema: Schema) -> set[str] | None:
    if "const" in schema:
        return {_json_type(schema["const"])}
    declared = schema.get("type")
    if isinstance(declared, str):
        types = {declared}
    elif isinstance(declared, list):
        types = set(declared)
    elif "properties" in schema:
        types = {"object"}
    elif "items" in schema:
        types = {"array"}
    elif "enum" in schema:
        types = {_json_type(value) for value in schema["enum"]}
    else:
        return None
    if schema.get("nullable") is True:  # OpenAPI 3.0
        types.add("null")
    return types


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _is_null_schema(doc: _Doc, schema: Any) -> bool:
    schema, _ = doc.resolve(schema)
    return isinstance(schema, dict) and (schema.get("type") == "null" or schema.get("const", ...) is None)


def _shape(doc: _Doc, schema: Any) -> _Shape:
    schema, _ = doc.resolve(schema)
    if not isinstance(schema, dict):  # true / false schemas
        return _Shape(None, {}, frozenset(), True, None, None, None, [], {})
    schema = dict(schema)
    nullable = False
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            kept = [b for b in branches if not _is_null_schema(doc, b)]
            nullable |= len(kept) < len(branches)
            if len(kept) == 1:
                del schema[key]
                inner, _ = doc.resolve(kept[0])
                schema = {**inner, **schema} if isinstance(inner, dict) else schema
            else:
                schema[key] = kept
    for part in schema.pop("allOf", None) or []:
        part_shape = _shape(doc, part)
        schema.setdefault("properties", {})
        schema["properties"] = {**part_shape.properties, **schema["properties"]}
        schema["required"] = sorted(set(schema.get("required", [])) | part_shape.required)
        if part_shape.types is not None and "type" not in schema:
            schema["type"] = sorted(part_shape.types)
        for key in ("items", "enum", "format"):
            if key in part_shape.raw and key not in schema:
                schema[key] = part_shape.raw[key]
        if part_shape.additional is False:
            schema.setdefault("additionalProperties", False)
        nullable |= part_shape.types is not None and "null" in part_shape.types
    types = _types_of(schema)
    if types is not None and nullable:
        types.add("null")
    enum = schema.get("enum")
    if "const" in schema:
        enum = [schema["const"]]
    return _Shape(
        types=frozenset(types) if types is not None else None,
        properties=schema.get("properties", {}),
        required=frozenset(schema.get("required", [])),
        additional=schema.get("additionalProperties", True),
        items=schema.get("items"),
        enum=tuple(enum) if isinstance(enum, list) else None,
        format=schema.get("format"),
        variants=schema.get("oneOf") or schema.get("anyOf") or [],
        raw=schema,
    )


def _widen(types: frozenset[str]) -> set[str]:
    """Integers are numbers: a set of types with what each one includes."""
    return set(types) | ({"integer"} if "number" in types else set())


def _type_names(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _enum_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class _SchemaDiff:
    def __init__(self, old_doc: _Doc, new_doc: _Doc) -> None:
        self.old_doc, self.new_doc = old_doc, new_doc
        self.changes: list[Change] = []

    def add(self, where: str, what: str, level: Literal["error", "warning"] = "error") -> None:
        self.changes.append(Change(where, what, level))

    def compare(
        self,
        old: Any,
        new: Any,
        where: str,
        direction: Direction,
        seen: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        _, old_ref = self.old_doc.resolve(old)
        _, new_ref = self.new_doc.resolve(new)
        if old_ref and new_ref:
            if (old_ref, new_ref) in seen:
                return
            seen = seen | {(old_ref, new_ref)}
        o, n = _shape(self.old_doc, old), _shape(self.new_doc, new)
        self._types(o, n, where, direction)
        self._enum(o, n, where, direction)
        self._format(o, n, where, direction)
        if direction == "request":
            self._bounds(o, n, where)
        self._properties(o, n, where, direction, seen)
        if o.items is not None and n.items is not None:
            self.compare(o.items, n.items, f"{where}[]", direction, seen)
        self._variants(o, n, where, direction, seen)

    def _types(self, o: _Shape, n: _Shape, where: str, direction: Direction) -> None:
        if o.types == n.types:
            return
        if direction == "response":
            broken = o.types is not None and (n.types is None or not set(n.types) <= _widen(o.types))
        else:
            broken = n.types is not None and (o.types is None or not set(o.types) <= _widen(n.types))
        if broken:
            self.add(where, f"type changed from {_type_names(o.types)} to {_type_names(n.types)}")

    def _enum(self, o: _Shape, n: _Shape, where: str, direction: Direction) -> None:
        old = {_enum_key(v) for v in o.enum} if o.enum is not None else None
        new = {_enum_key(v) for v in n.enum} if n.enum is not None else None
        if direction == "request":
            if new is not None and old is None:
                self.add(where, f"now restricted to {sorted(new)}")
            elif new is not None and old is not None and (removed := old - new):
                self.add(where, f"enum value(s) removed: {', '.join(sorted(removed))}")
        elif old is not None and (new is None or (new - old)):
            added = "any value" if new is None else ", ".join(sorted(new - old))
            self.add(where, f"response enum widened (new: {added})")

    def _format(self, o: _Shape, n: _Shape, where: str, direction: Direction) -> None:
        if o.format == n.format:
            return
        if o.format and n.format:
            self.add(where, f"format changed from {o.format} to {n.format}")
        elif direction == "request" and n.format:
            self.add(where, f"now requires format {n.format}", "warning")
        elif direction == "response" and o.format:
            self.add(where, f"format {o.format} no longer promised", "warning")

    def _bounds(self, o: _Shape, n: _Shape, where: str) -> None:
        for key in _UPPER_BOUNDS + _LOWER_BOUNDS:
            old, new = o.raw.get(key), n.raw.get(key)
            if not isinstance(new, int | float) or isinstance(new, bool) or old == new:
                continue
            if old is None:
                self.add(where, f"new {key} {new}", "warning")
            elif new < old if key in _UPPER_BOUNDS else new > old:
                self.add(where, f"{key} tightened from {old} to {new}", "warning")
        if n.raw.get("pattern") and n.raw.get("pattern") != o.raw.get("pattern"):
            self.add(where, f"pattern changed to {n.raw['pattern']!r}", "warning")

    def _properties(
        self, o: _Shape, n: _Shape, where: str, direction: Direction, seen: frozenset[tuple[str, str]]
    ) -> None:
        hidden = "readOnly" if direction == "request" else "writeOnly"

        def visible(shape: _Shape, doc: _Doc) -> dict[str, Any]:
            return {
                name: schema
                for name, schema in shape.properties.items()
                if not (isinstance(s := doc.resolve(schema)[0], dict) and s.get(hidden) is True)
            }

        old, new = visible(o, self.old_doc), visible(n, self.new_doc)
        for name in sorted(old.keys() | new.keys()):
            at = f"{where}.{name}"
            if name not in new:
                if direction == "response":
                    self.add(at, "response field removed")
                elif n.additional is False:
                    self.add(at, "request field removed (and additional fields are refused)")
                continue
            if name not in old:
                if direction == "request" and name in n.required:
                    self.add(at, "new required request field")
                elif direction == "response" and o.additional is False:
                    self.add(at, "new response field where additionalProperties was false")
                continue
            if direction == "request" and name in n.required and name not in o.required:
                self.add(at, "request field made required")
            if direction == "response" and name in o.required and name not in n.required:
                self.add(at, "response field made optional")
            self.compare(old[name], new[name], at, direction, seen)
        if direction == "request":
            for name in sorted(n.required - o.required - new.keys()):
                self.add(f"{where}.{name}", "new required request field")

    def _variants(
        self, o: _Shape, n: _Shape, where: str, direction: Direction, seen: frozenset[tuple[str, str]]
    ) -> None:
        if not o.variants and not n.variants:
            return
        if len(o.variants) == len(n.variants):
            for index, (old, new) in enumerate(zip(o.variants, n.variants, strict=True)):
                self.compare(old, new, f"{where}<{index}>", direction, seen)
        elif direction == "response" and len(n.variants) > len(o.variants):
            self.add(where, f"response alternatives grew from {len(o.variants)} to {len(n.variants)}")
        elif direction == "request" and len(n.variants) < len(o.variants):
            self.add(where, f"request alternatives shrank from {len(o.variants)} to {len(n.variants)}")


def compare_json_schema(old: Schema, new: Schema, direction: Direction = "response") -> list[Change]:
    """Breaking changes between two versions of one JSON Schema (its own ``$ref``s followed)."""
    diff = _SchemaDiff(_Doc(old), _Doc(new))
    diff.compare(old, new, "$", direction)
    return sorted(set(diff.changes))


# -- OpenAPI -----------------------------------------------------------------------------
def _path_key(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operations(doc: _Doc) -> dict[tuple[str, str], tuple[str, dict[str, Any], list[Any]]]:
    """(method, path key) -> (path, operation, path-level parameters)."""
    found = {}
    for path, item in (doc.root.get("paths") or {}).items():
        item, _ = doc.resolve(item)
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                found[(method, _path_key(path))] = (path, item[method], item.get("parameters", []))
    return found


def _parameters(
    doc: _Doc, path: str, path_level: list[Any], operation: dict[str, Any]
) -> dict[tuple[str, str], Any]:
    """(in, name) -> parameter; path parameters keyed by position, so a rename is no removal."""
    by_name: dict[tuple[str, str], Any] = {}
    for raw in [*path_level, *operation.get("parameters", [])]:
        param, _ = doc.resolve(raw)
        by_name[(param["in"], param["name"])] = param
    template = re.findall(r"\{([^}]*)\}", path)
    return {
        ("path", str(template.index(name))) if where == "path" and name in template else (where, name): param
        for (where, name), param in by_name.items()
    }


def _security(doc: _Doc, operation: dict[str, Any]) -> list[Any]:
    security = operation.get("security", doc.root.get("security"))
    return security if isinstance(security, list) else []


def _requires_credentials(security: list[Any]) -> bool:
    return bool(security) and all(requirement for requirement in security)


def compare_openapi(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Breaking changes from the ``old`` OpenAPI document to the ``new`` one."""
    old_doc, new_doc = _Doc(old), _Doc(new)
    diff = _SchemaDiff(old_doc, new_doc)
    old_ops, new_ops = _operations(old_doc), _operations(new_doc)
    old_paths = {_path_key(p) for p in old.get("paths") or {}}
    new_paths = {_path_key(p) for p in new.get("paths") or {}}
    for method, key in sorted(old_ops):
        path, old_op, old_path_params = old_ops[(method, key)]
        where = f"{method.upper()} {path}"
        if key not in new_paths:
            if key in old_paths:
                diff.add(path, "path removed")
                old_paths.discard(key)  # once per path, not per operation
            continue
        if (method, key) not in new_ops:
            diff.add(where, "operation removed")
            continue
        new_path, new_op, new_path_params = new_ops[(method, key)]
        _compare_operation(diff, path, new_path, old_op, new_op, old_path_params, new_path_params, method)
    return sorted(set(diff.changes))


def _compare_operation(
    diff: _SchemaDiff,
    old_path: str,
    new_path: str,
    old_op: dict[str, Any],
    new_op: dict[str, Any],
    old_path_params: list[Any],
    new_path_params: list[Any],
    method: str,
) -> None:
    old_doc, new_doc = diff.old_doc, diff.new_doc
    where = f"{method.upper()} {old_path}"
    _compare_operation_id(diff, where, old_op, new_op)
    if not _requires_credentials(_security(old_doc, old_op)) and _requires_credentials(
        _security(new_doc, new_op)
    ):
        diff.add(where, "now requires credentials")

    old_params = _parameters(old_doc, old_path, old_path_params, old_op)
    new_params = _parameters(new_doc, new_path, new_path_params, new_op)
    for key in sorted(old_params.keys() | new_params.keys()):
        old_p, new_p = old_params.get(key), new_params.get(key)
        name = (new_p or old_p)["name"]
        at = f"{where} {key[0]} parameter {name}"
        if new_p is None:
            diff.add(at, "parameter removed")
        elif old_p is None:
            if new_p.get("required"):
                diff.add(at, "new required parameter")
        else:
            if new_p.get("required") and not old_p.get("required"):
                diff.add(at, "parameter made required")
            if "schema" in old_p and "schema" in new_p:
                diff.compare(old_p["schema"], new_p["schema"], at, "request")

    old_body, _ = old_doc.resolve(old_op.get("requestBody"))
    new_body, _ = new_doc.resolve(new_op.get("requestBody"))
    if new_body and new_body.get("required") and not (old_body and old_body.get("required")):
        diff.add(f"{where} request body", "request body made required")
    if old_body and new_body:
        for media, content in _content(old_body):
            new_content = (new_body.get("content") or {}).get(media)
            at = f"{where} request {media}"
            if new_content is None:
                diff.add(at, "request media type no longer accepted")
            elif "schema" in content and "schema" in new_content:
                diff.compare(content["schema"], new_content["schema"], at, "request")

    old_responses = old_op.get("responses") or {}
    new_responses = new_op.get("responses") or {}
    for status, raw in sorted(old_responses.items()):
        old_response, _ = old_doc.resolve(raw)
        at = f"{where} response {status}"
        if status not in new_responses:
            if str(status).startswith("2"):
                diff.add(at, "success response removed")
            continue
        new_response, _ = new_doc.resolve(new_responses[status])
        for media, content in _content(old_response):
            new_content = (new_response.get("content") or {}).get(media)
            if new_content is None:
                diff.add(f"{at} {media}", "response media type removed")
            elif "schema" in content and "schema" in new_content:
                diff.compare(content["schema"], new_content["schema"], f"{at} {media}", "response")


def _compare_operation_id(
    diff: _SchemaDiff, where: str, old_op: dict[str, Any], new_op: dict[str, Any]
) -> None:
    """A generated client's method is named after the operationId: renaming or dropping one
    breaks every caller of that method, though no request or answer changed."""
    old_id, new_id = old_op.get("operationId"), new_op.get("operationId")
    if old_id is None or old_id == new_id:
        return
    if new_id is None:
        diff.add(where, f"operationId {old_id} removed")
    else:
        diff.add(where, f"operationId changed from {old_id} to {new_id}")


def _content(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from sorted((body.get("content") or {}).items())


def compare_contract(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Either kind of contract file, by its content."""
    if "openapi" in old or "openapi" in new:
        return compare_openapi(old, new)
    return compare_json_schema(old, new, "response")


# -- the command -------------------------------------------------------------------------
def contract_files() -> list[str]:
    return sorted(p.name for p in CONTRACTS.glob("*.json"))


def at_base(base: str, name: str) -> dict[str, Any] | None:
    """The contract file as committed at ``base``; None when it did not exist there."""
    result = subprocess.run(
        ["git", "show", f"{base}:contracts/{name}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)


def base_exists(base: str) -> bool:
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def accepted(path: Path | None = None) -> set[str]:
    path = path or ACCEPTED
    if not path.exists():
        return set()
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contract_tools.breaking", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--base",
        default=os.environ.get("CONTRACTS_BASE") or DEFAULT_BASE,
        help="git revision to compare against (default: $CONTRACTS_BASE or HEAD~1)",
    )
    args = parser.parse_args(argv)
    if not base_exists(args.base):
        print(f"contracts-breaking: no commit {args.base!r} to compare with; nothing to check")
        return 0
    allowed = accepted()
    failures = 0
    for name in contract_files():
        old = at_base(args.base, name)
        if old is None:
            print(f"contracts-breaking: {name} is new since {args.base}")
            continue
        new = json.loads((CONTRACTS / name).read_text())
        changes = compare_contract(name, old, new)
        for change in changes:
            line = f"{name}: {change}"
            if change.level == "warning":
                print(f"  warning   {line}")
            elif line in allowed:
                print(f"  accepted  {line}")
            else:
                failures += 1
                print(f"  BREAKING  {line}")
        if not any(change.level == "error" for change in changes):
            print(f"contracts-breaking: {name}: no breaking change since {args.base}")
    for name in sorted({line.split(":", 1)[0] for line in allowed} - set(contract_files())):
        print(f"contracts-breaking: note: {ACCEPTED.name} names {name}, which does not exist")
    if failures:
        print(
            f"contracts-breaking: {failures} breaking change(s) since {args.base}. Keep the old shape "
            f"(or add a new version of the operation), or, when every client is changed with it, list "
            f"each line above in contracts/{ACCEPTED.name} with the reason.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
