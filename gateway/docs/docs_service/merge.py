"""Merge the services' OpenAPI 3.1 documents into one whose names cannot clash.

Every name a document defines gets its service's prefix (``Users_``, ``Hours_``):
component names of every kind (security schemes included), tags and operationIds.
Everything that refers to those names follows: ``$ref`` pointers, discriminator
mappings, security requirements, operation tags and links' operationIds. A document's
top-level ``security`` moves onto its operations, since the merged top level speaks for
no single service. Paths stay as they are (both services serve under their own prefix);
a path prefix in a document's first server URL is folded into its paths.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

OPENAPI_VERSION = "3.1.0"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keys whose value is a map from names to objects: their children's keys are names,
# never keywords (a property may well be called "example" or "operationId").
_NAME_MAPS = frozenset(
    {
        "properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
        "paths", "webhooks", "responses", "callbacks", "links", "content", "headers",
        "encoding", "examples", "schemas", "parameters", "requestBodies", "securitySchemes",
        "pathItems", "variables",
    }
)  # fmt: skip
# Keywords whose value is literal data, never to be rewritten.
_LITERALS = frozenset({"example", "default", "const", "enum", "value", "externalValue"})


class MergeConflict(ValueError):
    """Two documents define the same path, webhook, component or operationId."""


def prefixed(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


def _rewrite_ref(ref: str, prefix: str, path_base: str) -> str:
    if ref.startswith("#/components/"):
        kind, _, rest = ref.removeprefix("#/components/").partition("/")
        # The name is a JSON Pointer token; the prefix needs no escaping.
        return f"#/components/{kind}/{prefix}_{rest}" if rest else ref
    if path_base and ref.startswith("#/paths/"):
        return f"#/paths/{path_base.replace('/', '~1')}{ref.removeprefix('#/paths/')}"
    return ref


def _namespace_tree(node: Any, prefix: str, path_base: str, *, names: bool = False) -> Any:
    """Rewrite references and names in place; ``names`` means node's keys are names."""
    if isinstance(node, list):
        for item in node:
            _namespace_tree(item, prefix, path_base)
        return node
    if not isinstance(node, dict):
        return node
    for key, value in node.items():
        if names:
            _namespace_tree(value, prefix, path_base, names=False)
        elif key in _LITERALS or key.startswith("x-"):
            continue
        elif key == "$ref" and isinstance(value, str):
            node[key] = _rewrite_ref(value, prefix, path_base)
        elif key == "operationId" and isinstance(value, str):
            node[key] = prefixed(prefix, value)
        elif key == "tags" and isinstance(value, list):
            node[key] = [prefixed(prefix, tag) if isinstance(tag, str) else tag for tag in value]
        elif key == "security" and isinstance(value, list):
            node[key] = [_prefix_keys(req, prefix) for req in value if isinstance(req, dict)]
        elif key == "discriminator" and isinstance(value, dict) and "mapping" in value:
            value["mapping"] = {
                name: _rewrite_ref(target, prefix, path_base)
                if target.startswith("#")
                else prefixed(prefix, target)
                for name, target in value["mapping"].items()
            }
        elif key == "examples" and isinstance(value, list):
            continue  # JSON Schema's examples: literal values
        else:
            _namespace_tree(value, prefix, path_base, names=key in _NAME_MAPS)
    return node


