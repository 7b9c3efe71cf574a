"""Every URL's ``Allow`` header names exactly the methods that URL serves, on every answer."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _urls(patterns=None, prefix: str = "/") -> list[tuple[str, object]]:
    """(a concrete path, its view) for every URL of the service (path converters filled in)."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern).replace("<int:project_id>", "1").replace("<int:entry_id>", "1")
        if isinstance(pattern, URLResolver):
            found += _urls(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern.callback))
    return found


URLS = [path for path, _ in _urls()]


def _call(api, method: str, path: str):
    return api.generic(method, path, data=b"{}", content_type="application/json")


@pytest.mark.parametrize("path", URLS)
def test_allow_names_the_methods_the_url_serves(api, path):
    answers = {method: _call(api, method, path) for method in METHODS}
    served = {method for method, response in answers.items() if response.status_code != 405}
    assert served, path
    for method, response in answers.items():
        if response.status_code == 405 or "Allow" in response:
            allowed = set(response["Allow"].split(", "))
            assert allowed == served, f"{method} {path}: Allow {sorted(allowed)}, served {sorted(served)}"
