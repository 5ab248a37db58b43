from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "jinguo.people"
    label = "people"
    verbose_name = "人员与家庭"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Household, HouseholdMember, Person, PersonCategory

        # Sensitive columns are recorded as changed, never with their values.
        masked = ["id_number", "phone", "address", "notes", "guardian_phone"]
        auditlog.register(
            Person,
            exclude_fields=["id_hash", "phone_hash", "name_initials", "name_pinyin", "updated_at"],
            mask_fields=masked,
        )
        auditlog.register(PersonCategory)
        auditlog.register(Household, mask_fields=["address"])
        auditlog.register(HouseholdMember)
