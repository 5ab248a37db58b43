from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jinguo.accounts"
    label = "accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import audit_hooks  # noqa: F401  (connects the login-event recorders)
        from .models import Membership, User

        auditlog.register(User, exclude_fields=["password", "last_login"])
        auditlog.register(Membership)
