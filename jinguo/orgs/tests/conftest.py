"""Fixtures of the unit-tree tests, beside the shared `tree`, `people` and `login`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import password_hash
from jinguo.accounts.actions import do_issue_token
from jinguo.accounts.models import Membership, User
from jinguo.orgs.models import Unit


@pytest.fixture
def member(db: Any) -> Callable[..., User]:
    """member(role, unit) -> a new user holding `role` at `unit` and nowhere else."""
    counter = iter(range(1, 10_000))

    def make(role: str, unit: Unit) -> User:
        user = User.objects.create(username=f"{role}_{next(counter)}", password=password_hash())
        Membership.objects.create(user=user, unit=unit, role=role)
        return user

    return make


@pytest.fixture
def bearer(db: Any) -> Callable[[User], Client]:
    """bearer(user) -> a Client that sends `Authorization: Bearer <a fresh personal token>`."""

    def make(user: User) -> Client:
        token, _ = do_issue_token(user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make
