"""Settings come from the environment only; production refuses development defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from user_service.config import (
    DEV_INTROSPECTION_CLIENT_SECRET,
    DEV_JWT_SIGNING_KEY,
    ConfigError,
    Settings,
    load,
)

STRONG_KEY = "k" * 32
PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://users:pw@db:5432/users",
    "JWT_SIGNING_KEY": STRONG_KEY,
    "INTROSPECTION_CLIENT_SECRET": "a-real-secret",
}


@pytest.fixture
def env(monkeypatch):
    for name in (
        "APP_ENV",
        "DATABASE_URL",
        "JWT_SIGNING_KEY",
        "INTROSPECTION_CLIENT_SECRET",
        "ADMIN_USERNAME",
        "PRESTART_DB_ATTEMPTS",
        "PRESTART_DB_DELAY_SECONDS",
        "PORT",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "PASSWORD_HASH_CONCURRENCY",
    ):
        monkeypatch.delenv(name, raising=False)

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def test_development_defaults(env):
    settings = Settings()
    assert settings.app_env == "development"
    assert settings.access_token_ttl_seconds == 900
    assert settings.refresh_token_ttl_seconds == 1_209_600
    assert (settings.jwt_issuer, settings.jwt_audience) == ("timekeeper-users", "timekeeper")
    assert settings.log_format == "json"
    assert (settings.prestart_db_attempts, settings.prestart_db_delay_seconds) == (60, 1.0)
    assert (settings.port, settings.web_concurrency) == (8000, 2)
    assert (settings.gunicorn_threads, settings.password_hash_concurrency) == (4, 1)


def test_reads_the_environment(env):
    env(**PRODUCTION, ACCESS_TOKEN_TTL_SECONDS="60", LOG_FORMAT="console", INTROSPECTION_CLIENT_ID="svc")
    env(LOG_LEVEL="debug")
    settings = Settings()
    assert settings.log_level == "DEBUG"
    assert settings.app_env == "production"
    assert settings.access_token_ttl_seconds == 60
    assert settings.log_format == "console"
    assert settings.introspection_client_id == "svc"
    env(GUNICORN_THREADS="8", PASSWORD_HASH_CONCURRENCY="3")
    assert (Settings().gunicorn_threads, Settings().password_hash_concurrency) == (8, 3)
    assert settings.jwt_signing_key.get_secret_value() == STRONG_KEY
    assert STRONG_KEY not in repr(settings)


def test_env_example_placeholders_are_refused_in_production(env):
    example = Path(__file__).resolve().parents[1] / ".env.example"
    values = dict(
        line.split("=", 1) for line in example.read_text().splitlines() if line and not line.startswith("#")
    )
    env(**{**values, "APP_ENV": "production"})
    with pytest.raises(ConfigError, match=r"JWT_SIGNING_KEY.*INTROSPECTION_CLIENT_SECRET"):
        load()


def test_production_with_real_secrets_starts(env):
    env(**PRODUCTION)
    load()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"JWT_SIGNING_KEY": None}, "JWT_SIGNING_KEY must be set to a real secret (no placeholder) when APP_ENV=production"),
        ({"JWT_SIGNING_KEY": DEV_JWT_SIGNING_KEY}, "JWT_SIGNING_KEY must be set to a real secret"),
        ({"JWT_SIGNING_KEY": "k" * 31}, "JWT_SIGNING_KEY must be at least 32 bytes when APP_ENV=production"),
        ({"INTROSPECTION_CLIENT_SECRET": None}, "INTROSPECTION_CLIENT_SECRET must be set to a real secret"),
        ({"INTROSPECTION_CLIENT_SECRET": ""}, "INTROSPECTION_CLIENT_SECRET must be set to a real secret"),
        ({"INTROSPECTION_CLIENT_SECRET": "dev-introspection-secret"}, "INTROSPECTION_CLIENT_SECRET must be set"),
        ({"INTROSPECTION_CLIENT_SECRET": "change-me"}, "INTROSPECTION_CLIENT_SECRET must be set"),
        ({"JWT_SIGNING_KEY": "change-me-to-a-long-random-secret-of-32-bytes-or-more"}, "JWT_SIGNING_KEY must be set"),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set when APP_ENV=production"),
        ({"DATABASE_URL": "mysql://db/users"}, "DATABASE_URL must be a postgresql:// URL, not mysql://"),
        ({"DATABASE_URL": "db/users"}, "DATABASE_URL must be a postgresql:// URL"),
        ({"DATABASE_URL": "postgresql://db"}, "DATABASE_URL names no database"),
        ({"DATABASE_URL": "postgresql://users@db:port/users"}, "DATABASE_URL is not a valid URL"),
        ({"ACCESS_TOKEN_TTL_SECONDS": "soon"}, "ACCESS_TOKEN_TTL_SECONDS must be a whole number, not 'soon'"),
        ({"ACCESS_TOKEN_TTL_SECONDS": "0"}, "ACCESS_TOKEN_TTL_SECONDS must be greater than 0, not '0'"),
        ({"PORT": "http"}, "PORT must be a whole number, not 'http'"),
        ({"PORT": "70000"}, "PORT must be at most 65535, not '70000'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not '0'"),
        ({"GUNICORN_THREADS": "0"}, "GUNICORN_THREADS must be at least 1, not '0'"),
        ({"PASSWORD_HASH_CONCURRENCY": "0"}, "PASSWORD_HASH_CONCURRENCY must be at least 1, not '0'"),
        ({"GUNICORN_THREADS": "2", "PASSWORD_HASH_CONCURRENCY": "2"}, "PASSWORD_HASH_CONCURRENCY must be less than GUNICORN_THREADS"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, console, not 'xml'"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'loud'"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of development, test, production, not 'staging'"),
    ],
)  # fmt: skip
def test_production_refuses(env, change, problem):
    env(**{k: v for k, v in {**PRODUCTION, **change}.items() if v is not None})
    with pytest.raises(ConfigError) as raised:
        load()
    assert isinstance(raised.value, ValueError)
    (said,) = raised.value.problems
    assert said.startswith(problem)
    assert str(raised.value) == said


@pytest.mark.parametrize("value", ["nonsense", "prod"])
def test_unknown_app_env_is_refused(env, value):
    env(APP_ENV=value)
    with pytest.raises(
        ConfigError, match=f"APP_ENV must be one of development, test, production, not '{value}'"
    ):
        load()


def test_every_problem_is_named_at_once(env):
    env(APP_ENV="prod", PRESTART_DB_ATTEMPTS="0", ACCESS_TOKEN_TTL_SECONDS="soon", PORT="x")
    with pytest.raises(ConfigError) as raised:
        load()
    named = sorted(problem.split()[0] for problem in raised.value.problems)
    assert named == ["ACCESS_TOKEN_TTL_SECONDS", "APP_ENV", "PORT", "PRESTART_DB_ATTEMPTS"]
    assert str(raised.value) == "; ".join(raised.value.problems)


def test_the_checks_across_variables_are_named_at_once(env):
    env(APP_ENV="production", JWT_SIGNING_KEY="short", ADMIN_USERNAME="root")
    with pytest.raises(ConfigError) as raised:
        load()
    named = [problem.split()[0] for problem in raised.value.problems]
    # in the order of the variables: those of every service first, then the service's own
    assert named == ["DATABASE_URL", "JWT_SIGNING_KEY", "INTROSPECTION_CLIENT_SECRET", "ADMIN_USERNAME,"]


def test_a_secret_is_never_quoted(env):
    secret = "hunter2-hunter2"
    env(**{**PRODUCTION, "JWT_SIGNING_KEY": secret, "INTROSPECTION_CLIENT_SECRET": f"change-me-{secret}"})
    with pytest.raises(ConfigError) as raised:
        load()
    assert len(raised.value.problems) == 2
    env(DATABASE_URL=f"mysql://users:{secret}@db/users")
    with pytest.raises(ConfigError) as raised:
        load()
    assert secret not in str(raised.value)
    assert raised.value.__cause__ is None  # not even in a traceback: pydantic's error quotes input


def test_empty_variables_count_as_unset(env):
    """As in every service: ``NAME=`` means the default (in production, a secret's default is
    refused as ever)."""
    env(ADMIN_USERNAME="", ADMIN_EMAIL="", ADMIN_PASSWORD="", INTROSPECTION_CLIENT_SECRET="")
    env(INTROSPECTION_CLIENT_ID="", PORT="")
    settings = Settings()
    assert settings.admin_username is None
    assert settings.admin_password is None
    assert settings.introspection_client_secret.get_secret_value() == DEV_INTROSPECTION_CLIENT_SECRET
    assert (settings.introspection_client_id, settings.port) == ("hours", 8000)


def test_prestart_patience_comes_from_the_environment(env):
    env(PRESTART_DB_ATTEMPTS="5", PRESTART_DB_DELAY_SECONDS="0.5")
    settings = Settings()
    assert (settings.prestart_db_attempts, settings.prestart_db_delay_seconds) == (5, 0.5)


@pytest.mark.parametrize(
    "values",
    [
        {"PRESTART_DB_ATTEMPTS": "0"},
        {"PRESTART_DB_ATTEMPTS": "soon"},
        {"PRESTART_DB_DELAY_SECONDS": "-1"},
    ],
)
def test_prestart_patience_is_checked(env, values):
    env(**values)
    with pytest.raises(ConfigError, match=next(iter(values))):
        load()


def test_admin_variables_go_together(env):
    env(ADMIN_USERNAME="root")
    with pytest.raises(ConfigError, match="ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD"):
        load()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_sqlalchemy_url_names_psycopg3(url, expected):
    assert Settings(database_url=url).sqlalchemy_url == expected


def test_create_app_refuses_production_defaults(env):
    from user_service import create_app

    env(APP_ENV="production")
    with pytest.raises(ConfigError, match="JWT_SIGNING_KEY"):
        create_app()


def test_secrets_come_from_their_files(env, tmp_path, monkeypatch):
    """Every secret the user service takes may come from <NAME>_FILE instead (Docker secrets)."""
    values = {
        "DATABASE_URL": "postgresql://users:pw@db:5432/users",
        "JWT_SIGNING_KEY": STRONG_KEY,
        "INTROSPECTION_CLIENT_SECRET": "a-real-secret",
        "ADMIN_PASSWORD": "an admin password",
    }
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    for name, value in values.items():
        (tmp_path / name).write_text(value + "\n")
        env(**{f"{name}_FILE": str(tmp_path / name)})
    env(APP_ENV="production")
    settings = load()
    assert settings.database_url == values["DATABASE_URL"]
    assert settings.jwt_signing_key.get_secret_value() == STRONG_KEY
    assert settings.introspection_client_secret.get_secret_value() == "a-real-secret"
    assert settings.admin_password.get_secret_value() == "an admin password"
