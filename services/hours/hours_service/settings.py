"""Django settings, every value from the one settings object :func:`hours_service.config.load`
reads from the environment. The code reads Django's settings, never the environment or that
object (only ``gunicorn_conf`` loads it too, for the server's own settings)."""

from __future__ import annotations

from hours_service import config, db
from hours_service.observability import logging_config

_settings = config.load()  # a ConfigError here: the entry points make it one line and status 2

APP_ENV = _settings.app_env
SECRET_KEY = _settings.django_secret_key.get_secret_value()
DEBUG = False
ALLOWED_HOSTS = list(_settings.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "hours_service.timesheets",
]

MIDDLEWARE = [
    "hours_service.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "hours_service.urls"
WSGI_APPLICATION = "hours_service.wsgi.application"
APPEND_SLASH = False

DATABASES = {
    "default": {
        # Django's PostgreSQL backend, every wait on the server bounded (hours_service/db)
        "ENGINE": "hours_service.db",
        "HOST": _settings.database.host,
        "PORT": _settings.database.port,
        "NAME": _settings.database.name,
        "USER": _settings.database.user,
        "PASSWORD": _settings.database.password,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"application_name": "timekeeper-hours", **db.OPTIONS},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hours"}}

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
LANGUAGE_CODE = "en"

# The user service (token introspection) -------------------------------------------------
USER_SERVICE_URL = _settings.user_service_url
INTROSPECTION_CLIENT_ID = _settings.introspection_client_id
INTROSPECTION_CLIENT_SECRET = _settings.introspection_client_secret.get_secret_value()
AUTH_CACHE_SECONDS = _settings.auth_cache_seconds
USER_SERVICE_CONNECT_TIMEOUT = _settings.user_service_connect_timeout
USER_SERVICE_READ_TIMEOUT = _settings.user_service_read_timeout

# prestart --------------------------------------------------------------------------------
PRESTART_DB_ATTEMPTS = _settings.prestart_db_attempts
PRESTART_DB_DELAY_SECONDS = _settings.prestart_db_delay_seconds

LOGGING = logging_config(_settings.log_level, _settings.log_format)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["hours_service.auth.IntrospectionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["hours_service.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["hours_service.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_SCHEMA_CLASS": "hours_service.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hours_service.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Timekeeper hours service",
    "DESCRIPTION": (
        "Projects, time entries, timers, reports and CSV export. Every call carries a bearer "
        "token from the user service (`POST /api/users/v1/token`); errors are "
        "`application/problem+json` (RFC 9457)."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVERS": [{"url": "/"}],
    "SERVE_INCLUDE_SCHEMA": False,
    "DEFAULT_GENERATOR_CLASS": "hours_service.routing.SchemaGenerator",
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/hours/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hours_service.openapi.standard_headers",
    ],
}
