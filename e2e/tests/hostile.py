"""Hostile requests, generated from the committed OpenAPI documents (contracts/*.openapi.json).

For every operation of a document, :func:`cases` derives what an attacker would try: each
parameter and each body property (and each array's items) given, one at a time, a value of
every hostile class its schema allows to name, in an otherwise well-formed request:

- ``nesting``: a body nested far deeper than any parser recurses;
- ``unicode``: a lone surrogate or NUL in a JSON string, bytes that are no UTF-8 in a
  query, a path or a body;
- ``oversized``: one more than ``maxLength``/``maximum``/``maxItems``, integers beyond
  64 bits, numbers beyond a double;
- ``huge``: a value the gateway's body limit or gunicorn's request line limit refuses;
- ``wrong-type``: every other JSON type, a body that is no object, a query value that
  does not parse;
- ``content-type``: the body in other media types, none, or not the declared one;
- ``calendar``: the first and last days Python, Postgres and the time zones can hold, days
  that do not exist, offsets that do not exist, combined with the extreme time zones;
- ``big-body``: almost a MiB sent without a token, and to the methods a path does not serve.

Nothing here knows an operation by name: the values come from each schema (types, formats,
bounds, enums, patterns), and the ids that make a request reach the code behind the
validation (an existing project, entry or user) from ``known``, by parameter or property
name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
METHODS = ("get", "post", "put", "patch", "delete")
#: a little below the gateway's MAX_REQUEST_BODY_BYTES (1 MiB): it reaches the service
BIG_BODY = 900 * 1024
#: above it: the gateway refuses it
HUGE_BODY = 1024 * 1024 + 1
#: above gunicorn's limit on a request line (4094 bytes)
HUGE_URL_PART = 6000
NESTED_DEPTH = 100_000
#: ends of the calendar, as dates and as instants, and days or offsets that do not exist
CALENDAR_DATES = (
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "10000-01-01",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
)
CALENDAR_INSTANTS = (
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-14:00",
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00+25:00",
)
#: the time zones furthest from UTC, either way, and names that are none
TIME_ZONES = (
    "Pacific/Kiritimati",
    "Etc/GMT-14",
    "Etc/GMT+12",
    "Nowhere/Atlantis",
    "../../etc/localtime",
    "UTC+99",
)


#: hostile classes that break the document whatever the value's meaning
STRICT_KINDS = frozenset({"content-type", "nesting", "wrong-type", "oversized", "huge"})


class RawJSON(str):
    """JSON text put into a body as it is (what json.dumps would never write)."""


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    template: str
    parameters: tuple[dict[str, Any], ...]
    body_type: str | None
    body_schema: dict[str, Any] | None
    body_required: bool
    creates: bool  # it answers 201 when it succeeds
    secured: bool
    #: content types the document declares for each error status
    error_types: dict[int, frozenset[str]]

    @property
    def writes(self) -> bool:
        """Changes something when it succeeds (the OAuth2 endpoints take forms: a login or
        a revocation writes no resource)."""
        return self.method != "get" and self.body_type != "application/x-www-form-urlencoded"

    def must_refuse(self, kind: str, what: str) -> bool:
        """Whether a well-behaved service answers this case with a 4xx: whatever would
        create something, and any request to change something whose body breaks the
        document (another media type, no JSON or not this JSON, a value of another type or
        beyond a bound, text no UTF-8 can hold). Other cases (a NUL where the schema allows
        any text, an edge of the calendar) may succeed if they change nothing: the
        snapshots before and after tell."""
        breaks_document = kind in STRICT_KINDS or "surrogate" in what
        return self.creates or (self.writes and breaks_document)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.template}"


@dataclass(frozen=True)
class Case:
    kind: str
    what: str
    operation: Operation | None
    method: str
    path: str  # with its query, percent-encoded as it is to be sent
    body: bytes | None = None
    content_type: str | None = None
    authenticated: bool = True
    #: a well-behaved service refuses it (4xx): it would change something otherwise
    must_refuse: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        body = f" body {self.body[:60]!r}{'...' if len(self.body) > 60 else ''}" if self.body else ""
        return f"[{self.kind}] {self.what}: {self.method} {self.path[:160]}{body}"


def load(service: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / f"{service}.openapi.json").read_text())


def operations(service: str) -> list[Operation]:
    spec = load(service)
    found = []
    for template, item in spec["paths"].items():
        shared = [_resolve(spec, p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            own = [_resolve(spec, p) for p in op.get("parameters", [])]
            names = {(p["name"], p["in"]) for p in own}
            parameters = tuple(own + [p for p in shared if (p["name"], p["in"]) not in names])
            body_type = body_schema = None
            body_required = False
            if "requestBody" in op:
                body_required = bool(_resolve(spec, op["requestBody"]).get("required"))
                content = _resolve(spec, op["requestBody"])["content"]
                body_type = next(iter(content))
                body_schema = _deref(spec, content[body_type].get("schema", {}))
            security = op.get("security", spec.get("security", []))
            error_types = {
                int(status): frozenset(_resolve(spec, response).get("content", {}))
                for status, response in op["responses"].items()
                if status.isdigit() and int(status) >= 400
            }
            found.append(
                Operation(
                    service,
                    method,
                    template,
                    parameters,
                    body_type,
                    body_schema,
                    body_required,
                    creates="201" in op["responses"],
                    secured=any(requirement for requirement in security),
                    error_types=error_types,
                )
            )
    return found


def paths(service: str) -> dict[str, set[str]]:
    """Each path template and the methods it serves."""
    return {template: {m for m in METHODS if m in item} for template, item in load(service)["paths"].items()}


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _deref(spec: dict[str, Any], schema: Any) -> Any:
    """The schema with every $ref replaced (the documents have no recursive schemas)."""
    if isinstance(schema, dict):
        schema = _resolve(spec, schema)
        return {key: _deref(spec, value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_deref(spec, value) for value in schema]
    return schema


# -- values ----------------------------------------------------------------------------


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", "string")
    return [kind] if isinstance(kind, str) else list(kind)


def _main_type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "enum"
    if "properties" in schema:
        return "object"
    return next((t for t in _types(schema) if t != "null"), "null")


class Values:
    """Well-formed values for a schema, with the ids in ``known`` by name."""

    def __init__(self, run: str, known: dict[str, Any]) -> None:
        self.run = run
        self.known = known
        day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
        self.started = day
        self.numbers = iter(range(10**9))

    def valid(self, schema: dict[str, Any], name: str = "", *, every_property: bool = False) -> Any:
        """A value ``schema`` accepts; an object with its required properties (or all)."""
        if name in self.known:
            return self.known[name]
        kind = _main_type(schema)
        if kind == "enum":
            return schema["enum"][0]
        if kind == "object":
            required = schema.get("required", [])
            return {
                key: self.valid(sub, key)
                for key, sub in schema.get("properties", {}).items()
                if every_property or key in required
            }
        if kind == "array":
            return []
        if kind == "boolean":
            return False
        if kind in ("integer", "number"):
            return max(schema.get("minimum", 1), 1)
        return self._string(schema, name)

    def _string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            hours = 1 if name.startswith("end") else 0
            return (self.started + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
        if fmt == "date":
            return self.started.date().isoformat()
        if fmt == "email":
            return f"{self.run}@example.com"
        if fmt == "password":
            return f"{self.run} correct horse battery staple"
        if "pattern" in schema and "A-Za-z0-9" in schema["pattern"]:
            return self.run  # a name: letters and digits only
        text = f"{self.run}-{next(self.numbers)}"
        return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 1), "x")


def hostile_json(schema: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(class, description, value) for a JSON value of ``schema``. Wrong types are ones no
    lenient parser coerces (a string where a number goes could be read as that number)."""
    kind = _main_type(schema)
    nullable = "null" in _types(schema)
    if kind in ("string", "enum"):
        yield "unicode", "a lone surrogate", RawJSON('"a\\ud800b"')
        yield "unicode", "a NUL", RawJSON('"a\\u0000b"')
        if "maxLength" in schema:
            yield "oversized", f"{schema['maxLength'] + 1} characters", "x" * (schema["maxLength"] + 1)
        else:
            yield "huge", "a string above the body limit", "x" * HUGE_BODY
        if kind == "enum":
            yield "wrong-type", "no member of the enum", "not-a-member"
        yield "wrong-type", "an array", ["x"]
        yield "wrong-type", "an object", {"x": "y"}
        if schema.get("format") == "date":
            for value in CALENDAR_DATES:
                yield "calendar", value, value
        if schema.get("format") == "date-time":
            for value in CALENDAR_INSTANTS:
                yield "calendar", value, value
    elif kind in ("integer", "number"):
        if "maximum" in schema:
            yield "oversized", "maximum + 1", schema["maximum"] + 1
        if "minimum" in schema:
            yield "oversized", "minimum - 1", schema["minimum"] - 1
        yield "oversized", "beyond 64 bits", 10**30
        yield "oversized", "beyond a double", RawJSON("1e999")
        yield "wrong-type", "letters", "abc"
        if kind == "integer":
            yield "wrong-type", "a fraction", 1.5
        yield "wrong-type", "an object", {}
        yield "wrong-type", "an array", [1]
    elif kind == "boolean":
        yield "wrong-type", "a word", "maybe"
        yield "wrong-type", "a number", 2
        yield "wrong-type", "an array", [True]
    elif kind == "array":
        if "maxItems" in schema:
            item = {"type": "string", **schema.get("items", {})}
            one = "x" * max(item.get("minLength", 1), 1)
            yield "oversized", f"{schema['maxItems'] + 1} items", [one] * (schema["maxItems"] + 1)
        yield "wrong-type", "a string", "x"
        yield "wrong-type", "an object", {}
    elif kind == "object":
        yield "wrong-type", "an array", []
        yield "wrong-type", "a string", "x"
    if not nullable and kind != "object":
        yield "wrong-type", "null", None


