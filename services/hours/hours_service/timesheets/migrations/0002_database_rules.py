"""Rules Django's model layer cannot declare.

entry_not_in_future: an entry may not start later than now plus the clock skew (5 minutes,
``models.CLOCK_SKEW``). A CHECK constraint is the wrong tool: PostgreSQL assumes CHECK
expressions are immutable and re-evaluates them only when a row is written (and again on
a dump's restore), so a CHECK on ``now()`` states a fact about the moment of writing that
the catalog would present as a timeless property of the row. A BEFORE INSERT/UPDATE
trigger says exactly what is meant: "at the moment this start is written, it is not in the
future". It uses statement_timestamp() rather than now() (the transaction's start), so a
long transaction does not shift the bound. It raises check_violation naming the
constraint, so callers see it like any other rule. The service layer checks the same rule
first to answer with a field-level message.

entry_project_same_owner: an entry's project belongs to the entry's user. A composite
foreign key (project_id, user_id) -> project (id, owner_id); MATCH SIMPLE, so an entry
without a project is not checked.
"""

from django.db import migrations

TRIGGER_SQL = """
CREATE FUNCTION timesheets_entry_not_in_future() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.started_at > statement_timestamp() + interval '5 minutes' THEN
        RAISE EXCEPTION 'an entry may not start in the future (started_at %)', NEW.started_at
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'entry_not_in_future',
                  TABLE = 'timesheets_entry',
                  COLUMN = 'started_at';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER entry_not_in_future
    BEFORE INSERT OR UPDATE OF started_at ON timesheets_entry
    FOR EACH ROW EXECUTE FUNCTION timesheets_entry_not_in_future();
"""

TRIGGER_REVERSE_SQL = """
DROP TRIGGER IF EXISTS entry_not_in_future ON timesheets_entry;
DROP FUNCTION IF EXISTS timesheets_entry_not_in_future();
"""

SAME_OWNER_SQL = """
ALTER TABLE timesheets_entry
    ADD CONSTRAINT entry_project_same_owner
    FOREIGN KEY (project_id, user_id) REFERENCES timesheets_project (id, owner_id);
"""

SAME_OWNER_REVERSE_SQL = "ALTER TABLE timesheets_entry DROP CONSTRAINT IF EXISTS entry_project_same_owner;"


class Migration(migrations.Migration):
    dependencies = [("timesheets", "0001_initial")]

    operations = [
        migrations.RunSQL(TRIGGER_SQL, TRIGGER_REVERSE_SQL),
        migrations.RunSQL(SAME_OWNER_SQL, SAME_OWNER_REVERSE_SQL),
    ]
