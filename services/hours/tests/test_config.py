from __future__ import annotations

import pytest
from hours_service.config import DEV_INTROSPECTION_CLIENT_SECRET, DEV_SECRET_KEY, ConfigError, load

PRODUCTION = {
    "APP_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgresql://hours:p%40ss@db:5433/hours",
    "USER_SERVICE_URL": "http://user:8000/",
    "INTROSPECTION_CLIENT_ID": "hours",
    "INTROSPECTION_CLIENT_SECRET": "s3cret",
}


def test_development_defaults():
    config = load({})
    assert config.app_env == "development"
    assert config.secret_key == DEV_SECRET_KEY
    assert config.auth_cache_seconds == 30
    assert (config.user_service_connect_timeout, config.user_service_read_timeout) == (1.0, 2.0)
    assert (config.log_level, config.log_format) == ("INFO", "json")
    assert (config.prestart_db_attempts, config.prestart_db_delay_seconds) == (60, 1.0)


def test_production_reads_everything():
    config = load(PRODUCTION | {"AUTH_CACHE_SECONDS": "0", "LOG_LEVEL": "debug", "LOG_FORMAT": "console"})
    assert config.database.host == "db"
    assert config.database.port == 5433
    assert config.database.password == "p@ss"
    assert config.user_service_url == "http://user:8000"
    assert config.auth_cache_seconds == 0
    assert config.log_level == "DEBUG"
    assert (config.prestart_db_attempts, config.prestart_db_delay_seconds) == (60, 1.0)


def test_prestart_patience_comes_from_the_environment():
    config = load({"PRESTART_DB_ATTEMPTS": "5", "PRESTART_DB_DELAY_SECONDS": "0.5"})
    assert (config.prestart_db_attempts, config.prestart_db_delay_seconds) == (5, 0.5)
    assert "s3cret" not in repr(config)


@pytest.mark.parametrize(
    "changes",
    [
        {"DJANGO_SECRET_KEY": ""},
        {"DJANGO_SECRET_KEY": DEV_SECRET_KEY},
        {"DJANGO_SECRET_KEY": "short"},
        {"INTROSPECTION_CLIENT_SECRET": ""},
        {"INTROSPECTION_CLIENT_SECRET": DEV_INTROSPECTION_CLIENT_SECRET},
        {"INTROSPECTION_CLIENT_SECRET": "dev-only-introspection-secret"},
        {"DJANGO_SECRET_KEY": "change-me-to-a-long-random-secret-of-32-characters-or-more"},
        {"DATABASE_URL": ""},
        {"DATABASE_URL": "mysql://db/hours"},
        {"DATABASE_URL": "postgresql://db"},
        {"USER_SERVICE_URL": ""},
        {"AUTH_CACHE_SECONDS": "soon"},
        {"AUTH_CACHE_SECONDS": "-1"},
        {"USER_SERVICE_READ_TIMEOUT": "fast"},
        {"PRESTART_DB_ATTEMPTS": "0"},
        {"PRESTART_DB_ATTEMPTS": "soon"},
        {"PRESTART_DB_DELAY_SECONDS": "-1"},
        {"LOG_FORMAT": "xml"},
        {"APP_ENV": "staging"},
    ],
)
def test_production_refuses(changes):
    with pytest.raises(ConfigError):
        load(PRODUCTION | changes)