def _prefix_keys(mapping: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {prefixed(prefix, name): value for name, value in mapping.items()}


def _path_base(document: dict[str, Any]) -> str:
    servers = document.get("servers") or []
    if not servers or not isinstance(servers[0], dict):
        return ""
    return urlsplit(str(servers[0].get("url", ""))).path.rstrip("/")


def _operations(path_items: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for item in path_items:
        if isinstance(item, dict):
            yield from (item[m] for m in HTTP_METHODS if isinstance(item.get(m), dict))


def namespace_document(document: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A copy of one service's document in which every name it defines carries ``prefix``."""
    doc = copy.deepcopy(document)
    path_base = _path_base(doc)
    # Top-level security applies to operations without their own: make that explicit.
    if "security" in doc:
        for operation in _operations([*doc.get("paths", {}).values(), *doc.get("webhooks", {}).values()]):
            operation.setdefault("security", copy.deepcopy(doc["security"]))
        del doc["security"]
    _namespace_tree(doc, prefix, path_base)
    # Operations without tags would land in a "default" group shared by both services.
    for operation in _operations([*doc.get("paths", {}).values(), *doc.get("webhooks", {}).values()]):
        operation["tags"] = operation.get("tags") or [prefix]
    doc["components"] = {
        kind: _prefix_keys(members, prefix) if isinstance(members, dict) else members
        for kind, members in doc.get("components", {}).items()
    }
    doc["tags"] = [
        {**tag, "name": prefixed(prefix, tag["name"])}
        for tag in doc.get("tags", [])
        if isinstance(tag, dict) and "name" in tag
    ]
    doc["paths"] = {f"{path_base}{path}": item for path, item in doc.get("paths", {}).items()}
    return doc


def _used_tags(document: dict[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for operation in _operations(
        [*document.get("paths", {}).values(), *document.get("webhooks", {}).values()]
    ):
        seen.update(dict.fromkeys(operation.get("tags", [])))
    return list(seen)


def _add_operation_ids(seen: dict[str, str], document: dict[str, Any]) -> None:
    """Record ``document``'s operationIds in ``seen`` (id -> operation); one twice is a conflict."""
    for kind in ("paths", "webhooks"):
        for path, item in document.get(kind, {}).items():
            for method in HTTP_METHODS:
                operation = item.get(method) if isinstance(item, dict) else None
                operation_id = operation.get("operationId") if isinstance(operation, dict) else None
                if not isinstance(operation_id, str):
                    continue
                where = f"{method.upper()} {path}"
                if operation_id in seen:
                    raise MergeConflict(
                        f"the operationId {operation_id} names both {seen[operation_id]} and {where}"
                    )
                seen[operation_id] = where


def _merge_into(target: dict[str, Any], source: dict[str, Any], what: str) -> None:
    clash = target.keys() & source.keys()
    if clash:
        raise MergeConflict(f"more than one document defines the {what} {', '.join(sorted(clash))}")
    target.update(source)


def merge_documents(
    parts: list[tuple[str, dict[str, Any]]],
    *,
    title: str = "Timekeeper API",
    description: str = "",
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One OpenAPI 3.1 document from ``(prefix, document)`` pairs."""
    merged: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": "; ".join(
                f"{prefix} {doc.get('info', {}).get('version', '?')}" for prefix, doc in parts
            )
            or "none",
            "description": description,
        },
        "servers": [{"url": "/", "description": "the Timekeeper gateway"}],
        "paths": {},
        "components": {},
        "tags": [],
        "x-tagGroups": [],
    }
    webhooks: dict[str, Any] = {}
    operation_ids: dict[str, str] = {}  # OpenAPI: unique across the whole document
    for prefix, document in parts:
        doc = namespace_document(document, prefix)
        _merge_into(merged["paths"], doc["paths"], "path")
        _add_operation_ids(operation_ids, doc)
        _merge_into(webhooks, doc.get("webhooks", {}), "webhook")
        for kind, members in doc["components"].items():
            _merge_into(merged["components"].setdefault(kind, {}), members, f"component {kind}")
        declared = {tag["name"] for tag in doc["tags"]}
        used = _used_tags(doc)
        merged["tags"] += doc["tags"] + [{"name": tag} for tag in used if tag not in declared]
        merged["x-tagGroups"].append({"name": prefix, "tags": [*(t["name"] for t in doc["tags"]), *used]})
    for group in merged["x-tagGroups"]:
        group["tags"] = list(dict.fromkeys(group["tags"]))
    if webhooks:
        merged["webhooks"] = webhooks
    merged.update(extensions or {})
    return merged
