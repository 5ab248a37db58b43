from __future__ import annotations

from typing import Any

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import scope_paths
from jinguo.core.access import get_scoped_or_404

from .models import Household, Person


def persons_for(user: Any):
    return Person.objects.for_user(user, perm=Perm.VIEW_RECORDS)


def visible_to(user: Any, obj: Any) -> bool:
    """Whether a scoped record (person, household) lies in the user's record view."""
    return any(obj.unit_path.startswith(p) for p in scope_paths(user, perm=Perm.VIEW_RECORDS))


def get_person_for_user(user: Any, pk: Any) -> Person:
    """A person the user may see (her units' subtree, with VIEW_RECORDS); 404 otherwise."""
    return get_scoped_or_404(persons_for(user), user, pk)


def get_household_for_user(user: Any, pk: Any) -> Household:
    return get_scoped_or_404(Household.objects.for_user(user, perm=Perm.VIEW_RECORDS), user, pk)
