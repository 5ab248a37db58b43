"""API authentication: the session (past the second factor) or a personal token, stored as a hash."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from jinguo.accounts.models import ApiToken
from jinguo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {"detail": "未登录或令牌无效"}
STREET_CADRE_PERMS = ["edit_records", "manage_units", "manage_users", "reveal", "view_records", "view_units"]


def issue_token(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("issue_token", username, *args, stdout=out)
    return out.getvalue().strip()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def street_cadre_me(people, tree) -> dict:
    return {
        "id": people.street_cadre.pk,
        "username": "street_cadre",
        "full_name": "street_cadre",
        "memberships": [
            {
                "unit_id": tree.east.pk,
                "unit_name": "东街道",
                "role": "cadre",
                "role_label": "干部",
                "can_manage_users": True,
            }
        ],
        "permissions": STREET_CADRE_PERMS,
    }


def test_me_with_a_session(people, tree, login):
    response = login(people.street_cadre).get("/api/me/")
    assert response.status_code == 200
    assert response.json() == street_cadre_me(people, tree)


def test_me_with_a_token_from_the_issue_token_command(people, tree, audit):
    token = issue_token("street_cadre", "--name", "数据对接")
    assert re.fullmatch(r"jg_[A-Za-z0-9_-]{43}", token)
    response = Client().get("/api/me/", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == street_cadre_me(people, tree)
    row = ApiToken.objects.get()
    assert (row.user, row.name, row.prefix, row.revoked_at) == (people.street_cadre, "数据对接", token[:10], None)
    assert row.last_used_at is not None
    assert audit.rows("event", "username", "remote_addr", "object_pk", "additional_data") == [
        ("security", "street_cadre", None, str(people.street_cadre.pk), {"action": "issue_token", "prefix": token[:10]})
    ]


def test_me_lists_every_membership_and_the_union_of_permissions_sorted(people, tree, login):
    from jinguo.accounts.models import Membership

    Membership.objects.create(user=people.readonly_user, unit=tree.west1, role="leader")
    data = login(people.readonly_user).get("/api/me/").json()
    assert [(m["unit_name"], m["role"], m["role_label"]) for m in data["memberships"]] == [
        ("东街道", "readonly", "只读"),
        ("西一社区", "leader", "领导"),
    ]
    assert data["permissions"] == ["approve", "edit_records", "reveal", "view_records", "view_units"]


def test_audit_admin_past_the_second_factor_sees_her_only_permission(people, tree, login):
    data = login(people.audit_admin).get("/api/me/").json()
    assert data["memberships"] == [
        {
            "unit_id": tree.district.pk,
            "unit_name": "示范区",
            "role": "audit_admin",
            "role_label": "审计管理员",
            "can_manage_users": False,
        }
    ]
    assert data["permissions"] == ["view_audit"]


def test_token_is_stored_only_as_its_sha256(people):
    token = issue_token("street_cadre")
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert all(token not in value for value in stored)
    logged = [str(v) for e in AuditEntry.objects.all() for v in (e.additional_data, e.changes, e.object_repr)]
    assert all(token not in value for value in logged)


def test_wrong_token_is_refused_and_recorded_as_a_failed_login(people, audit):
    issue_token("street_cadre")
    audit.reset()
    forged = "jg_" + "A" * 43
    response = Client().get("/api/me/", headers=bearer(forged))
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert audit.rows("event", "result", "username", "remote_addr", "additional_data") == [
        ("login_failed", "failure", "token:jg_AAAAAAA", "127.0.0.1", {"via": "api_token"})
    ]


def test_anonymous_request_gets_401(db, client, audit):
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert client.get("/api/units/").json() == UNAUTHENTICATED
    assert audit.rows() == []


def test_revoked_token_is_refused(people):
    token = issue_token("street_cadre")
    ApiToken.objects.update(revoked_at=timezone.now())
    response = Client().get("/api/me/", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_token_of_a_deactivated_user_is_refused(people, login):
    token = issue_token("community_cadre")
    login(people.street_cadre).post(f"/accounts/users/{people.community_cadre.pk}/", {"op": "deactivate"})
    response = Client().get("/api/me/", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_issue_token_refuses_an_unknown_or_deactivated_user(people):
    with pytest.raises(CommandError, match=r"^用户 nobody 不存在或已停用$"):
        issue_token("nobody")
    people.community_cadre.is_active = False
    people.community_cadre.save()
    with pytest.raises(CommandError, match=r"^用户 community_cadre 不存在或已停用$"):
        issue_token("community_cadre")
    assert ApiToken.objects.count() == 0


def test_two_tokens_of_one_user_are_different_and_both_work(people):
    first, second = issue_token("street_cadre"), issue_token("street_cadre")
    assert first != second
    assert [Client().get("/api/me/", headers=bearer(t)).status_code for t in (first, second)] == [200, 200]


def test_token_sees_the_same_scope_as_its_user(people, tree):
    token = issue_token("street_cadre")
    data = Client().get("/api/units/", headers=bearer(token)).json()
    assert data["count"] == 3
    assert [u["name"] for u in data["items"]] == ["东街道", "东一社区", "东二社区"]


def test_openapi_lists_the_units_and_me_paths(db, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "巾帼通 API"
    assert {"/api/units/", "/api/me/"} <= set(schema["paths"])
    assert schema["paths"]["/api/me/"]["get"]["summary"] == "当前用户"


def test_swagger_ui_is_served_from_local_static_files(db, client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert re.findall(r"https?://", body) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui-init.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    for url in assets:
        assert url.startswith("/static/")
        assert finders.find(url.removeprefix("/static/")) is not None, url
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_revoke_token_command_stops_the_token_at_once(people):
    from io import StringIO

    from django.core.management import call_command
    from django.test import Client

    out = StringIO()
    call_command("issue_token", "street_cadre", stdout=out)
    token = out.getvalue().strip()
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/me/").status_code == 200
    out = StringIO()
    call_command("revoke_token", "street_cadre", "--prefix", token[:10], stdout=out)
    assert out.getvalue().strip() == "已吊销 1 个令牌"
    assert client.get("/api/me/").status_code == 401
