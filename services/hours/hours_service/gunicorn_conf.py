"""gunicorn settings: ``gunicorn -c python:hours_service.gunicorn_conf hours_service.wsgi:application``.

Binds ``0.0.0.0:${PORT:-8000}``, runs ``WEB_CONCURRENCY`` workers with threads (a request
may wait on the user service), and leaves access logging to the application's middleware
(one JSON line per request); gunicorn's own messages are JSON too.

The configuration is checked here, in the master, before any worker starts: a wrong value
ends gunicorn with one line and exit status 2. (In a worker it could not: gunicorn starts a
new worker whenever one exits with any status but 3 or 4.)
"""

from timekeeper_service.gunicorn_hooks import drain_unread_body as _drain_unread_body

from hours_service.config import ConfigError as _ConfigError
from hours_service.config import load as _load_settings
from hours_service.config import report_and_exit as _report_and_exit
from hours_service.observability import logging_config as _logging_config

# gunicorn reads every public module-level name as a setting: helpers stay private.
try:
    _settings = _load_settings()
except _ConfigError as _error:
    _report_and_exit(_error)

bind = f"0.0.0.0:{_settings.port}"
workers = _settings.web_concurrency
worker_class = "gthread"
threads = _settings.gunicorn_threads
timeout = 30
graceful_timeout = 20
keepalive = 5
# A body answered before it was read (a 401, a 405) is read to its end before the
# connection closes: gunicorn's own lingering close reads 64 KiB of it, and the kernel resets
# a connection closed with more unread, which the gateway, still writing it, reports as 502.
post_request = _drain_unread_body
# No control socket: nothing here uses gunicornc, the image's filesystem is read-only, and
# two services under one user on one machine (the local stack) would share its path.
control_socket_disable = True
accesslog = None
errorlog = "-"
logconfig_dict = _logging_config(_settings.log_level, _settings.log_format)
