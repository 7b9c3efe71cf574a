"""The WSGI application gunicorn serves: ``hours_service.wsgi:application``.

A wrong configuration raises :class:`~hours_service.config.ConfigError` here; under
``gunicorn -c python:hours_service.gunicorn_conf`` it never gets this far, since the master
checks the configuration first and exits with one line and status 2.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hours_service.settings")

application = get_wsgi_application()