def hostile_query(schema: dict[str, Any], description: str = "") -> Iterator[tuple[str, str, str]]:
    """(class, description, percent-encoded value) for a query or path parameter."""
    kind = _main_type(schema)
    yield "unicode", "UTF-8 of a surrogate", "a%ED%A0%80b"
    yield "unicode", "a byte that is no UTF-8", "a%FFb"
    yield "unicode", "a NUL", "a%00b"
    yield "huge", "above gunicorn's request line", "x" * HUGE_URL_PART
    if kind in ("string", "enum"):
        if "maxLength" in schema:
            yield "oversized", f"{schema['maxLength'] + 1} characters", "x" * (schema["maxLength"] + 1)
        if kind == "enum":
            yield "wrong-type", "no member of the enum", "not-a-member"
        if schema.get("format") == "date":
            for value in CALENDAR_DATES:
                yield "calendar", value, value
        if schema.get("format") == "date-time":
            for value in CALENDAR_INSTANTS:
                yield "calendar", value, quote(value, safe="")
        if "time zone" in description.lower():
            for zone in TIME_ZONES:
                yield "calendar", zone, quote(zone, safe="")
    elif kind in ("integer", "number"):
        if "maximum" in schema:
            yield "oversized", "maximum + 1", str(schema["maximum"] + 1)
        if "minimum" in schema:
            yield "oversized", "minimum - 1", str(schema["minimum"] - 1)
        yield "oversized", "beyond 64 bits", "9" * 30
        yield "wrong-type", "letters", "abc"
        yield "wrong-type", "a fraction", "1.5"
        yield "wrong-type", "an exponent", "1e3"
        yield "wrong-type", "empty", ""
    elif kind == "boolean":
        yield "wrong-type", "not a boolean", "maybe"
        yield "wrong-type", "empty", ""


