"""gunicorn settings: ``gunicorn -c python:hours_service.gunicorn_conf hours_service.wsgi:application``.

The settings every service shares (``timekeeper_service.gunicorn_conf``: bind, gthread
workers, timeouts), taken once the configuration is checked here, in the master; gunicorn's
own messages go through the service's logging configuration.
"""

from timekeeper_service.gunicorn_conf import server_settings as _server_settings

from hours_service.config import ConfigError as _ConfigError
from hours_service.config import load as _load_settings
from hours_service.config import report_and_exit as _report_and_exit
from hours_service.observability import logging_config as _logging_config

# gunicorn reads every public module-level name as a setting: helpers stay private.
try:
    _settings = _load_settings()
except _ConfigError as _error:
    _report_and_exit(_error)

globals().update(_server_settings(_settings))
# gunicorn's messages through the service's own logging (the request id filter included)
logconfig_dict = _logging_config(_settings.log_level, _settings.log_format)
