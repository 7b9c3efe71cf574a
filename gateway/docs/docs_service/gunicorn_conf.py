"""gunicorn settings (``gunicorn -c python:docs_service.gunicorn_conf docs_service.wsgi:app``).

Binds 0.0.0.0:$PORT (8000), runs $WEB_CONCURRENCY workers (2) with threads (building the
merged document waits on the other services), and leaves access logging to the app,
which writes one JSON line per request; gunicorn's own messages are JSON too.
"""

import os as _os

bind = f"0.0.0.0:{int(_os.environ.get('PORT', '8000'))}"
workers = int(_os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 20
keepalive = 5
# No control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) is shared by every
# gunicorn of one user (the local stack runs three) and the image's filesystem is read-only.
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = _os.environ.get("LOG_LEVEL", "INFO").lower()
_formatter = (
    {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    if _os.environ.get("LOG_FORMAT", "json") == "console"
    else {"()": "docs_service.observability.JsonFormatter"}
)
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
    "formatters": {"main": _formatter},
}
