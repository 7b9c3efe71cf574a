"""gunicorn settings: ``gunicorn -c python:hours_service.gunicorn_conf hours_service.wsgi:application``.

Binds ``0.0.0.0:${PORT:-8000}``, runs ``WEB_CONCURRENCY`` workers with threads (a request
may wait on the user service), and leaves access logging to the application's middleware
(one JSON line per request); gunicorn's own messages are JSON too.
"""

import os as _os

from hours_service.config import load as _load_config
from hours_service.observability import logging_config as _logging_config

# gunicorn reads every public module-level name as a setting: helpers stay private.
_config = _load_config()

bind = f"0.0.0.0:{int(_os.environ.get('PORT', '8000'))}"
workers = int(_os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(_os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# No control socket: nothing here uses gunicornc, the image's filesystem is read-only, and
# two services under one user on one machine (the local stack) would share its path.
control_socket_disable = True
accesslog = None
errorlog = "-"
logconfig_dict = _logging_config(_config.log_level, _config.log_format)
