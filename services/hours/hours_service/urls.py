"""Every URL of the service: the v1 API, its OpenAPI document, health."""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView

from hours_service.health import LiveApi, ReadyApi

urlpatterns = [
    path("api/hours/v1/", include("hours_service.timesheets.urls")),
    path("api/hours/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("api/hours/health/live", LiveApi.as_view(), name="health-live"),
    path("api/hours/health/ready", ReadyApi.as_view(), name="health-ready"),
]

handler400 = "hours_service.errors.handler400"
handler403 = "hours_service.errors.handler403"
handler404 = "hours_service.errors.handler404"
handler500 = "hours_service.errors.handler500"
