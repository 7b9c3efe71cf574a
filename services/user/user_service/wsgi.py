"""The WSGI entry point: ``gunicorn -c python:user_service.gunicorn_conf user_service.wsgi:app``.

A wrong configuration raises :class:`~user_service.config.ConfigError` here; under that
command it never gets this far, since the master checks the configuration first and exits
with one line and status 2.
"""

from user_service import create_app

app = create_app()
