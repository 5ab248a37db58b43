from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jinguo.orgs"
    label = "orgs"
    verbose_name = "组织网络"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Unit

        auditlog.register(Unit, exclude_fields=["numchild"])
