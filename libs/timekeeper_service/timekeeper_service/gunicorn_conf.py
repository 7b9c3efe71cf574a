"""The gunicorn settings every service shares. A service's own ``gunicorn_conf`` checks its
configuration in the master (one line and exit status 2 on a wrong value; in a worker it
could not, gunicorn starts a new worker whenever one exits with any status but 3 or 4), then
takes these with ``globals().update(server_settings(settings))`` and adds its own.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

from timekeeper_service.config import ServiceSettings
from timekeeper_service.gunicorn_hooks import drain_unread_body


class Logger(_GunicornLogger):
    """gunicorn's logger less its access log. Each service writes its own line per request;
    gunicorn, its logging configured by a dict, would still gather its access line's fields
    for every request (a dict of every header and environ value) and hand them to a logger
    with no handler."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        return None


def server_settings(settings: ServiceSettings) -> dict[str, Any]:
    """gunicorn's module-level settings, by name."""
    return {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        # Threads, so that a request waiting (on the database, another service, a password
        # hash) does not hold the whole worker.
        "worker_class": "gthread",
        "threads": settings.gunicorn_threads,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        # A body answered before it was read (a 401, a 405) is read to its end before the
        # connection closes: gunicorn's own lingering close reads 64 KiB of it, and the kernel
        # resets a connection closed with more unread, which the gateway, still writing it,
        # reports as 502.
        "post_request": drain_unread_body,
        # No control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) is shared by every
        # gunicorn of one user (the local stack runs three), and the images' filesystems are
        # read-only.
        "control_socket_disable": True,
        # Access logging is the application's (one JSON line per request).
        "accesslog": None,
        "logger_class": Logger,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
    }


def gunicorn_logging(settings: ServiceSettings, json_formatter: str) -> dict[str, Any]:
    """``logconfig_dict`` for gunicorn's own messages, in the service's format (JSON lines
    through ``json_formatter``, unless ``LOG_FORMAT=console``). The root logger is left to the
    application, so its lines are not written twice."""
    level = settings.log_level.upper()
    formatters = {
        "json": {"()": json_formatter},
        "console": {"format": "%(asctime)s %(levelname)-7s %(name)s %(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": level, "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": level, "handlers": [], "propagate": False},
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
        },
        "formatters": {"main": formatters[settings.log_format]},
    }
