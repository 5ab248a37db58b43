from django.db import migrations

DEFAULTS = [
    ("left_behind_child", "留守儿童", True),
    ("migrant_child", "流动儿童", True),
    ("single_parent_child", "单亲家庭儿童", True),
    ("hardship_child", "困难儿童", True),
    ("hardship_woman", "困难妇女", False),
    ("dibao", "低保", False),
    ("laid_off", "下岗失业", False),
    ("empty_nest_elder", "空巢老人", False),
    ("disabled", "残疾", False),
    ("new_resident", "新居民", False),
    ("single_parent_family", "单亲家庭", False),
]


def add(apps, schema_editor):
    Category = apps.get_model("people", "Category")
    for sort, (code, name, for_children) in enumerate(DEFAULTS, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "for_children": for_children, "sort": sort * 10})


def remove(apps, schema_editor):
    apps.get_model("people", "Category").objects.filter(code__in=[d[0] for d in DEFAULTS], unit=None).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
