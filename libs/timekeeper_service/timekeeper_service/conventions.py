"""The public API's conventions (CONTRIBUTING.md, "The public API: one set of conventions"):
the figures and the framework-free steps every service shares. Each service's
``pagination``, ``conditional`` and ``idempotency`` modules bind them to its framework.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

# -- Errors, the 401 challenge, Retry-After --------------------------------------------------
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:timekeeper:problem:"
#: every 503 says when to try again; a cause that knows better sets its own
RETRY_AFTER_SECONDS = 5
#: the protection space of every service's credentials (one token serves them all)
REALM = "timekeeper"


def bearer_challenge(error: str | None = None) -> str:
    """RFC 6750 section 3's ``WWW-Authenticate`` for a bearer token."""
    return f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")


#: the OpenAPI header objects both specs put on every 401 and every 503
BEARER_CHALLENGE_HEADER = {
    "description": (
        'RFC 6750 section 3: `Bearer realm="timekeeper"`, with `error="invalid_token"` when the '
        "token offered is not valid"
    ),
    "required": True,
    "schema": {"type": "string"},
}
RETRY_AFTER_HEADER = {
    "description": "seconds to wait before trying again",
    "required": True,
    "schema": {"type": "integer"},
}


# -- Lists ---------------------------------------------------------------------------------
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
#: far beyond any list here; it keeps the OFFSET a page implies a number Postgres takes
MAX_PAGE = 1_000_000
LINK_DESCRIPTION = 'RFC 8288 links to the other pages: rel="first", "prev", "next", "last"'


def link_header(path: str, query: Iterable[tuple[str, str]], *, page: int, per_page: int, pages: int) -> str:
    """RFC 8288 links to the first, previous, next and last pages, as path-absolute references
    (right behind the gateway too, which serves the same paths), the other parameters kept."""
    kept = [(name, value) for name, value in query if name not in ("page", "per_page")]

    def link(number: int, rel: str) -> str:
        return f'<{path}?{urlencode([*kept, ("page", number), ("per_page", per_page)])}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, max(pages, 1)), "prev"))
    if page < pages:
        links.append(link(page + 1, "next"))
    if pages:
        links.append(link(pages, "last"))
    return ", ".join(links)


# -- Conditional requests --------------------------------------------------------------------
ETAG_DESCRIPTION = (
    "the representation's strong entity tag (RFC 9110 section 8.8.3), for If-Match and If-None-Match"
)


def etag(representation: Mapping[str, Any], *, exclude: tuple[str, ...] = ()) -> str:
    """The strong ETag of a representation (its JSON body): the same bytes in every service."""
    shown = {name: value for name, value in representation.items() if name not in exclude}
    canonical = json.dumps(shown, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


# -- Idempotency-Key -------------------------------------------------------------------------
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_TTL = timedelta(hours=24)
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
KEY_RULE = "Use 1 to 255 visible ASCII characters (a UUID, say)."
#: expired keys deleted per claim: the table stays small without a job of its own
CLEANUP_BATCH = 100


def fingerprint(secret: str, method: str, path: str, body: Any) -> str:
    """HMAC-SHA256 of the request (method, path, JSON body with sorted keys), keyed from the
    service's secret: what is kept (a registration's password included) cannot be turned back
    into a body by guessing."""
    key = hmac.new(secret.encode(), b"timekeeper idempotency fingerprint", hashlib.sha256).digest()
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hmac.new(key, f"{method}\0{path}\0{canonical}".encode(), hashlib.sha256).hexdigest()
