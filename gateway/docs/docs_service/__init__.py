"""Timekeeper's API explorer: Swagger UI for both services and one merged OpenAPI document.

``create_app(settings=None)`` builds the Flask app; ``docs_service.wsgi:app`` is what
gunicorn serves.
"""

from docs_service.app import create_app

__all__ = ["create_app"]
__version__ = "0.1.0"
