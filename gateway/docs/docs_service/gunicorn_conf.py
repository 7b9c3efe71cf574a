"""gunicorn settings: ``gunicorn -c python:docs_service.gunicorn_conf docs_service.wsgi:app``.

The settings every service shares (``timekeeper_service.gunicorn_conf``: bind, gthread
workers, timeouts, logging), taken once the configuration is checked here, in the master,
and header limits of its own.
"""

from timekeeper_service.gunicorn_conf import gunicorn_logging as _gunicorn_logging
from timekeeper_service.gunicorn_conf import server_settings as _server_settings

from docs_service.config import ConfigError as _ConfigError
from docs_service.config import load as _load_settings
from docs_service.config import report_and_exit as _report_and_exit

# gunicorn reads every public module-level name as a setting: helpers stay private.
try:
    _settings = _load_settings()
except _ConfigError as _error:
    _report_and_exit(_error)

globals().update(_server_settings(_settings))
# The gateway's error pages (/docs/errors/<status>) are asked for with a copy of the
# refused request's headers (Traefik's errors middleware copies them all): accept as many
# and as long as the gateway lets through (1 MiB in all, Traefik's maxHeaderBytes), or
# the 431 page for a service's refusal would itself be refused.
limit_request_fields = 32768  # gunicorn's maximum
limit_request_field_size = 2 * 1024 * 1024  # above Traefik's; gunicorn 27 reads 0 as 8190
logconfig_dict = _gunicorn_logging(_settings, "docs_service.observability.JsonFormatter")
