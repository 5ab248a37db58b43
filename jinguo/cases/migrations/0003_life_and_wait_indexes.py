"""GiST indexes on the life of a case and the wait of a follow-up (PostgreSQL only): the monthly
report finds the cases open, and the follow-ups pending, at a month's end (cases.report)."""

from django.db import migrations

from jinguo.cases.report import CASE_LIFE, FOLLOW_UP_WAIT


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX case_life ON cases_case USING gist (({CASE_LIFE}))")
        schema_editor.execute(f"CREATE INDEX followup_wait ON cases_followup USING gist (({FOLLOW_UP_WAIT}))")


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_life")
        schema_editor.execute("DROP INDEX IF EXISTS followup_wait")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_default_case_categories")]
    operations = [migrations.RunPython(create, drop)]
