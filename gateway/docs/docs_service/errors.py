"""The one place where errors become application/problem+json (RFC 9457).

Also the gateway's error pages, ``/docs/errors/<status>``: what Traefik answers itself
(a refused path, a body above its limit, its rate limit, a service that is down or does
not answer) and what gunicorn answers before any app sees a request (a request line or
header above its limits) reach a client as these problems, through Traefik's ``errors``
middleware or, for a refused path, a ``replacePath`` to them (gateway/traefik/dynamic.yml).
"""

from __future__ import annotations

import logging
import math
import re
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Flask, Response, json, request
from timekeeper_service.conventions import PROBLEM_CONTENT_TYPE, RETRY_AFTER_SECONDS
from werkzeug.exceptions import HTTPException, NotFound

log = logging.getLogger(__name__)


def problem(
    status: int,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = "",
    **extensions: Any,
) -> Response:
    """A problem response; ``instance`` is the request's path unless given (None: left out)."""
    if instance == "":
        instance = request.path
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extensions)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    response.headers.update(headers or {})
    if status == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    # Werkzeug's stock descriptions say nothing the status does not; keep only our own.
    detail = error.description if error.description != type(error).description else None
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
    return problem(code, detail, headers=headers)


def _unexpected_error(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    return problem(500, "The docs service failed to answer this request.")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.register_blueprint(bp)


# -- the gateway's error pages ---------------------------------------------------------

bp = Blueprint("gateway_errors", __name__, url_prefix="/docs/errors")

#: the services behind the gateway's routers, as a client knows them
SERVICE_NAMES = {"users": "user service", "hours": "hours service", "docs": "docs service"}
#: what the gateway's entrypoint refuses in a path, percent-encoded (traefik.yml)
REFUSED_ENCODINGS = {
    "%2F": "/",
    "%5C": "\\",
    "%00": "NUL",
    "%3B": ";",
    "%25": "%",
    "%3F": "?",
    "%23": "#",
}
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _seconds(period: str) -> float | None:
    """A Go duration ("1m", "1m30s") or a number of seconds, as Traefik reads rateLimit.period."""
    if re.fullmatch(r"\d+", period):
        return float(period)
    if not period or _GO_DURATION_PART.sub("", period):
        return None
    return sum(float(n) * _GO_DURATION_UNITS[unit] for n, unit in _GO_DURATION_PART.findall(period))


def _refused_path() -> Response:
    original = request.headers.get("X-Replaced-Path", "")
    found = [code for code in REFUSED_ENCODINGS if code in original.upper()]
    named = found[0] if found else "an encoded character"
    refused = ", ".join(f"{code} ({char})" for code, char in REFUSED_ENCODINGS.items())
    return problem(
        400,
        f"The path holds {named}, an encoding the gateway refuses in a path: {refused}.",
        type_="urn:timekeeper:problem:refused-path",
        instance=original or None,
    )


def _service_unavailable() -> Response:
    name = SERVICE_NAMES.get(request.args.get("service", ""), "service")
    if request.args.get("from") == "504":
        detail = f"The {name} did not answer in time; try again shortly."
    else:
        detail = f"The {name} cannot be reached; try again shortly."
    return problem(
        503,
        detail,
        type_="urn:timekeeper:problem:service-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        instance=None,
    )


def _too_many_requests() -> Response:
    # The bucket gains one request every period/average: waiting that long always suffices.
    period = _seconds(request.args.get("period", ""))
    try:
        average = int(request.args.get("average", ""))
    except ValueError:
        average = 0
    wait = math.ceil(period / average) if period and average > 0 else RETRY_AFTER_SECONDS
    return problem(
        429,
        "Too many requests from this address; try again later.",
        headers={"Retry-After": str(max(wait, 1))},
        instance=None,
    )


_DETAILS = {
    413: "The request body is too large.",
    414: "The request line (the method, path and query) is too long.",
    431: "A request header field, or the header section as a whole, is too large.",
}


@bp.route("/<int:status>", methods=_ALL_METHODS, provide_automatic_options=False)
def gateway_error(status: int) -> Response:
    """One of the gateway's problems, with the status in the path, for any method."""
    if status == 400:
        response = _refused_path()
    elif status == 503:
        response = _service_unavailable()
    elif status == 429:
        response = _too_many_requests()
    elif 400 <= status < 600 and status in HTTPStatus._value2member_map_:
        response = problem(status, _DETAILS.get(status), instance=None)
    else:
        raise NotFound()
    response.headers["Cache-Control"] = "no-store"
    return response
