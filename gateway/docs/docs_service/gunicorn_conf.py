"""gunicorn settings: ``gunicorn -c python:docs_service.gunicorn_conf docs_service.wsgi:app``.

Binds ``0.0.0.0:${PORT:-8000}``, runs ``WEB_CONCURRENCY`` workers (2) with
``GUNICORN_THREADS`` threads (4; building the merged document waits on the other services),
and leaves access logging to the app, which writes one JSON line per request; gunicorn's own
messages are JSON too.

The configuration is checked here, in the master, before any worker starts: a wrong value
ends gunicorn with one line and exit status 2. (In a worker it could not: gunicorn starts a
new worker whenever one exits with any status but 3 or 4.)
"""

from timekeeper_service.gunicorn_hooks import drain_unread_body as _drain_unread_body

from docs_service.config import ConfigError as _ConfigError
from docs_service.config import load as _load_settings
from docs_service.config import report_and_exit as _report_and_exit

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
# No control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) is shared by every
# gunicorn of one user (the local stack runs three) and the image's filesystem is read-only.
control_socket_disable = True
# The gateway's error pages (/docs/errors/<status>) are asked for with a copy of the
# refused request's headers (Traefik's errors middleware copies them all): accept as many
# and as long as the gateway lets through (1 MiB in all, Traefik's maxHeaderBytes), or
# the 431 page for a service's refusal would itself be refused.
limit_request_fields = 32768  # gunicorn's maximum
limit_request_field_size = 2 * 1024 * 1024  # above Traefik's; gunicorn 27 reads 0 as 8190
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()
_formatters = {
    "json": {"()": "docs_service.observability.JsonFormatter"},
    "console": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # The root logger is the app's (observability.configure_logging).
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": loglevel.upper(), "handlers": [], "propagate": False},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    },
    "formatters": {"main": _formatters[_settings.log_format]},
}
