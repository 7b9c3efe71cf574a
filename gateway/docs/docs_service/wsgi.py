"""The WSGI entry point: ``gunicorn -c python:docs_service.gunicorn_conf docs_service.wsgi:app``."""

from docs_service import create_app

app = create_app()
