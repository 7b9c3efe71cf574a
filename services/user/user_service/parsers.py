"""JSON request bodies: decoded by the rules every JSON endpoint shares before a schema sees
them, as the hours service's JSON parser does for its views.

apiflask hands a ``location="json"`` body to webargs, which decodes it with the standard
library and nothing more, and reads a body of any other media type as no body at all.
:class:`APIBlueprint` is apiflask's blueprint with one change: a view's JSON input first
goes through :func:`read_json_body`. That runs inside the view, after
authentication (as DRF parses lazily, after it), so a caller without a token is told that
first, whatever its body.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

import apiflask
from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from user_service.errors import NON_FIELD, MalformedRequest, ValidationFailed

JSON_MIMETYPE = "application/json"
NOT_JSON = "The request body is not valid JSON."
#: the hours service's words for the same body, and (DRF's) for the same string
NESTED_TOO_DEEPLY = "JSON parse error - the document is nested too deeply."
SURROGATE = "Surrogate characters are not allowed: U+{code_point:X}."
SURROGATE_IN_NAME = "Surrogate characters are not allowed in a member name: U+{code_point:X}."
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def read_json_body() -> None:
    """Refuse a JSON body the schema must never see; the schema then judges the rest.

    No body at all is left to the schema (it says which fields are missing); a body of
    another media type is 415, where webargs would read it as no body and the view would
    answer as if nothing had been asked (a PATCH: 200, nothing changed). So is an empty
    body declared as another media type, as in the hours service.
    """
    data = request.get_data(cache=True)  # MAX_CONTENT_LENGTH bounds it (413)
    # application/json, or any application/*+json
    if (data or request.mimetype) and not request.is_json:
        named = f', not "{request.mimetype}"' if request.mimetype else ""
        raise UnsupportedMediaType(f"The body must be {JSON_MIMETYPE}{named}.")
    if not data:
        return
    try:
        # decoded as webargs decodes it next: strict UTF-8, then the standard decoder
        document = json.loads(data.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedRequest(NOT_JSON) from None
    except RecursionError:
        # The decoder recurses once per level: deeper than the interpreter allows is a
        # malformed document, as in the hours service (same limit: the recursion limit).
        raise MalformedRequest(NESTED_TOO_DEEPLY) from None
    if errors := surrogate_errors(document):
        raise ValidationFailed("The request is not valid.", errors=errors)


def surrogate_errors(document: Any) -> dict[str, list[str]]:
    """Where ``document`` holds a lone surrogate, by field (``"roles.1"``, as validation errors
    are named), members' names included.

    JSON's ``\\ud800`` escape decodes to one, and nothing downstream can encode it (the
    database driver, the password hasher: UTF-8 has no surrogates). A pair decodes to the one
    character it stands for, so what is left is always an error.
    """
    errors: dict[str, list[str]] = {}
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:  # not recursive: the document may be nearly as deep as the decoder went
        path, value = pending.pop()
        if isinstance(value, str):
            if found := _LONE_SURROGATE.search(value):
                errors[path or NON_FIELD] = [SURROGATE.format(code_point=ord(found.group()))]
        elif isinstance(value, dict):
            for name, item in value.items():
                if found := _LONE_SURROGATE.search(name):
                    message = SURROGATE_IN_NAME.format(code_point=ord(found.group()))
                    errors.setdefault(path or NON_FIELD, []).append(message)
                else:
                    pending.append((f"{path}.{name}" if path else name, item))
        elif isinstance(value, list):
            pending.extend(
                (f"{path}.{index}" if path else str(index), item) for index, item in enumerate(value)
            )
    return dict(sorted(errors.items()))


class APIBlueprint(apiflask.APIBlueprint):
    """apiflask's blueprint whose JSON inputs are read by :func:`read_json_body` first."""

    def input(self, schema: Any, location: str = "json", **kwargs: Any) -> Callable[[Any], Any]:
        parse = super().input(schema, location, **kwargs)
        if location != "json":
            return parse

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            parsing_view = parse(view)

            @functools.wraps(parsing_view)  # keeps apiflask's ``_spec`` for the document
            def wrapper(*args: Any, **view_kwargs: Any) -> Any:
                read_json_body()
                return parsing_view(*args, **view_kwargs)

            return wrapper

        return decorator
