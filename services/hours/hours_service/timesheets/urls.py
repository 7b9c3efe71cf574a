"""``/api/hours/v1/...``: one API class per operation, REST URLs (see hours_service.routing)."""

from django.urls import path

from hours_service.routing import operations
from hours_service.timesheets import apis

urlpatterns = [
    path("projects", operations(get=apis.ProjectListApi, post=apis.ProjectCreateApi), name="projects"),
    path(
        "projects/<int:project_id>",
        operations(get=apis.ProjectDetailApi, patch=apis.ProjectUpdateApi, delete=apis.ProjectDeleteApi),
        name="project",
    ),
    path("entries", operations(get=apis.EntryListApi, post=apis.EntryCreateApi), name="entries"),
    path("entries/export", operations(get=apis.EntryExportApi), name="entries-export"),
    path(
        "entries/<int:entry_id>",
        operations(get=apis.EntryDetailApi, patch=apis.EntryUpdateApi, delete=apis.EntryDeleteApi),
        name="entry",
    ),
    path("timer/start", operations(post=apis.TimerStartApi), name="timer-start"),
    path("timer/stop", operations(post=apis.TimerStopApi), name="timer-stop"),
    path("timer/current", operations(get=apis.TimerCurrentApi), name="timer-current"),
    path("reports", operations(get=apis.ReportApi), name="reports"),
]
