"""The WSGI application gunicorn serves: ``hours_service.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hours_service.settings")

application = get_wsgi_application()
