"""The API explorer (Swagger UI at /docs) and the merged document (/docs/openapi.json)."""

from __future__ import annotations

import importlib.util
from importlib.metadata import version
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, render_template, send_from_directory, url_for

from docs_service.config import current_settings
from docs_service.errors import problem
from docs_service.merge import MergeConflict, merge_documents
from docs_service.observability import current_request_id
from docs_service.specs import FetchedSpec, fetch_specs

bp = Blueprint("explorer", __name__, url_prefix="/docs", template_folder="templates")

# Swagger UI's dist files ship inside the swagger-ui-py wheel; nothing comes from a CDN.
_swagger_ui = importlib.util.find_spec("swagger_ui")
if _swagger_ui is None or not _swagger_ui.origin:
    raise RuntimeError("swagger-ui-py is not installed: pip install -r gateway/docs/requirements.txt")
SWAGGER_UI_DIR = Path(_swagger_ui.origin).parent / "static"
OWN_DIR = Path(__file__).parent / "static"
ASSETS = {
    **dict.fromkeys(
        ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"],
        SWAGGER_UI_DIR,
    ),
    **dict.fromkeys(["explorer.js", "explorer.css"], OWN_DIR),
}
ASSET_VERSION = version("swagger-ui-py")

# The page runs no inline script (its config is a JSON data block); Swagger UI needs
# inline styles and data: images.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

MERGED_DESCRIPTION = (
    "Both Timekeeper services in one document, for client generators. Every name a "
    "service defines (components, security schemes, tags, operationIds) carries its "
    "prefix: {prefixes}. Each service's own document: {own}."
)


@bp.get("")
@bp.get("/")
def index() -> Response:
    settings = current_settings()
    config = {
        "specs": [{"name": spec.title, "url": spec.browser_url} for spec in settings.specs],
        "mergedUrl": url_for(".merged_spec"),
    }
    response = Response(render_template("explorer.html", config=config, asset_version=ASSET_VERSION))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404)
    return send_from_directory(ASSETS[name], name, max_age=86400)


@bp.get("/openapi.json")
def merged_spec() -> Response:
    """Both documents merged; 200 with what is available (and a note), 503 when nothing is."""
    settings = current_settings()
    fetched = fetch_specs(
        settings.specs, timeout=settings.spec_fetch_timeout, request_id=current_request_id()
    )
    available = [f for f in fetched if f.available]
    unavailable = {f.spec.key: f.error for f in fetched if not f.available}
    if not available:
        return problem(
            503,
            "No service's OpenAPI document can be fetched right now.",
            type_="urn:timekeeper:problem:specs-unavailable",
            title="API documents unavailable",
            headers={"Retry-After": "10"},
            unavailable=unavailable,
        )
    try:
        document = merge_documents(
            [(f.spec.prefix, f.document) for f in available if f.document is not None],
            description=_description(fetched),
            extensions={"x-timekeeper-unavailable": unavailable} if unavailable else None,
        )
    except MergeConflict as exc:
        return problem(
            502, str(exc), type_="urn:timekeeper:problem:spec-merge-conflict", title="Spec Merge Conflict"
        )
    response = jsonify(document)
    response.headers["Cache-Control"] = "no-store"
    return response


def _description(fetched: list[FetchedSpec]) -> str:
    text = MERGED_DESCRIPTION.format(
        prefixes=", ".join(f"`{f.spec.prefix}_` ({f.spec.title})" for f in fetched),
        own=", ".join(f"`{f.spec.browser_url}`" for f in fetched),
    )
    missing = [f for f in fetched if not f.available]
    if missing:
        names = ", ".join(f"the {f.spec.title}" for f in missing)
        text += (
            f"\n\n**Incomplete:** {names} document is unavailable right now, so this document "
            "leaves it out (see `x-timekeeper-unavailable`). Fetch it again later for the whole API."
        )
    return text
