"""Projects and time entries. The rules Postgres can hold are declared here.

There is no user table: ``owner_id``/``user_id`` is the ``sub`` the user service gives.

Held by Postgres (constraints below and the migrations):
- an entry ends after it starts (``entry_ends_after_start``);
- an entry lasts at most 24 h (``entry_at_most_24h``);
- no two entries of one user overlap (``entry_no_overlap``: exclusion constraint with
  btree_gist over ``tstzrange(started_at, ended_at)``, a running entry reaching to
  infinity);
- at most one running entry per user (``entry_one_running_per_user``, partial unique);
- an entry's project belongs to the entry's user (a composite foreign key, migration 0002);
- no start or end in the future beyond :data:`CLOCK_SKEW` (``entry_not_in_future``): a
  trigger, not a CHECK, because ``now()`` is not immutable — see migration 0002;
- a running entry started at most :data:`MAX_ENTRY_DURATION` before it is written
  (``entry_running_at_most_24h``, a trigger for the same reason — migration 0003).

A running entry may still outlive 24 hours: time passes without a write (a forgotten timer).
It then counts for 24 hours, the most it can ever last (:func:`counted_end`), until it is
stopped with an explicit end.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

CLOCK_SKEW = timedelta(minutes=5)
MAX_ENTRY_DURATION = timedelta(hours=24)
USER_ID_LENGTH = 255
TAG_LENGTH = 40


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Project(models.Model):
    owner_id = models.CharField(max_length=USER_ID_LENGTH)
    name = models.CharField(max_length=200)
    billable = models.BooleanField(default=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner_id", "name"], name="project_owner_name_idx")]
        constraints = [
            models.UniqueConstraint(Lower("name"), "owner_id", name="project_owner_name_ci_unique"),
            # The target of the entries' composite foreign key (project, user).
            models.UniqueConstraint(fields=["id", "owner_id"], name="project_id_owner_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    user_id = models.CharField(max_length=USER_ID_LENGTH)
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    description = models.TextField(blank=True, default="")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    billable = models.BooleanField(default=True)
    tags = ArrayField(models.CharField(max_length=TAG_LENGTH), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["user_id", "started_at"], name="entry_user_started_idx"),
            GinIndex(fields=["tags"], name="entry_tags_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="entry_ends_after_start",
            ),
            models.CheckConstraint(
                # timestamptz - timestamptz is an interval of hours (no calendar days), so
                # this is exact on DST days and immutable; started_at + '1 day' would not be.
                condition=Q(ended_at__isnull=True)
                | Q(
                    models.lookups.LessThanOrEqual(
                        models.ExpressionWrapper(
                            F("ended_at") - F("started_at"), output_field=models.DurationField()
                        ),
                        MAX_ENTRY_DURATION,
                    )
                ),
                name="entry_at_most_24h",
            ),
            models.UniqueConstraint(
                fields=["user_id"], condition=Q(ended_at__isnull=True), name="entry_one_running_per_user"
            ),
            ExclusionConstraint(
                name="entry_no_overlap",
                # tstzrange(start, NULL) is unbounded above: a running entry reaches to infinity.
                expressions=[
                    ("user_id", RangeOperators.EQUAL),
                    (TsTzRange("started_at", "ended_at", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk} of {self.user_id}"

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    def duration(self, now: datetime | None = None) -> timedelta:
        """How long the entry lasts; a running one, so far (at most 24 hours)."""
        end = counted_end(self.started_at, self.ended_at, now or timezone.now())
        return max(end - self.started_at, timedelta(0))


def counted_end(started_at: datetime, ended_at: datetime | None, now: datetime) -> datetime:
    """Where an entry ends for every total: its end, or while it runs now, but never more than
    :data:`MAX_ENTRY_DURATION` after its start, as no entry can end later."""
    if ended_at is not None:
        return ended_at
    return min(now, started_at + MAX_ENTRY_DURATION)


class IdempotencyKey(models.Model):
    """The answer to a creating request sent with an ``Idempotency-Key``, kept for its retries
    (hours_service.idempotency). One per caller and key: the unique constraint is what makes a
    concurrent retry wait for the first request and then replay its answer."""

    scope = models.CharField(max_length=USER_ID_LENGTH, help_text="the caller (the token's sub)")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="HMAC-SHA256 of method, path and body")
    status = models.PositiveSmallIntegerField(
        help_text="0 until the answer is stored, in the same transaction"
    )
    # text, not jsonb: jsonb reorders keys, and a retry gets the first answer byte for byte
    body = models.TextField(blank=True, help_text="the answer's JSON ('' until it is stored)")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "idempotency_keys"  # as in the user service
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"idempotency key {self.key!r} of {self.scope}"
