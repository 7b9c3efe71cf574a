"""The hours service's settings, with the URLconf that adds the naive baseline route."""

from hours_service.settings import *  # noqa: F403 - the service's settings, unchanged

ROOT_URLCONF = "bench.naive_hours.urls"
