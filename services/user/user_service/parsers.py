"""JSON request bodies: decoded by the rules every JSON endpoint shares before a schema sees
them, as the hours service's JSON parser does for its views.

apiflask hands a ``location="json"`` body to webargs, which decodes it with the standard
library and nothing more. :class:`APIBlueprint` is apiflask's blueprint with one change: a
view's JSON input first goes through :func:`read_json_body`. That runs inside the view, after
authentication (as DRF parses lazily, after it), so a caller without a token is told that
first, whatever its body.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import apiflask
from flask import request

from user_service.errors import MalformedRequest

NOT_JSON = "The request body is not valid JSON."
#: the hours service's words for the same body
NESTED_TOO_DEEPLY = "JSON parse error - the document is nested too deeply."


def read_json_body() -> None:
    """Refuse a JSON body the schema must never see; the schema then judges the rest.

    No body at all is left to the schema (it says which fields are missing).
    """
    data = request.get_data(cache=True)  # MAX_CONTENT_LENGTH bounds it (413)
    if not data or not request.is_json:
        return
    try:
        # decoded as webargs decodes it next: strict UTF-8, then the standard decoder
        json.loads(data.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedRequest(NOT_JSON) from None
    except RecursionError:
        # The decoder recurses once per level: deeper than the interpreter allows is a
        # malformed document, as in the hours service (same limit: the recursion limit).
        raise MalformedRequest(NESTED_TOO_DEEPLY) from None


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
