"""REST URLs over one API class per operation.

``GET /entries`` and ``POST /entries`` are two operations, so two classes
(``EntryListApi``, ``EntryCreateApi``); :func:`operations` puts them behind one URL and
answers 405 problem+json for any other method. It also owns the URL's ``Allow`` header: DRF
writes one naming the methods of the one class that answered (and ``OPTIONS``, which no
class here is routed for). drf-spectacular sees each class under its method
(:class:`SchemaGenerator` below).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.generators import EndpointEnumerator
from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator
from rest_framework.views import APIView

from hours_service.errors import problem_response


def operations(**views: type[APIView]) -> Callable[..., HttpResponse]:
    """One view for a URL: ``operations(get=EntryListApi, post=EntryCreateApi)``."""
    callbacks = {method.upper(): view.as_view() for method, view in views.items()}
    if "GET" in callbacks:
        callbacks.setdefault("HEAD", callbacks["GET"])
    allow = ", ".join(callbacks)

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        callback = callbacks.get(request.method or "")
        if callback is None:
            response = problem_response(request, 405, f"Method {request.method} is not allowed here.")
        else:
            response = callback(request, *args, **kwargs)
        response["Allow"] = allow  # what this URL serves, not what the answering class does
        return response

    dispatch.operations = {m: c for m, c in callbacks.items() if m != "HEAD"}  # type: ignore[attr-defined]
    return dispatch


class OperationEnumerator(EndpointEnumerator):
    def should_include_endpoint(self, path: str, callback: Any) -> bool:
        if hasattr(callback, "operations"):
            return True
        return super().should_include_endpoint(path, callback)

    def get_allowed_methods(self, callback: Any) -> list[str]:
        if hasattr(callback, "operations"):
            return list(callback.operations)
        return super().get_allowed_methods(callback)

    def _get_api_endpoints(self, patterns: Any, prefix: str) -> list[tuple[str, str, str, Any]]:
        return [
            (path, regex, method, getattr(callback, "operations", {}).get(method, callback))
            for path, regex, method, callback in super()._get_api_endpoints(patterns, prefix)
        ]


class SchemaGenerator(BaseSchemaGenerator):
    endpoint_inspector_cls = OperationEnumerator
