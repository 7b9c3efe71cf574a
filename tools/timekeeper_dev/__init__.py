"""Development and test tooling for Timekeeper (never deployed).

- :mod:`timekeeper_dev.postgres` starts a throwaway PostgreSQL cluster from the
  system binaries (also as root, where ``initdb`` refuses to run directly), and puts it in
  the states a client's tests need (a role that must give its password, a server in
  recovery that admits no connection).
- :mod:`timekeeper_dev.pytest_plugin` gives every test session a cluster (the
  ``postgresql_server`` and ``postgresql_cluster`` fixtures), and fails a run in which any
  test was skipped.
- :mod:`timekeeper_dev.process` runs a command (to its end, or for the length of a block),
  reads its JSON log lines, and checks a one-line failure; stops process groups.
- :mod:`timekeeper_dev.traefik` finds the Traefik binary that ``make bootstrap`` built.
- :mod:`timekeeper_dev.introspection_stub` stands in for the user service's
  introspection endpoint in the hours service's and the contract tests.
- :mod:`timekeeper_dev.accounts` registers and logs in test users through the user
  service's public API (the contract and e2e tests).
- :mod:`timekeeper_dev.coverage_floors` holds each part of the repository to its coverage
  floor at the end of ``make test``.
"""
