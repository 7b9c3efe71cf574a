"""gunicorn settings: ``gunicorn -c python:hours_service.gunicorn_conf hours_service.wsgi:application``.

Binds ``0.0.0.0:${PORT:-8000}``, runs ``WEB_CONCURRENCY`` workers with threads (a request
may wait on the user service), and leaves access logging to the application's middleware
(one JSON line per request); gunicorn's own messages are JSON too.
"""

import os

from hours_service import config
from hours_service.observability import logging_config

_config = config.load()

bind = f"0.0.0.0:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None
errorlog = "-"
logconfig_dict = logging_config(_config.log_level, _config.log_format)
