"""One API class per operation: validate the input, call a service or selector, serialize."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters import FilterSet
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from timekeeper_service.conventions import etag

from hours_service import conditional, idempotency
from hours_service.pagination import (
    PAGINATION_PARAMETERS,
    paginated_response,
    paginated_rows,
    paginated_schema,
)
from hours_service.timesheets import reports, selectors, services
from hours_service.timesheets.export import csv_lines
from hours_service.timesheets.filters import EntryFilter, EntryListFilter, ProjectFilter
from hours_service.timesheets.models import Entry, Project
from hours_service.timesheets.serializers import (
    UTC,
    AwareDateTimeField,
    CalendarDateField,
    EntryOutput,
    ProjectOutput,
    TimeZoneField,
    entry_rows,
    id_field,
    problems,
    tags_field,
    unique_tags,
    user_field,
)


class Api(APIView):
    # What every operation shares: who calls, the media types a body may have, checked input,
    # the list's filters. The rules (whose data a caller may read, how long a report may be)
    # are the selectors'. (A comment, not a docstring: drf-spectacular publishes a view's
    # docstring as the description of each of its operations.)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # DRF reads an empty body without asking a parser, and an empty form as an HTML form
        # whose unchecked boxes are false: a PATCH of nothing would unset booleans. A body
        # in a media type no parser reads is refused whatever its length.
        has_body = request.content_type and request.method in ("POST", "PUT", "PATCH")
        if has_body and self.get_content_negotiator().select_parser(request, self.get_parsers()) is None:
            raise UnsupportedMediaType(request.content_type)

    # A list names its FilterSet, the one definition of its filters: DjangoFilterBackend
    # validates the query string with it (a bad value is a 400) and narrows the queryset, and
    # drf-spectacular documents its parameters (hours_service.openapi).
    filter_backends: ClassVar[list[type[DjangoFilterBackend]]] = []
    filterset_class: ClassVar[type[FilterSet] | None] = None

    @staticmethod
    def caller(request: Request) -> dict[str, Any]:
        """The caller as the selectors take it: plain ids, not the authentication's principal."""
        return {"caller_id": request.user.id, "caller_is_admin": request.user.is_admin}

    @staticmethod
    def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed by the query string (``GenericAPIView.filter_queryset``)."""
        if (
            self.filterset_class
            and not self.filterset_class.base_filters.keys() & self.request.query_params.keys()
        ):
            return queryset  # nothing to narrow: skip building a FilterSet (it deep-copies its filters)
        for backend in self.filter_backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def filter_values(self) -> dict[str, Any]:
        """The query string's filter values, checked by the FilterSet (a bad one is a 400), the
        empty ones (no filter) left out: for a read that narrows its query itself."""
        assert self.filterset_class is not None
        if not self.filterset_class.base_filters.keys() & self.request.query_params.keys():
            return {}
        queryset = self.filterset_class._meta.model.objects.none()  # only its model is read
        filterset = DjangoFilterBackend().get_filterset(self.request, queryset, self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return {
            name: value for name, value in filterset.form.cleaned_data.items() if value not in EMPTY_VALUES
        }


@extend_schema_serializer(component_name="SubjectParameters")
class SubjectParameters(serializers.Serializer):
    user = user_field()


# -- projects --------------------------------------------------------------------------------


class ProjectListApi(Api):
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilter

    @extend_schema(
        operation_id="projects_list",
        tags=["projects"],
        parameters=[SubjectParameters, *PAGINATION_PARAMETERS],
        responses={200: paginated_schema(ProjectOutput, "PaginatedProjects"), **problems(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.validated(SubjectParameters, request.query_params)
        projects = selectors.project_list(**self.caller(request), owner_id=params.get("user"))
        projects = self.filter_queryset(projects)
        return paginated_response(serializer_class=ProjectOutput, queryset=projects, request=request)


class ProjectCreateApi(Api):
    @extend_schema_serializer(component_name="ProjectCreate")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        billable = serializers.BooleanField(default=True)
        archived = serializers.BooleanField(default=False)

    @extend_schema(
        operation_id="projects_create",
        tags=["projects"],
        parameters=idempotency.PARAMETERS,
        request=InputSerializer,
        responses={201: ProjectOutput, **problems(400, 409, 422)},
    )
    @idempotency.idempotent
    def post(self, request: Request) -> Response:
        data = self.validated(self.InputSerializer, request.data)
        project = services.project_create(owner_id=request.user.id, **data)
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)


def _project_tag(body: Mapping[str, Any]) -> str:
    return etag(body)


def _entry_tag(body: Mapping[str, Any]) -> str:
    # duration_seconds is computed at answer time (a running entry's grows): not versioned
    return etag(body, exclude=("duration_seconds",))


def project_etag(project: Project) -> str:
    return _project_tag(ProjectOutput(project).data)


def entry_etag(entry: Entry) -> str:
    return _entry_tag(EntryOutput(entry).data)


def _tagged(
    body: Mapping[str, Any], tag_of: Callable[[Mapping[str, Any]], str], request: Request | None = None
) -> Response:
    """``body`` with its ETag, a digest of the body itself (so one serialization makes both);
    for a read (``request`` given), the 304 when If-None-Match still matches."""
    tag = tag_of(body)
    unchanged = conditional.not_modified(request, tag) if request is not None else None
    return unchanged or Response(body, headers={"ETag": tag})


class ProjectDetailApi(Api):
    @extend_schema(
        operation_id="projects_retrieve",
        tags=["projects"],
        parameters=[SubjectParameters, *conditional.READ_PARAMETERS],
        responses={200: ProjectOutput, **conditional.NOT_MODIFIED, **problems(400, 403, 404)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        params = self.validated(SubjectParameters, request.query_params)
        project = selectors.project_get(
            **self.caller(request), owner_id=params.get("user"), project_id=project_id
        )
        return _tagged(ProjectOutput(project).data, _project_tag, request)


class ProjectUpdateApi(Api):
    @extend_schema_serializer(component_name="ProjectUpdate")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        billable = serializers.BooleanField(required=False)
        archived = serializers.BooleanField(required=False)

    @extend_schema(
        operation_id="projects_partial_update",
        tags=["projects"],
        parameters=conditional.CHANGE_RESPONSE_PARAMETERS,
        request=InputSerializer,
        responses={200: ProjectOutput, **problems(400, 404, 409, 412)},
    )
    def patch(self, request: Request, project_id: int) -> Response:
        data = self.validated(self.InputSerializer, request.data)
        project = services.project_update(
            owner_id=request.user.id,
            project_id=project_id,
            data=data,
            precondition=conditional.if_match(request, project_etag),
        )
        return _tagged(ProjectOutput(project).data, _project_tag)


class ProjectDeleteApi(Api):
    @extend_schema(
        operation_id="projects_destroy",
        tags=["projects"],
        parameters=conditional.CHANGE_PARAMETERS,
        responses={204: None, **problems(404, 409, 412)},
    )
    def delete(self, request: Request, project_id: int) -> Response:
        services.project_delete(
            owner_id=request.user.id,
            project_id=project_id,
            precondition=conditional.if_match(request, project_etag),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- entries ---------------------------------------------------------------------------------

RUNNING_RULE = (
    "An entry lasts at most 24 hours. A running entry (no `ended_at`) must have started within "
    "the last 24 hours when it is written; one that has run longer since (a forgotten timer) "
    "counts for 24 hours until it is given its end. An entry that overlaps another is "
    "`409 overlapping-entry`, naming it (`conflicting_entry`); when that one is such a forgotten "
    "timer, `409 timer-overdue`, which says how to end it (`POST /api/hours/v1/timer/stop` with "
    "`ended_at`)."
)


class EntryListApi(Api):
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntryListFilter

    @extend_schema(
        operation_id="entries_list",
        tags=["entries"],
        parameters=[SubjectParameters, *PAGINATION_PARAMETERS],
        responses={200: paginated_schema(EntryOutput, "PaginatedEntries"), **problems(400, 403)},
    )
    def get(self, request: Request) -> Response:
        # Without query parameters (the usual call: the latest page) there is nothing to check.
        params = self.validated(SubjectParameters, request.query_params) if request.query_params else {}
        filters = self.filter_values()
        now = timezone.now()
        return paginated_rows(
            rows=lambda offset, limit: selectors.entry_page(
                **self.caller(request),
                user_id=params.get("user"),
                filters=filters,
                now=now,
                offset=offset,
                limit=limit,
            ),
            items=entry_rows,
            request=request,
        )


@extend_schema_serializer(component_name="EntryWrite")
class EntryInputSerializer(serializers.Serializer):
    project = id_field(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    started_at = AwareDateTimeField()
    ended_at = AwareDateTimeField(required=False, allow_null=True)
    billable = serializers.BooleanField(required=False, help_text="defaults to the project's")
    tags = tags_field(required=False)

    def validate_tags(self, tags: list[str]) -> list[str]:
        return unique_tags(tags)


class EntryCreateApi(Api):
    InputSerializer = EntryInputSerializer

    @extend_schema(
        operation_id="entries_create",
        tags=["entries"],
        description=RUNNING_RULE,
        parameters=idempotency.PARAMETERS,
        request=InputSerializer,
        responses={201: EntryOutput, **problems(400, 404, 409, 422)},
    )
    @idempotency.idempotent
    def post(self, request: Request) -> Response:
        data = self.validated(self.InputSerializer, request.data)
        data["project_id"] = data.pop("project", None)
        entry = services.entry_create(user_id=request.user.id, **data)
        return Response(EntryOutput(entry).data, status=status.HTTP_201_CREATED)


class EntryDetailApi(Api):
    @extend_schema(
        operation_id="entries_retrieve",
        tags=["entries"],
        parameters=[SubjectParameters, *conditional.READ_PARAMETERS],
        responses={200: EntryOutput, **conditional.NOT_MODIFIED, **problems(400, 403, 404)},
    )
    def get(self, request: Request, entry_id: int) -> Response:
        params = self.validated(SubjectParameters, request.query_params)
        entry = selectors.entry_get(**self.caller(request), user_id=params.get("user"), entry_id=entry_id)
        return _tagged(EntryOutput(entry).data, _entry_tag, request)


class EntryUpdateApi(Api):
    InputSerializer = EntryInputSerializer

    @extend_schema(
        operation_id="entries_partial_update",
        tags=["entries"],
        description=RUNNING_RULE,
        parameters=conditional.CHANGE_RESPONSE_PARAMETERS,
        request=InputSerializer,
        responses={200: EntryOutput, **problems(400, 404, 409, 412)},
    )
    def patch(self, request: Request, entry_id: int) -> Response:
        data = self.validated(self.InputSerializer, request.data, partial=True)
        entry = services.entry_update(
            user_id=request.user.id,
            entry_id=entry_id,
            data=data,
            precondition=conditional.if_match(request, entry_etag),
        )
        return _tagged(EntryOutput(entry).data, _entry_tag)


class EntryDeleteApi(Api):
    @extend_schema(
        operation_id="entries_destroy",
        tags=["entries"],
        parameters=conditional.CHANGE_PARAMETERS,
        responses={204: None, **problems(404, 412)},
    )
    def delete(self, request: Request, entry_id: int) -> Response:
        services.entry_delete(
            user_id=request.user.id, entry_id=entry_id, precondition=conditional.if_match(request, entry_etag)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EntryExportApi(Api):
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntryListFilter

    @extend_schema_serializer(component_name="EntryExportParameters")
    class ParameterSerializer(SubjectParameters):
        tz = TimeZoneField(required=False, default=UTC, help_text="IANA zone the times are written in")

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The body is CSV whatever the Accept header says; errors stay problem+json.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="entries_export",
        tags=["entries"],
        parameters=[ParameterSerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "The entries as CSV (RFC 4180), tags joined with `;`. In the text users write "
                    "(project, description, each tag), an apostrophe goes before anything a "
                    "spreadsheet could read as a formula: a leading `=`, `+`, `-`, `@`, tab or CR, "
                    "also after a `,`, `;`, tab or line break inside the value."
                ),
            ),
            **problems(400, 403),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        params = self.validated(self.ParameterSerializer, request.query_params)
        entries = selectors.entry_list(**self.caller(request), user_id=params.get("user"))
        # oldest first unless ?ordering= says otherwise (a file reads top to bottom)
        entries = self.filter_queryset(entries.order_by("started_at"))
        tz = params["tz"]
        response = StreamingHttpResponse(
            csv_lines(entries.iterator(chunk_size=500), tz), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="timekeeper-entries.csv"'
        return response


# -- the timer -------------------------------------------------------------------------------


class TimerStartApi(Api):
    @extend_schema_serializer(component_name="TimerStart")
    class InputSerializer(serializers.Serializer):
        project = id_field(required=False, allow_null=True)
        description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        billable = serializers.BooleanField(required=False)
        tags = tags_field(required=False)
        stop_running = serializers.BooleanField(
            default=False, help_text="stop a running timer now instead of answering 409"
        )

        def validate_tags(self, tags: list[str]) -> list[str]:
            return unique_tags(tags)

    @extend_schema(
        operation_id="timer_start",
        tags=["timer"],
        description=(
            "Start a running entry now. `409 timer-running` while one runs, unless `stop_running` "
            "ends it now; `409 timer-overdue` while one that has run for more than 24 hours runs "
            "(see `timer_stop`)."
        ),
        parameters=idempotency.PARAMETERS,
        request=InputSerializer,
        responses={201: EntryOutput, **problems(400, 404, 409, 422)},
    )
    @idempotency.idempotent
    def post(self, request: Request) -> Response:
        data = self.validated(self.InputSerializer, request.data)
        data["project_id"] = data.pop("project", None)
        entry = services.timer_start(user_id=request.user.id, **data)
        return Response(EntryOutput(entry).data, status=status.HTTP_201_CREATED)


class TimerStopApi(Api):
    @extend_schema_serializer(component_name="TimerStop")
    class InputSerializer(serializers.Serializer):
        ended_at = AwareDateTimeField(required=False, help_text="defaults to now")

    @extend_schema(
        operation_id="timer_stop",
        tags=["timer"],
        description=(
            "End the running entry at `ended_at`, by default now. An entry lasts at most 24 hours, "
            "so a timer left running for longer cannot end now: without `ended_at` it is "
            "`409 timer-overdue`, naming the entry (`conflicting_entry`) and the latest end it can "
            "have (`latest_ended_at`). Call again with `ended_at` set to when the work really "
            "ended (or fix or delete the entry under `/entries/{id}`). Until then it counts for "
            "24 hours everywhere."
        ),
        request=InputSerializer,
        responses={200: EntryOutput, **problems(400, 409)},
    )
    def post(self, request: Request) -> Response:
        data = self.validated(self.InputSerializer, request.data)
        return Response(EntryOutput(services.timer_stop(user_id=request.user.id, **data)).data)


class TimerCurrentApi(Api):
    @extend_schema(
        operation_id="timer_current",
        tags=["timer"],
        description=(
            "The running entry, or 204. One that has run for 24 hours (`duration_seconds` 86400) "
            "was forgotten: stop it with `ended_at` (see `timer_stop`)."
        ),
        responses={200: EntryOutput, 204: OpenApiResponse(description="no timer is running"), **problems()},
    )
    def get(self, request: Request) -> Response:
        running = selectors.entry_running(user_id=request.user.id)
        if running is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(EntryOutput(running).data)


# -- reports ---------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ReportBucket")
class ReportBucketOutput(serializers.Serializer):
    key = serializers.CharField(help_text="2024-03-31, 2024-W13, 2024-03, or a project id ('none')")
    start = serializers.DateTimeField(allow_null=True, help_text="local start of the period")
    end = serializers.DateTimeField(allow_null=True, help_text="local end of the period (excluded)")
    project = serializers.IntegerField(allow_null=True)
    project_name = serializers.CharField(allow_null=True)
    total_seconds = serializers.IntegerField()
    billable_seconds = serializers.IntegerField()


class ReportApi(Api):
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntryFilter

    @extend_schema_serializer(component_name="ReportParameters")
    class ParameterSerializer(SubjectParameters):
        group_by = serializers.ChoiceField(choices=["day", "week", "month", "project"], default="day")
        start_date = CalendarDateField(help_text="first local day (included)")
        end_date = CalendarDateField(help_text="last local day (included)")
        tz = TimeZoneField(required=False, default=UTC, help_text="IANA time zone, e.g. Europe/Berlin")

    @extend_schema_serializer(component_name="Report")
    class OutputSerializer(serializers.Serializer):
        group_by = serializers.CharField()
        timezone = serializers.CharField()
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        total_seconds = serializers.IntegerField()
        billable_seconds = serializers.IntegerField()
        buckets = ReportBucketOutput(many=True)

    @extend_schema(
        operation_id="reports_retrieve",
        tags=["reports"],
        parameters=[ParameterSerializer],
        responses={200: OutputSerializer, **problems(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.validated(self.ParameterSerializer, request.query_params)
        entries = selectors.entry_list(**self.caller(request), user_id=params.get("user"))
        tz = params["tz"]
        report = reports.entry_report(
            entries=self.filter_queryset(entries),
            group_by=params["group_by"],
            start_date=params["start_date"],
            end_date=params["end_date"],
            tz=tz,
        )
        with timezone.override(tz):  # the periods' bounds are written in the report's zone
            return Response(self.OutputSerializer(report).data)
