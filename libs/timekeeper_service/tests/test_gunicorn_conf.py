from __future__ import annotations

import logging.config
from datetime import timedelta

import pytest
from gunicorn.config import Config

from timekeeper_service.config import ServiceSettings
from timekeeper_service.gunicorn_conf import gunicorn_logging, server_settings
from timekeeper_service.gunicorn_hooks import drain_unread_body


def _settings(**values: object) -> ServiceSettings:
    return ServiceSettings(**values)


def test_every_shared_setting_is_one_gunicorn_knows_and_takes():
    config = Config()
    for name, value in server_settings(_settings(port=8123, web_concurrency=3, gunicorn_threads=5)).items():
        assert name in config.settings, name
        config.set(name, value)  # gunicorn's own validation of the value
    assert config.bind == ["0.0.0.0:8123"]
    assert (config.workers, config.threads, config.worker_class_str) == (3, 5, "gthread")
    assert config.post_request is drain_unread_body
    assert config.accesslog is None


def test_the_log_level_follows_the_settings():
    assert server_settings(_settings(log_level="WARNING"))["loglevel"] == "warning"


def test_gunicorn_logging_is_a_working_dict_config_in_either_format():
    for log_format in ("json", "console"):
        config = gunicorn_logging(_settings(log_format=log_format, log_level="DEBUG"), "logging.Formatter")
        logging.config.dictConfig(config)
        assert logging.getLogger("gunicorn.error").level == logging.DEBUG
        assert logging.getLogger("gunicorn.error").handlers


def test_gunicorn_builds_no_access_line(monkeypatch: pytest.MonkeyPatch):
    """The services write their own line per request; gunicorn's logger, configured by a dict,
    would still gather its access line's fields for every request and hand them to a logger
    with no handler."""
    config = Config()
    for name, value in server_settings(_settings()).items():
        config.set(name, value)
    config.set("logconfig_dict", gunicorn_logging(_settings(), "logging.Formatter"))
    logger = config.logger_class(config)

    def gathered(*_args: object) -> dict[str, str]:
        raise AssertionError("gunicorn gathered an access line's fields")

    monkeypatch.setattr(logger, "atoms", gathered)
    logger.access(object(), object(), {}, timedelta(milliseconds=3))
