"""What every Timekeeper service does alike, written once: :mod:`timekeeper_service.config`
(settings from the environment, ``<NAME>_FILE`` secrets, the one-line configuration error and
exit status 2), :mod:`timekeeper_service.prestart` (wait for the database, refuse what
waiting cannot fix, migrate under an advisory lock), :mod:`timekeeper_service.conventions`
(the public API's figures and framework-free steps: page links, ETags, idempotency keys) and
:mod:`timekeeper_service.gunicorn_conf` (the gunicorn settings every service shares).

An internal package: the services install it from ``libs/timekeeper_service`` (their
Dockerfiles and ``make bootstrap``), never from an index.
"""

__version__ = "0.1.0"
