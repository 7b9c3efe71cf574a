from __future__ import annotations

import pytest
from hours_service.config import DEV_DJANGO_SECRET_KEY, DEV_INTROSPECTION_CLIENT_SECRET, ConfigError, load

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
    assert config.django_secret_key.get_secret_value() == DEV_DJANGO_SECRET_KEY
    assert config.auth_cache_seconds == 30
    assert (config.user_service_connect_timeout, config.user_service_read_timeout) == (1.0, 2.0)
    assert (config.log_level, config.log_format) == ("INFO", "json")
    assert (config.prestart_db_attempts, config.prestart_db_delay_seconds) == (60, 1.0)
    assert (config.port, config.web_concurrency, config.gunicorn_threads) == (8000, 2, 4)


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
    ("changes", "problem"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set to a real secret"),
        ({"DJANGO_SECRET_KEY": DEV_DJANGO_SECRET_KEY}, "DJANGO_SECRET_KEY must be set to a real secret"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be at least 32 characters"),
        ({"INTROSPECTION_CLIENT_SECRET": ""}, "INTROSPECTION_CLIENT_SECRET must be set to a real secret"),
        ({"INTROSPECTION_CLIENT_SECRET": DEV_INTROSPECTION_CLIENT_SECRET}, "INTROSPECTION_CLIENT_SECRET must be set"),
        ({"INTROSPECTION_CLIENT_SECRET": "dev-only-introspection-secret"}, "INTROSPECTION_CLIENT_SECRET must be set"),
        ({"DJANGO_SECRET_KEY": "change-me-to-a-long-random-secret-of-32-characters-or-more"}, "DJANGO_SECRET_KEY must be set"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set when APP_ENV=production"),
        ({"DATABASE_URL": "mysql://db/hours"}, "DATABASE_URL must be a postgresql:// URL, not mysql://"),
        ({"DATABASE_URL": "db/hours"}, "DATABASE_URL must be a postgresql:// URL"),
        ({"DATABASE_URL": "postgresql://db"}, "DATABASE_URL names no database"),
        ({"DATABASE_URL": "postgresql://hours@db:port/hours"}, "DATABASE_URL is not a valid URL"),
        ({"USER_SERVICE_URL": ""}, "USER_SERVICE_URL must be set when APP_ENV=production"),
        ({"USER_SERVICE_URL": "user:8000"}, "USER_SERVICE_URL must be an http:// or https:// URL"),
        ({"INTROSPECTION_CLIENT_ID": ""}, "INTROSPECTION_CLIENT_ID must be set when APP_ENV=production"),
        ({"AUTH_CACHE_SECONDS": "soon"}, "AUTH_CACHE_SECONDS must be a whole number, not 'soon'"),
        ({"AUTH_CACHE_SECONDS": "-1"}, "AUTH_CACHE_SECONDS must be at least 0, not '-1'"),
        ({"USER_SERVICE_READ_TIMEOUT": "fast"}, "USER_SERVICE_READ_TIMEOUT must be a number, not 'fast'"),
        ({"USER_SERVICE_READ_TIMEOUT": "0"}, "USER_SERVICE_READ_TIMEOUT must be greater than 0, not '0'"),
        ({"USER_SERVICE_CONNECT_TIMEOUT": "0"}, "USER_SERVICE_CONNECT_TIMEOUT must be greater than 0, not '0'"),
        ({"PRESTART_DB_ATTEMPTS": "0"}, "PRESTART_DB_ATTEMPTS must be at least 1, not '0'"),
        ({"PRESTART_DB_ATTEMPTS": "soon"}, "PRESTART_DB_ATTEMPTS must be a whole number, not 'soon'"),
        ({"PRESTART_DB_DELAY_SECONDS": "-1"}, "PRESTART_DB_DELAY_SECONDS must be at least 0, not '-1'"),
        ({"PORT": "http"}, "PORT must be a whole number, not 'http'"),
        ({"PORT": "70000"}, "PORT must be at most 65535, not '70000'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not '0'"),
        ({"GUNICORN_THREADS": "many"}, "GUNICORN_THREADS must be a whole number, not 'many'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, console, not 'xml'"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of development, test, production, not 'staging'"),
    ],
)  # fmt: skip
def test_production_refuses(changes, problem):
    with pytest.raises(ConfigError) as raised:
        load(PRODUCTION | changes)
    assert isinstance(raised.value, ValueError)
    (said,) = raised.value.problems
    assert said.startswith(problem)
    assert str(raised.value) == said


def test_every_problem_is_named_at_once():
    with pytest.raises(ConfigError) as raised:
        load({"APP_ENV": "prod", "PRESTART_DB_ATTEMPTS": "0", "AUTH_CACHE_SECONDS": "soon", "PORT": "x"})
    named = [problem.split()[0] for problem in raised.value.problems]
    # in the order of the variables: those of every service first, then the service's own
    assert named == ["APP_ENV", "PORT", "AUTH_CACHE_SECONDS", "PRESTART_DB_ATTEMPTS"]
    assert str(raised.value) == "; ".join(raised.value.problems)


def test_a_secret_is_never_quoted():
    secret = "hunter2-hunter2"
    with pytest.raises(ConfigError) as raised:
        load(
            PRODUCTION
            | {
                "DJANGO_SECRET_KEY": secret,
                "INTROSPECTION_CLIENT_SECRET": f"change-me-{secret}",
                "DATABASE_URL": f"mysql://hours:{secret}@db/hours",
                "USER_SERVICE_URL": f"user:{secret}@user:8000",
            }
        )
    assert len(raised.value.problems) == 4
    assert secret not in str(raised.value)


def test_empty_variables_count_as_unset():
    config = load({"AUTH_CACHE_SECONDS": "", "DJANGO_SECRET_KEY": "", "ALLOWED_HOSTS": ""})
    assert config.auth_cache_seconds == 30
    assert config.django_secret_key.get_secret_value() == DEV_DJANGO_SECRET_KEY
    assert config.allowed_hosts == ("*",)


def test_allowed_hosts_are_comma_separated():
    assert load({"ALLOWED_HOSTS": "hours, hours.internal ,"}).allowed_hosts == ("hours", "hours.internal")


def test_secrets_come_from_their_files(tmp_path):
    """Every secret the hours service takes may come from <NAME>_FILE instead (Docker secrets)."""
    values = {
        "DATABASE_URL": "postgresql://hours:p%40ss@db:5433/hours",
        "DJANGO_SECRET_KEY": "x" * 50,
        "INTROSPECTION_CLIENT_SECRET": "s3cret-from-a-file",
    }
    files = {}
    for name, value in values.items():
        (tmp_path / name).write_text(value + "\n")
        files[f"{name}_FILE"] = str(tmp_path / name)
    config = load({k: v for k, v in PRODUCTION.items() if k not in values} | files)
    assert (config.database.host, config.database.password) == ("db", "p@ss")
    assert config.django_secret_key.get_secret_value() == "x" * 50
    assert config.introspection_client_secret.get_secret_value() == "s3cret-from-a-file"
    assert "s3cret" not in repr(config)