def encode(value: Any) -> bytes:
    """A JSON body; RawJSON parts are written as they are."""
    if isinstance(value, RawJSON):
        return value.encode()
    if isinstance(value, dict):
        return b"{" + b", ".join(json.dumps(k).encode() + b": " + encode(v) for k, v in value.items()) + b"}"
    if isinstance(value, list):
        return b"[" + b", ".join(encode(v) for v in value) + b"]"
    return json.dumps(value).encode()


def _form(value: dict[str, Any]) -> bytes:
    """A form body; a RawJSON string (a surrogate, a NUL) becomes the bytes a client could send."""
    parts = []
    for key, item in value.items():
        if isinstance(item, RawJSON):
            item = {'"a\\ud800b"': "a%ED%A0%80b", '"a\\u0000b"': "a%00b"}.get(item, quote(str(item)))
        elif isinstance(item, (dict, list)) or item is None or isinstance(item, bool | int | float):
            item = quote(json.dumps(item), safe="")
        else:
            item = quote(str(item), safe="")
        parts.append(f"{quote(key, safe='')}={item}")
    return "&".join(parts).encode()


# -- cases -----------------------------------------------------------------------------


def _path(op: Operation, values: Values, override: dict[str, str] | None = None) -> str:
    override = override or {}
    path = op.template
    query = []
    for param in op.parameters:
        name, where = param["name"], param["in"]
        if where == "path":
            value = override.get(name, quote(str(values.valid(param.get("schema", {}), name)), safe=""))
            path = path.replace("{" + name + "}", value)
        elif where == "query" and (name in override or param.get("required")):
            value = override.get(name, quote(str(values.valid(param.get("schema", {}), name)), safe=""))
            query.append(f"{quote(name, safe='')}={value}")
    return path + ("?" + "&".join(query) if query else "")


