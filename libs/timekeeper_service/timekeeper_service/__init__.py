"""What every Timekeeper service does alike, written once: :mod:`timekeeper_service.config`
(settings from the environment, ``<NAME>_FILE`` secrets, the one-line configuration error and
exit status 2) and :mod:`timekeeper_service.prestart` (wait for the database, refuse what
waiting cannot fix, migrate under an advisory lock).

An internal package: the services install it from ``libs/timekeeper_service`` (their
Dockerfiles and ``make bootstrap``), never from an index.
"""

__version__ = "0.1.0"
