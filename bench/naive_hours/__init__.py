"""The hours service plus one bench-only route: the naive DRF baseline.

``DJANGO_SETTINGS_MODULE=bench.naive_hours.settings`` serves the hours service unchanged
and adds ``GET /api/hours/bench/naive-entries``: the same page of 50 entries through a
plain ``ModelSerializer`` and ``ListAPIView``. services/hours knows nothing of it.
"""
