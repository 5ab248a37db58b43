from django.db import migrations, models
from django.utils import timezone


def cancel_pending(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Imports awaiting their commit kept the file; the commit now writes from the dry run's plan,
    which they do not have: they are cancelled, and the cadre uploads the file again."""
    ImportJob = apps.get_model("core", "ImportJob")
    ImportJob.objects.filter(status__in=["preview", "queued", "running", "failed"]).update(
        status="cancelled", message="系统升级后需要重新上传文件", finished_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_importjob")]

    operations = [
        migrations.RunPython(cancel_pending, migrations.RunPython.noop),
        migrations.RemoveField(model_name="importjob", name="file_data"),
        migrations.RemoveField(model_name="importjob", name="plan_digest"),
        migrations.AddField(
            model_name="importjob",
            name="plan_data",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
    ]
