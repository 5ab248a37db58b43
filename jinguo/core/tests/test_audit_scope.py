"""What an auditor reads: everything at the district; her own subtree's people below it. Change
rows are shown in words."""

from __future__ import annotations

import re

import pytest

from conftest import make_user
from jinguo.accounts.permissions import Role
from jinguo.core.audit import record
from jinguo.core.models import AuditEvent, AuditResult
from jinguo.orgs.actions import do_update_unit

pytestmark = pytest.mark.django_db


def usernames_on_page(body: str) -> list[str]:
    rows = re.findall(r"<tr><td class=\"text-nowrap\">[^<]*</td><td>([^<]*)</td>", body)
    return rows


def test_street_auditor_reads_only_the_rows_of_people_in_her_street(people, tree, login):
    street_auditor = make_user("street_auditor", tree.east, Role.AUDIT_ADMIN)
    record(AuditEvent.LOGIN, user=people.community_cadre, obj=people.community_cadre)
    record(AuditEvent.LOGIN, user=people.sibling_street_cadre, obj=people.sibling_street_cadre)
    record(AuditEvent.LOGIN_FAILED, username="community_cadre", result=AuditResult.FAILURE)
    record(AuditEvent.LOGIN_FAILED, username="sibling_street_cadre", result=AuditResult.FAILURE)
    record(AuditEvent.LOGIN_FAILED, username="nobody_at_all", result=AuditResult.FAILURE)
    client = login(street_auditor)
    body = client.get("/audit/?event=login").content.decode()
    assert usernames_on_page(body) == ["street_auditor", "community_cadre"]  # newest first: her own login
    body = client.get("/audit/?event=login_failed").content.decode()
    assert usernames_on_page(body) == ["community_cadre"]


def test_district_auditor_reads_every_row(people, tree, login):
    record(AuditEvent.LOGIN_FAILED, username="nobody_at_all", result=AuditResult.FAILURE)
    record(AuditEvent.LOGIN, user=people.sibling_street_cadre, obj=people.sibling_street_cadre)
    client = login(people.audit_admin)
    assert usernames_on_page(client.get("/audit/?event=login_failed").content.decode()) == ["nobody_at_all"]
    assert "sibling_street_cadre" in usernames_on_page(client.get("/audit/?event=login").content.decode())


def test_change_rows_are_described_with_field_names_in_chinese(people, tree, login):
    do_update_unit(actor=people.district_cadre, unit=tree.east2, name="东二新社区", federation_established=True)
    body = login(people.audit_admin).get(f"/audit/?event=update&object_id={tree.east2.pk}").content.decode()
    assert "名称:东二社区 → 东二新社区" in body
    assert "已建立妇联组织:否 → 是" in body
