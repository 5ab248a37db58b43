from django.db import migrations

from jinguo.people.categories import DEFAULT_CATEGORIES, ensure_default_categories


def add(apps, schema_editor):
    ensure_default_categories(apps.get_model("people", "Category"))


def remove(apps, schema_editor):
    codes = [code for code, _, _ in DEFAULT_CATEGORIES]
    apps.get_model("people", "Category").objects.filter(code__in=codes, unit=None).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
