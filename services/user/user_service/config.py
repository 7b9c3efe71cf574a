"""One typed settings object, read from the environment only (see .env.example).

Development defaults exist so that `flask --app user_service spec` and a first local run
work out of the box; `APP_ENV=production` refuses every one of them that is a secret.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_DATABASE_URL = "postgresql://users:users@localhost:5432/users"
DEV_JWT_SIGNING_KEY = "dev-only-signing-key-change-me-0123456789"
DEV_INTROSPECTION_CLIENT_SECRET = "dev-introspection-secret"  # noqa: S105 - refused (set it in production)
MIN_SIGNING_KEY_BYTES = 32
#: prestart's patience with a database it cannot reach (the hours service has the same): a
#: minute covers a Postgres that is still starting, recovering or being restarted next to us
#: (Compose, a rolling deploy) even on a slow machine. It costs nothing on a misconfiguration,
#: since a server that refuses the role, the password or the database ends prestart at once;
#: an outage longer than that is for the orchestrator's restart policy, not for prestart.
PRESTART_DB_ATTEMPTS = 60
PRESTART_DB_DELAY_SECONDS = 1.0
#: marks of a placeholder (as in .env.example): a secret holding one is refused in production
PLACEHOLDER_MARKS = ("dev-only", "change-me", "changeme", "changethis")


def _is_placeholder(secret: SecretStr | None) -> bool:
    """Unset, a development default, or a value that says it is a placeholder."""
    value = secret.get_secret_value() if secret else ""
    return value in ("", DEV_JWT_SIGNING_KEY, DEV_INTROSPECTION_CLIENT_SECRET) or any(
        mark in value.lower() for mark in PLACEHOLDER_MARKS
    )


class Settings(BaseSettings):
    """Every variable the user service reads. Field names are the env names, lower-cased."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str = DEV_DATABASE_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    jwt_signing_key: SecretStr = SecretStr(DEV_JWT_SIGNING_KEY)
    jwt_issuer: str = "timekeeper-users"
    jwt_audience: str = "timekeeper"
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=1_209_600, gt=0)

    introspection_client_id: str = Field(default="hours", min_length=1)
    introspection_client_secret: SecretStr | None = SecretStr(DEV_INTROSPECTION_CLIENT_SECRET)

    prestart_db_attempts: int = Field(default=PRESTART_DB_ATTEMPTS, ge=1)
    prestart_db_delay_seconds: float = Field(default=PRESTART_DB_DELAY_SECONDS, ge=0)

    admin_username: str | None = None
    admin_email: str | None = None
    admin_password: SecretStr | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "admin_username", "admin_email", "admin_password", "introspection_client_secret", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_dev_defaults_in_production(self) -> Settings:
        if self.app_env != "production":
            return self
        problems = []
        key = self.jwt_signing_key
        if _is_placeholder(key) or len(key.get_secret_value().encode()) < MIN_SIGNING_KEY_BYTES:
            problems.append(
                f"JWT_SIGNING_KEY must be a secret (no placeholder) of at least {MIN_SIGNING_KEY_BYTES} bytes"
            )
        if _is_placeholder(self.introspection_client_secret):
            problems.append("INTROSPECTION_CLIENT_SECRET must be set to a secret (no placeholder)")
        if "database_url" not in self.model_fields_set:
            problems.append("DATABASE_URL must be set")
        if problems:
            raise ValueError("APP_ENV=production refuses to start: " + "; ".join(problems))
        return self

    @model_validator(mode="after")
    def _admin_all_or_nothing(self) -> Settings:
        # ADMIN_PASSWORD alone is the `create-admin` command's password; a name or email asks for a seed
        if (self.admin_username or self.admin_email) and not (
            self.admin_username and self.admin_email and self.admin_password
        ):
            raise ValueError("ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD go together: set all or none")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with the psycopg 3 driver named, as SQLAlchemy wants it."""
        scheme, sep, rest = self.database_url.partition("://")
        if scheme in ("postgres", "postgresql"):
            scheme = "postgresql+psycopg"
        return f"{scheme}{sep}{rest}"
