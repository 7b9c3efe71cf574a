"""entry_running_at_most_24h: a running entry (no ``ended_at``) may not start more than 24 hours
(``models.MAX_ENTRY_DURATION``) before the moment it is written, since no entry may last longer.

Like entry_not_in_future (migration 0002) it is a trigger, not a CHECK: it states a fact about
the moment of writing, which a CHECK (assumed immutable) cannot. It fires when a row is
inserted, and when an update moves ``started_at`` or clears ``ended_at`` (writing the same
values again is no change), so a running entry that time alone took past 24 hours (a forgotten
timer) may still be edited, and stopped with an explicit end. It uses statement_timestamp()
and raises check_violation naming the rule, on ``ended_at``: what such an entry lacks.
"""

from django.db import migrations

TRIGGER_SQL = """
CREATE FUNCTION timesheets_entry_running_at_most_24h() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ended_at IS NULL
       AND NEW.started_at < statement_timestamp() - interval '24 hours'
       AND (TG_OP = 'INSERT' OR OLD.ended_at IS NOT NULL OR NEW.started_at <> OLD.started_at) THEN
        RAISE EXCEPTION 'a running entry may not have started more than 24 hours ago (started_at %)',
                NEW.started_at
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'entry_running_at_most_24h',
                  TABLE = 'timesheets_entry',
                  COLUMN = 'ended_at';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER entry_running_at_most_24h
    BEFORE INSERT OR UPDATE OF started_at, ended_at ON timesheets_entry
    FOR EACH ROW EXECUTE FUNCTION timesheets_entry_running_at_most_24h();
"""

TRIGGER_REVERSE_SQL = """
DROP TRIGGER IF EXISTS entry_running_at_most_24h ON timesheets_entry;
DROP FUNCTION IF EXISTS timesheets_entry_running_at_most_24h();
"""


class Migration(migrations.Migration):
    dependencies = [("timesheets", "0002_database_rules")]

    operations = [migrations.RunSQL(TRIGGER_SQL, TRIGGER_REVERSE_SQL)]