def cases(op: Operation, values: Values) -> Iterator[Case]:
    """Every hostile request for ``op``, each with one thing wrong."""
    # a request that deletes must never name a real resource, even well-formed
    real_ids = op.method != "delete"
    for param in op.parameters:
        if param["in"] not in ("path", "query"):
            continue
        for kind, what, raw in hostile_query(param.get("schema", {}), param.get("description", "")):
            override = {param["name"]: raw}
            if not real_ids:
                override.update(_fake_ids(op, param["name"]))
            yield Case(
                kind,
                f"{param['in']} parameter {param['name']}: {what}",
                op,
                op.method.upper(),
                _path(op, values, override),
                *_body(op, _base(op, values)),
                must_refuse=op.creates,
            )
    # the ends of the calendar seen from the time zones furthest from UTC
    zones = [p for p in op.parameters if "time zone" in p.get("description", "").lower()]
    dated = [p for p in op.parameters if p.get("schema", {}).get("format") in ("date", "date-time")]
    for zone in zones:
        for param in dated:
            edges = CALENDAR_DATES if param["schema"]["format"] == "date" else CALENDAR_INSTANTS
            for edge in edges[:4]:
                for name in TIME_ZONES[:3]:
                    override = {param["name"]: quote(edge, safe=""), zone["name"]: quote(name, safe="")}
                    yield Case(
                        "calendar",
                        f"{param['name']} {edge} in {name}",
                        op,
                        op.method.upper(),
                        _path(op, values, override),
                        *_body(op, _base(op, values)),
                        must_refuse=op.creates,
                    )
    if op.body_schema is None:
        return
    base_path = _path(op, values, None if real_ids else _fake_ids(op))
    base = _base(op, values)
    for name, schema in op.body_schema.get("properties", {}).items():
        variants = list(hostile_json(schema))
        if _main_type(schema) == "array" and "items" in schema:
            variants += [(k, f"an item: {w}", [v]) for k, w, v in hostile_json(schema["items"])]
        for kind, what, value in variants:
            yield Case(
                kind,
                f"body {name}: {what}",
                op,
                op.method.upper(),
                base_path,
                *_body(op, {**base, name: value}),
                must_refuse=op.must_refuse(kind, what),
            )
    body_type = op.body_type
    for kind, what, raw, content_type in (
        (
            "nesting",
            "arrays nested deeper than any parser goes",
            b"[" * NESTED_DEPTH + b"]" * NESTED_DEPTH,
            "application/json",
        ),
        (
            "nesting",
            "objects nested deeper than any parser goes",
            b'{"a":' * NESTED_DEPTH + b"1" + b"}" * NESTED_DEPTH,
            "application/json",
        ),
        ("unicode", "a body that is no UTF-8", b'{"\xff\xfe": "\xc3\x28"}', body_type),
        ("unicode", "a body in UTF-16", json.dumps(base).encode("utf-16"), body_type),
        ("wrong-type", "a body that is an array", b"[]", body_type),
        ("wrong-type", "a body that is a string", b'"x"', body_type),
        ("wrong-type", "a body that is null", b"null", body_type),
        ("wrong-type", "a body cut short", b'{"a": ', body_type),
        ("content-type", "as text/plain", encode(base), "text/plain"),
        ("content-type", "as XML", b"<a>1</a>", "application/xml"),
        (
            "content-type",
            "as multipart",
            b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        ("content-type", "with no content type", encode(base), None),
        (
            "content-type",
            "JSON as a form, a form as JSON",
            _form(base) if body_type == "application/json" else encode(base),
            "application/x-www-form-urlencoded" if body_type == "application/json" else "application/json",
        ),
        *([("wrong-type", "no body where one is required", b"", body_type)] if op.body_required else []),
    ):
        yield Case(
            kind,
            what,
            op,
            op.method.upper(),
            base_path,
            raw,
            content_type,
            must_refuse=op.must_refuse(kind, what),
        )


def _base(op: Operation, values: Values) -> Any:
    """The well-formed body each case changes one thing of: the required properties of a
    JSON body (an optional one could make a case valid); every field of a form (an OAuth2
    grant reaches its checks only with all of them)."""
    if op.body_schema is None:
        return None
    return values.valid(op.body_schema, every_property=op.body_type == "application/x-www-form-urlencoded")


def _body(op: Operation, value: Any) -> tuple[bytes | None, str | None]:
    if op.body_type is None:
        return None, None
    if op.body_type == "application/x-www-form-urlencoded":
        return _form(value or {}), op.body_type
    return encode(value), op.body_type


def _fake_ids(op: Operation, skip: str = "") -> dict[str, str]:
    """Path parameters that name nothing that exists (for deletions)."""
    return {p["name"]: "999999999" for p in op.parameters if p["in"] == "path" and p["name"] != skip}


def big_bodies(service: str, values: Values) -> Iterator[Case]:
    """Almost a MiB to every operation without a token, and to every method a path does not
    serve, with and without a token: answered before the body is read."""
    body = b'{"x": "' + b"x" * (BIG_BODY - 10) + b'"}'
    for op in operations(service):
        yield Case(
            "big-body",
            "without a token",
            op,
            op.method.upper(),
            _path(op, values, _fake_ids(op)),
            body,
            "application/json",
            authenticated=False,
            must_refuse=op.writes or op.secured,
        )
    for template, served in paths(service).items():
        path = re.sub(r"\{[^}]+\}", "999999999", template)
        for method in METHODS:
            if method in served:
                continue
            for authenticated in (False, True):
                yield Case(
                    "big-body",
                    "a method the path does not serve",
                    None,
                    method.upper(),
                    path,
                    body,
                    "application/json",
                    authenticated=authenticated,
                    must_refuse=True,
                )
