"""Fetching the services' OpenAPI documents, server-side, for the merged document."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from docs_service.config import ApiSpec
from docs_service.observability import REQUEST_ID_HEADER

MAX_SPEC_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class FetchedSpec:
    spec: ApiSpec
    document: dict[str, Any] | None = None
    error: str | None = None  # why the document is unavailable, for people

    @property
    def available(self) -> bool:
        return self.document is not None


def fetch_spec(spec: ApiSpec, *, timeout: float, request_id: str) -> FetchedSpec:
    """GET one OpenAPI 3.1 document; failures become an ``error``, never an exception."""
    req = urllib.request.Request(  # noqa: S310 - config.Settings only accepts http(s) URLs
        spec.fetch_url, headers={"Accept": "application/json", REQUEST_ID_HEADER: request_id}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 - see above
            body = response.read(MAX_SPEC_BYTES + 1)
    except urllib.error.HTTPError as exc:
        return FetchedSpec(spec, error=f"{spec.fetch_url} answered HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return FetchedSpec(spec, error=f"{spec.fetch_url} is unreachable ({reason})")
    if len(body) > MAX_SPEC_BYTES:
        return FetchedSpec(spec, error=f"{spec.fetch_url} sent more than {MAX_SPEC_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        return FetchedSpec(spec, error=f"{spec.fetch_url} did not send JSON")
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1."):
        return FetchedSpec(spec, error=f"{spec.fetch_url} did not send an OpenAPI 3.1 document")
    return FetchedSpec(spec, document=document)


def fetch_specs(specs: tuple[ApiSpec, ...], *, timeout: float, request_id: str) -> list[FetchedSpec]:
    """All documents, fetched in parallel, in the order of ``specs``."""
    with ThreadPoolExecutor(max_workers=len(specs)) as pool:
        return list(pool.map(lambda spec: fetch_spec(spec, timeout=timeout, request_id=request_id), specs))
