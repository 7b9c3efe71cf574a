"""What the generated OpenAPI document needs beyond apiflask's defaults: problem+json
errors, the 415 of every operation that takes JSON, no body where an operation answers
none, and the headers every service sends alike (CONTRIBUTING.md, "The public API").
:func:`process` is the app's spec processor."""

from __future__ import annotations

from typing import Any

from timekeeper_service.conventions import BEARER_CHALLENGE_HEADER, RETRY_AFTER_HEADER

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": (
                "validation errors by field (`field.sub` for a nested one); `non_field_errors` "
                "holds those not tied to a field"
            ),
        },
    },
    "required": ["type", "title", "status"],
}
_PROBLEM_REFS = {"#/components/schemas/HTTPError", "#/components/schemas/ValidationError"}


#: the operations that never touch the database, so never answer 503
WITHOUT_DATABASE = {"health_live"}
BASIC_CHALLENGE = {
    "description": 'RFC 6749 section 5.2 (client authentication): `Basic realm="timekeeper"`',
    "required": True,
    "schema": {"type": "string"},
}


def process(spec: dict[str, Any]) -> dict[str, Any]:
    return standard_headers(problem_media_types(unsupported_media_type(spec)))


def standard_headers(spec: dict[str, Any]) -> dict[str, Any]:
    """The challenge of every 401 (Bearer where the answer is a problem, HTTP Basic on the
    OAuth2 endpoints, whose errors are RFC 6749 bodies), and the 503 every operation that
    needs the database may answer, with its ``Retry-After``."""
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            unauthorized = responses.get("401")
            if unauthorized is not None:
                problem = "application/problem+json" in unauthorized.get("content", {})
                challenge = BEARER_CHALLENGE_HEADER if problem else BASIC_CHALLENGE
                unauthorized.setdefault("headers", {})["WWW-Authenticate"] = dict(challenge)
            if operation.get("operationId") not in WITHOUT_DATABASE:
                unavailable = responses.setdefault(
                    "503",
                    {
                        "description": "Service Unavailable",
                        "content": {
                            "application/problem+json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}
                        },
                    },
                )
                unavailable.setdefault("headers", {})["Retry-After"] = dict(RETRY_AFTER_HEADER)
    return spec


def unsupported_media_type(spec: dict[str, Any]) -> dict[str, Any]:
    """An operation that takes JSON answers another media type with 415 (user_service.parsers)."""
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                operation["responses"]["415"] = {
                    "description": "The body is not JSON",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}},
                }
    return spec


def problem_media_types(spec: dict[str, Any]) -> dict[str, Any]:
    """Error responses are served as application/problem+json; say so in the document.

    A response documented with a description only (apiflask gives it an empty
    ``application/json`` schema) has no body, like RFC 7009's revocation 200: the
    document says so by leaving ``content`` out.
    """
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                media = content.get("application/json")
                if media and media.get("schema", {}).get("$ref") in _PROBLEM_REFS:
                    content["application/problem+json"] = content.pop("application/json")
                elif not content or (media is not None and media.get("schema") == {} and len(content) == 1):
                    response.pop("content", None)  # no body (a 304 has headers only)
    return spec
