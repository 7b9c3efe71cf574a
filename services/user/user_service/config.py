"""One typed settings object, read from the environment only (see .env.example).

Development defaults exist so that `flask --app user_service spec` and a first local run
work out of the box; `APP_ENV=production` refuses every one of them that is a secret.
:func:`load` reads it the way every Timekeeper service does (``timekeeper_service.config``:
``<NAME>_FILE`` for each secret, every wrong variable named in one :class:`ConfigError`),
which each entry point turns into one line and exit status 2 (:func:`report_and_exit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, NoReturn

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from timekeeper_service import config as shared
from timekeeper_service.config import ConfigError, DatabaseUrl, Secret, ServiceSettings, load_settings

__all__ = ["ConfigError", "Settings", "load", "report_and_exit"]

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
SERVICE = "user_service"


def report_and_exit(error: ConfigError) -> NoReturn:
    """One line, ``user_service: configuration error: ...``, and exit status 2."""
    shared.report_and_exit(SERVICE, error)


class Settings(ServiceSettings):
    """Every variable the user service reads. Field names are the env names, lower-cased;
    ``ServiceSettings`` has those of every service (APP_ENV, LOG_*, PORT, WEB_CONCURRENCY,
    GUNICORN_THREADS)."""

    database_url: DatabaseUrl = DEV_DATABASE_URL

    jwt_signing_key: Annotated[SecretStr, Secret(min_length=MIN_SIGNING_KEY_BYTES, unit="bytes")] = SecretStr(
        DEV_JWT_SIGNING_KEY
    )
    jwt_issuer: str = "timekeeper-users"
    jwt_audience: str = "timekeeper"
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=1_209_600, gt=0)

    introspection_client_id: str = Field(default="hours", min_length=1)
    introspection_client_secret: Annotated[SecretStr, Secret()] = SecretStr(DEV_INTROSPECTION_CLIENT_SECRET)

    prestart_db_attempts: int = Field(default=PRESTART_DB_ATTEMPTS, ge=1)
    prestart_db_delay_seconds: float = Field(default=PRESTART_DB_DELAY_SECONDS, ge=0)

    admin_username: str | None = None
    admin_email: str | None = None
    #: also the `create-admin` command's password when set alone
    admin_password: Annotated[SecretStr | None, Secret(real_in_production=False)] = None

    #: argon2id hashes at once per worker: each takes ARGON2_MEMORY_COST (64 MiB) and its CPU
    #: for as long as it runs (security.HashSlots)
    password_hash_concurrency: int = Field(default=1, ge=1)

    @field_validator("admin_password")
    @classmethod
    def _admin_together(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """ADMIN_PASSWORD alone is the `create-admin` command's password; a name or an email
        asks prestart for a seed, which needs all three. (Checked on the last of them, so it
        is said with every other problem.)"""
        username, email = info.data.get("admin_username"), info.data.get("admin_email")
        if (username or email) and not (username and email and value):
            raise ConfigError("ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD go together: set all or none")
        return value

    @field_validator("password_hash_concurrency")
    @classmethod
    def _a_thread_stays_free(cls, value: int, info: ValidationInfo) -> int:
        """Password hashes leave a gunicorn thread free (checked on the later of the two)."""
        threads = info.data.get("gunicorn_threads")
        if threads is not None and value >= threads:
            raise ConfigError(
                "PASSWORD_HASH_CONCURRENCY must be less than GUNICORN_THREADS, so that a thread "
                "is always free for introspection"
            )
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with the psycopg 3 driver named, as SQLAlchemy wants it."""
        scheme, sep, rest = self.database_url.partition("://")
        if scheme in ("postgres", "postgresql"):
            scheme = "postgresql+psycopg"
        return f"{scheme}{sep}{rest}"


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment (``os.environ`` by default); raise :class:`ConfigError`
    naming every problem."""
    return load_settings(Settings, environ)
