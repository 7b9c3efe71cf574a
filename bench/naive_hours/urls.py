"""Every URL of the hours service, plus ``/api/hours/bench/naive-entries``."""

from django.urls import path
from hours_service.urls import handler400, handler403, handler404, handler500, urlpatterns

from bench.naive_hours.views import NaiveEntryListApi

urlpatterns = [
    *urlpatterns,
    path("api/hours/bench/naive-entries", NaiveEntryListApi.as_view(), name="bench-naive-entries"),
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
