"""Who sees which case: the users of its unit and of the units above it (VIEW_RECORDS there), and,
while a transfer awaits its answer, the users of the unit it was sent to. One helper per model;
a miss is a 404, recorded, for "missing" and "not yours" alike."""

from __future__ import annotations

from typing import Any

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at
from jinguo.core.access import deny, get_scoped_or_404
from jinguo.core.audit import record
from jinguo.core.models import AuditEvent

from .models import Case, CaseQuerySet, KeyFamily, Screening, Transfer


def cases_for(user: Any, perm: Perm = Perm.VIEW_RECORDS) -> CaseQuerySet:
    return Case.objects.visible_to(user, perm=perm)


def get_case_for_user(user: Any, pk: Any) -> Case:
    """A case the user may see; 404 otherwise."""
    qs = cases_for(user).select_related("unit", "category", "person", "handler", "transfer_to")
    return get_scoped_or_404(qs, user, pk)


def open_case(user: Any, pk: Any) -> Case:
    """A case opened to be read (its page, its API record): every opening of a domestic-violence
    case writes an access row to the audit log."""
    case = get_case_for_user(user, pk)
    if case.is_violence:
        record(AuditEvent.ACCESS, user=user, obj=case, detail={"opened": "violence_case"})
    return case


def can_handle(user: Any, case: Case) -> bool:
    """EDIT_RECORDS at the case's own unit (not merely as the receiver of a pending transfer)."""
    return has_perm_at(user, Perm.EDIT_RECORDS, case.unit)


def can_answer_transfer(user: Any, case: Case) -> bool:
    """EDIT_RECORDS at the unit a pending transfer goes to, and not the one who sent it (a transfer
    down the tree lies in the sender's own scope)."""
    if case.transfer_to is None or not has_perm_at(user, Perm.EDIT_RECORDS, case.transfer_to):
        return False
    return not case.transfers.filter(state=Transfer.State.PENDING, requested_by=user).exists()


def get_case_to_handle(user: Any, pk: Any) -> Case:
    """A case the user may work on; one she may only see is a 404 too (and a denied row)."""
    case = get_case_for_user(user, pk)
    if not can_handle(user, case) and not can_answer_transfer(user, case):
        raise deny(user, model=Case, object_pk=pk, reason="edit_records")
    return case


def families_for(user: Any, perm: Perm = Perm.VIEW_RECORDS) -> Any:
    return KeyFamily.objects.for_user(user, perm=perm)


def get_family_for_user(user: Any, pk: Any) -> KeyFamily:
    qs = families_for(user).select_related("unit", "person", "household", "responsible", "case")
    return get_scoped_or_404(qs, user, pk)


def get_screening_for_user(user: Any, pk: Any) -> Screening:
    return get_scoped_or_404(Screening.objects.for_user(user, perm=Perm.VIEW_RECORDS).select_related("unit"), user, pk)
