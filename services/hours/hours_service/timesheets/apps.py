from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "hours_service.timesheets"
    label = "timesheets"
    verbose_name = "Timesheets"

    def ready(self) -> None:
        # drf-spectacular learns the bearer scheme and the FilterSet parameters here.
        from hours_service import openapi  # noqa: F401
