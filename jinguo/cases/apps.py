from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jinguo.cases"
    label = "cases"
    verbose_name = "维权与调解"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import (
            Case,
            CaseParty,
            FollowUp,
            KeyFamily,
            KeyFamilyVisit,
            MediationSession,
            Referral,
            TimeLimit,
            Transfer,
        )

        # What happened, the parties, the risk factors and every narrative are recorded as changed,
        # never with their values.
        auditlog.register(
            Case,
            exclude_fields=["updated_at", "transfer_to_path"],
            mask_fields=["narrative", "request", "risk_factors", "outcome_note", "agreement_terms"],
        )
        auditlog.register(CaseParty, mask_fields=["name", "phone"])
        auditlog.register(Referral, mask_fields=["note", "answer"])
        auditlog.register(Transfer)
        auditlog.register(FollowUp, mask_fields=["result"])
        auditlog.register(MediationSession, mask_fields=["parties_present", "outcome"])
        auditlog.register(TimeLimit)
        auditlog.register(KeyFamily, mask_fields=["reason", "lift_reason"])
        auditlog.register(KeyFamilyVisit, mask_fields=["found", "next_step"])
