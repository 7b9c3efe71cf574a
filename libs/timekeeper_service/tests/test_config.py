"""One way to read a service's configuration: the environment, ``<NAME>_FILE`` for secrets,
every wrong variable named at once, never a secret's value, one line and exit status 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from pydantic import Field, SecretStr

from timekeeper_service.config import (
    EXIT_STATUS,
    ConfigError,
    DatabaseUrl,
    HttpUrl,
    Secret,
    ServiceSettings,
    SetInProduction,
    load_settings,
    report_and_exit,
)

DEV_KEY = "dev-only-signing-key-0123456789"
KEY = "k" * 32
URL = "postgresql://demo:pw@db:5432/demo"


class Demo(ServiceSettings):
    """A service with one of each kind of variable."""

    database_url: DatabaseUrl = "postgresql://demo:demo@localhost:5432/demo"
    signing_key: Annotated[SecretStr, Secret(min_length=32, unit="bytes")] = SecretStr(DEV_KEY)
    client_secret: Annotated[SecretStr, Secret()] = SecretStr("dev-client-secret")
    admin_password: Annotated[SecretStr | None, Secret(real_in_production=False)] = None
    upstream_url: Annotated[HttpUrl, SetInProduction()] = "http://127.0.0.1:8001"
    cache_seconds: int = Field(default=30, ge=0)
    timeout: float = Field(default=1.0, gt=0)
    name: str = Field(default="demo", min_length=1)


PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": URL,
    "SIGNING_KEY": KEY,
    "CLIENT_SECRET": "a-real-secret",
    "UPSTREAM_URL": "http://up:8000",
}


def load(environ: dict[str, str]) -> Demo:
    return load_settings(Demo, environ)


def problems(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load(environ)
    assert isinstance(raised.value, ValueError)
    assert str(raised.value) == "; ".join(raised.value.problems)
    assert raised.value.__cause__ is None  # pydantic's own error quotes the input
    return list(raised.value.problems)


def test_defaults():
    settings = load({})
    assert (settings.app_env, settings.log_level, settings.log_format) == ("development", "INFO", "json")
    assert (settings.port, settings.web_concurrency, settings.gunicorn_threads) == (8000, 2, 4)
    assert settings.signing_key.get_secret_value() == DEV_KEY
    assert settings.admin_password is None


def test_reads_the_given_environment_only(monkeypatch):
    monkeypatch.setenv("PORT", "9999")
    settings = load({"LOG_LEVEL": "debug", "CACHE_SECONDS": "0", "TIMEOUT": "0.5", "NAME": "x"})
    assert settings.port == 8000
    assert (settings.log_level, settings.cache_seconds) == ("DEBUG", 0)
    assert (settings.timeout, settings.name) == (0.5, "x")


def test_reads_os_environ_by_default(monkeypatch):
    monkeypatch.setenv("PORT", "9999")
    assert load_settings(Demo).port == 9999


def test_keyword_arguments_win(monkeypatch):
    monkeypatch.setenv("PORT", "9999")
    assert Demo(port=1234).port == 1234


def test_variable_names_are_upper_case():
    assert load({"port": "9999"}).port == 8000


def test_an_empty_variable_counts_as_unset():
    settings = load({"PORT": "", "ADMIN_PASSWORD": "", "CLIENT_SECRET": "", "NAME": ""})
    assert settings.port == 8000
    assert settings.admin_password is None
    assert settings.client_secret.get_secret_value() == "dev-client-secret"
    assert settings.name == "demo"
    assert problems({**PRODUCTION, "CLIENT_SECRET": ""}) == [
        "CLIENT_SECRET must be set to a real secret (no placeholder) when APP_ENV=production"
    ]


def test_production_with_real_values_loads():
    settings = load(PRODUCTION)
    assert settings.app_env == "production"
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"SIGNING_KEY": None}, "SIGNING_KEY must be set to a real secret (no placeholder) when APP_ENV=production"),
        ({"SIGNING_KEY": DEV_KEY}, "SIGNING_KEY must be set to a real secret (no placeholder) when APP_ENV=production"),
        ({"SIGNING_KEY": "change-me-to-something-long-enough-0123"}, "SIGNING_KEY must be set to a real secret (no placeholder) when APP_ENV=production"),
        ({"SIGNING_KEY": "é" * 15 + "k"}, "SIGNING_KEY must be at least 32 bytes when APP_ENV=production"),
        ({"CLIENT_SECRET": "dev-client-secret"}, "CLIENT_SECRET must be set to a real secret (no placeholder) when APP_ENV=production"),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set when APP_ENV=production"),
        ({"UPSTREAM_URL": None}, "UPSTREAM_URL must be set when APP_ENV=production"),
        ({"DATABASE_URL": "mysql://db/demo"}, "DATABASE_URL must be a postgresql:// URL, not mysql://"),
        ({"DATABASE_URL": "db/demo"}, "DATABASE_URL must be a postgresql:// URL"),
        ({"DATABASE_URL": "postgresql://db"}, "DATABASE_URL names no database"),
        ({"DATABASE_URL": "postgresql://demo@db:port/demo"}, "DATABASE_URL is not a valid URL (its host or port cannot be read)"),
        ({"UPSTREAM_URL": "up:8000"}, "UPSTREAM_URL must be an http:// or https:// URL with a host"),
        ({"UPSTREAM_URL": "http://up:port"}, "UPSTREAM_URL is not a valid URL (its host or port cannot be read)"),
        ({"CACHE_SECONDS": "soon"}, "CACHE_SECONDS must be a whole number, not 'soon'"),
        ({"CACHE_SECONDS": "1.5"}, "CACHE_SECONDS must be a whole number, not '1.5'"),
        ({"CACHE_SECONDS": "-1"}, "CACHE_SECONDS must be at least 0, not '-1'"),
        ({"TIMEOUT": "fast"}, "TIMEOUT must be a number, not 'fast'"),
        ({"TIMEOUT": "0"}, "TIMEOUT must be greater than 0, not '0'"),
        ({"PORT": "70000"}, "PORT must be at most 65535, not '70000'"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not '0'"),
        ({"GUNICORN_THREADS": "0"}, "GUNICORN_THREADS must be at least 1, not '0'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, console, not 'xml'"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'loud'"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of development, test, production, not 'staging'"),
    ],
)  # fmt: skip
def test_each_problem_in_one_sentence(change, problem):
    environ = {k: v for k, v in {**PRODUCTION, **change}.items() if v is not None}
    assert problems(environ) == [problem]


def test_set_in_production_means_set_even_to_the_development_value():
    assert (
        load({**PRODUCTION, "UPSTREAM_URL": "http://127.0.0.1:8001"}).upstream_url == "http://127.0.0.1:8001"
    )


def test_production_rules_hold_in_production_only():
    settings = load({"SIGNING_KEY": "short", "CLIENT_SECRET": "change-me"})
    assert settings.signing_key.get_secret_value() == "short"


def test_every_problem_is_named_at_once_in_the_order_of_the_fields():
    said = problems({**PRODUCTION, "SIGNING_KEY": "short", "PORT": "x", "TIMEOUT": "0", "UPSTREAM_URL": ""})
    assert [problem.split()[0] for problem in said] == ["PORT", "SIGNING_KEY", "UPSTREAM_URL", "TIMEOUT"]


def test_a_wrong_app_env_is_said_alone_with_the_other_wrong_values():
    """Without a known APP_ENV the production rules cannot be judged: the rest is still checked."""
    assert problems({"APP_ENV": "prod", "SIGNING_KEY": "short", "PORT": "x"}) == [
        "APP_ENV must be one of development, test, production, not 'prod'",
        "PORT must be a whole number, not 'x'",
    ]


def test_a_secret_is_never_quoted():
    secret = "hunter2-hunter2"
    said = problems(
        {
            **PRODUCTION,
            "SIGNING_KEY": secret,
            "CLIENT_SECRET": f"change-me-{secret}",
            "DATABASE_URL": f"mysql://demo:{secret}@db/demo",
            "UPSTREAM_URL": f"up:{secret}@up:8000",
        }
    )
    assert len(said) == 4
    assert secret not in "; ".join(said)


def test_secret_fields_are_the_marked_ones():
    assert Demo.secret_fields() == {"database_url", "signing_key", "client_secret", "admin_password"}


# -- <NAME>_FILE ------------------------------------------------------------------------------
def secret_file(tmp_path: Path, content: str | bytes, name: str = "secret") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_a_secret_is_read_from_its_file_less_one_trailing_newline(tmp_path):
    files = {
        "SIGNING_KEY_FILE": secret_file(tmp_path, KEY + "\n", "key"),
        "DATABASE_URL_FILE": secret_file(tmp_path, URL + "\n", "url"),
        "CLIENT_SECRET_FILE": secret_file(tmp_path, "  spaced secret  ", "client"),
        "ADMIN_PASSWORD_FILE": secret_file(tmp_path, "two newlines\n\n", "admin"),
    }
    unset = {"SIGNING_KEY": "", "DATABASE_URL": "", "CLIENT_SECRET": ""}
    settings = load({**PRODUCTION, **unset, **files})
    assert settings.signing_key.get_secret_value() == KEY
    assert settings.database_url == URL
    assert settings.client_secret.get_secret_value() == "  spaced secret  "
    assert settings.admin_password.get_secret_value() == "two newlines\n"  # one newline only


def test_a_value_from_a_file_is_checked_like_one_from_the_variable(tmp_path):
    environ = {**PRODUCTION, "DATABASE_URL": ""}
    environ |= {"SIGNING_KEY": "", "SIGNING_KEY_FILE": secret_file(tmp_path, "short\n", "key")}
    environ |= {"DATABASE_URL_FILE": secret_file(tmp_path, "mysql://u:hunter2@db/x\n", "url")}
    assert problems(environ) == [
        "DATABASE_URL must be a postgresql:// URL, not mysql://",
        "SIGNING_KEY must be at least 32 bytes when APP_ENV=production",
    ]


def test_an_empty_file_counts_as_unset(tmp_path):
    settings = load({"CLIENT_SECRET_FILE": secret_file(tmp_path, "\n")})
    assert settings.client_secret.get_secret_value() == "dev-client-secret"


def test_an_empty_file_variable_counts_as_unset():
    settings = load({"SIGNING_KEY_FILE": "", "SIGNING_KEY": "from-the-variable"})
    assert settings.signing_key.get_secret_value() == "from-the-variable"


def test_setting_both_is_a_problem(tmp_path):
    path = secret_file(tmp_path, "hunter2-in-the-file")
    said = problems({"SIGNING_KEY": "hunter2-in-the-variable", "SIGNING_KEY_FILE": path})
    assert said == ["SIGNING_KEY and SIGNING_KEY_FILE are both set (set one of them)"]


def test_an_unreadable_file_is_a_problem_that_names_the_variable(tmp_path):
    missing = str(tmp_path / "missing")
    assert problems({"CLIENT_SECRET_FILE": missing}) == [
        f"CLIENT_SECRET_FILE names a file that cannot be read ({missing}: No such file or directory)"
    ]
    assert problems({"CLIENT_SECRET_FILE": str(tmp_path)}) == [
        f"CLIENT_SECRET_FILE names a file that cannot be read ({tmp_path}: Is a directory)"
    ]


def test_a_file_that_is_not_text_is_a_problem(tmp_path):
    path = secret_file(tmp_path, b"\xff\xfehunter2")
    said = problems({"CLIENT_SECRET_FILE": path})
    assert said == [f"CLIENT_SECRET_FILE names a file that is not UTF-8 text ({path})"]


def test_file_problems_are_named_with_every_other_problem_and_never_the_content(tmp_path):
    secret = "hunter2-3e1f"
    path = secret_file(tmp_path, secret)
    said = problems(
        {
            "APP_ENV": "production",
            "PORT": "x",
            "SIGNING_KEY": secret,
            "SIGNING_KEY_FILE": path,
            "CLIENT_SECRET_FILE": str(tmp_path / "missing"),
        }
    )
    assert [problem.split()[0] for problem in said] == [
        "PORT",
        "DATABASE_URL",
        "SIGNING_KEY",
        "CLIENT_SECRET_FILE",
        "UPSTREAM_URL",
    ]
    assert secret not in "; ".join(said)


def test_only_secrets_are_read_from_files(tmp_path):
    assert load({"PORT_FILE": secret_file(tmp_path, "9999")}).port == 8000


# -- the one line -----------------------------------------------------------------------------
def test_report_and_exit_writes_one_line_and_exits_2(capsys):
    with pytest.raises(SystemExit) as raised:
        report_and_exit("demo_service", ConfigError(["PORT must be a whole number, not 'x'", "A b"]))
    assert raised.value.code == EXIT_STATUS == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "demo_service: configuration error: PORT must be a whole number, not 'x'; A b\n"
