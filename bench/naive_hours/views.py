"""The baseline: what plain DRF gives for the entries list, with the same body.

A ``ModelSerializer`` with the fields of the hours service's ``EntryOutput`` (same keys,
same values: the harness checks that both pages are equal) behind a ``ListAPIView`` with
page-number pagination of 50. It gets the same query (``select_related("project")``, the
model's ordering), so the comparison measures what the framework does with the rows, not
an N+1. Authentication and permissions are the service's defaults (cached introspection).
"""

from __future__ import annotations

from hours_service.timesheets.models import Entry
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination


class NaiveEntrySerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user_id")
    project_name = serializers.CharField(source="project.name", allow_null=True, default=None)
    running = serializers.BooleanField(source="is_running")
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Entry
        fields = [
            "id",
            "user",
            "project",
            "project_name",
            "description",
            "started_at",
            "ended_at",
            "running",
            "duration_seconds",
            "billable",
            "tags",
            "created_at",
            "updated_at",
        ]

    def get_duration_seconds(self, entry: Entry) -> int:
        return int(entry.duration().total_seconds())


class NaivePagination(PageNumberPagination):
    page_size = 50


class NaiveEntryListApi(ListAPIView):
    serializer_class = NaiveEntrySerializer
    pagination_class = NaivePagination

    def get_queryset(self):
        return Entry.objects.filter(user_id=self.request.user.id).select_related("project")
