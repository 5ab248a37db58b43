from django.db import migrations

from jinguo.cases.categories import DEFAULT_CASE_CATEGORIES, ensure_default_case_categories


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    ensure_default_case_categories(apps.get_model("cases", "CaseCategory"))


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    codes = [code for code, _, _ in DEFAULT_CASE_CATEGORIES]
    apps.get_model("cases", "CaseCategory").objects.filter(code__in=codes, unit=None).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
