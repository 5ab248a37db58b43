from __future__ import annotations

import pytest

from jinguo.core.tests.helpers import AuditLog


@pytest.fixture
def audit(people) -> AuditLog:
    """The audit log as from the moment the shared people exist."""
    return AuditLog()
