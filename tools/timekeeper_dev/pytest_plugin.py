"""pytest plugin (registered by the timekeeper-dev package) for every Timekeeper suite.

Fixtures
    ``postgresql_server`` (session): a throwaway cluster from
    :class:`timekeeper_dev.postgres.PostgresCluster`, exposed as a pytest-postgresql
    ``NoopExecutor``, so a suite can build per-test databases on it with
    ``factories.postgresql_noproc(depends_on="postgresql_server")``, or read
    ``.host``/``.port``/``.user`` to point Django at it.
    ``postgresql_cluster`` (session): that cluster itself, for what a ``NoopExecutor``
    cannot do: ``url(...)``, ``create_database(...)``, ``require_password(role)``.

Skips fail the run
    A suite that skips because something is missing has not passed. A run that
    skipped any test exits non-zero (``--allow-skips`` turns this off for local work).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_postgresql.executors import NoopExecutor

from timekeeper_dev.postgres import PostgresCluster

# The suites' shared assertion helpers: rewritten like the tests' own asserts, so a failure
# shows the values compared.
pytest.register_assert_rewrite("timekeeper_dev.prestart_checks")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--allow-skips",
        action="store_true",
        default=False,
        help="do not fail the run when tests were skipped (Timekeeper fails on skips by default)",
    )


@pytest.fixture(scope="session")
def postgresql_cluster() -> Iterator[PostgresCluster]:
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgresql_server(postgresql_cluster: PostgresCluster) -> NoopExecutor:
    return NoopExecutor(
        host=postgresql_cluster.host,
        port=postgresql_cluster.port,
        user=postgresql_cluster.superuser,
        options="",
        dbname="postgres",
        password=None,
    )


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0 and not session.config.getoption("--allow-skips"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _skipped and not config.getoption("--allow-skips"):
        terminalreporter.write_sep("=", "skipped tests fail this run", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(f"SKIPPED counts as a failure: {nodeid}")
