from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_street_cadre_sees_coverage_of_her_street_on_the_dashboard(people, login):
    response = login(people.street_cadre).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "工作台 · 东街道" in body
    assert '<div class="figure-big" id="fig-total">2</div>' in body
    assert '<div class="figure-big" id="fig-established">1</div>' in body
    assert "2个社区中1个建立了妇联组织(50.00%)" in body


def test_user_without_a_unit_sees_a_notice_and_no_data(people, login):
    body = login(people.outsider).get("/").content.decode()
    assert "您的账户尚未分配到任何单位" in body
    assert "fig-total" not in body


def test_anonymous_visitor_is_sent_to_the_login_page(db, client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_every_page_carries_a_content_security_policy_of_self(people, login):
    response = login(people.street_cadre).get("/")
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_cadre_with_two_units_switches_the_dashboard_between_them(people, tree, login):
    from jinguo.accounts.models import Membership

    Membership.objects.create(user=people.street_cadre, unit=tree.west1, role="readonly")
    client = login(people.street_cadre)
    assert "工作台 · 东街道" in client.get("/").content.decode()
    response = client.post("/unit/switch/", {"unit": tree.west1.pk})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "工作台 · 西一社区" in body
    assert "本单位下暂无下级组织。" in body


def test_switching_to_a_unit_that_is_not_hers_changes_nothing(people, tree, login):
    client = login(people.street_cadre)
    client.post("/unit/switch/", {"unit": tree.west.pk})
    assert "工作台 · 东街道" in client.get("/").content.decode()


def test_dashboard_query_count_does_not_grow_with_the_tree(people, tree, login, django_assert_num_queries):
    from jinguo.orgs.models import Unit, UnitKind

    client = login(people.street_cadre)
    client.get("/")  # warm the session
    # session, user, memberships, OTP, breadcrumb, coverage; the to-do counts: overdue cases, cases
    # to accept, transfers to answer, her open cases, overdue follow-ups and key-family visits
    with django_assert_num_queries(12) as small:
        client.get("/")
    for i in range(20):
        Unit.objects.add_child(
            Unit.objects.get(pk=tree.east.pk), create_kwargs={"name": f"新{i}社区", "kind": UnitKind.COMMUNITY}
        )
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/")


def test_menu_shows_only_the_modules_her_roles_open(people, login):
    cadre_menu = login(people.street_cadre).get("/").content.decode()
    assert ">组织网络</a>" in cadre_menu
    assert ">用户管理</a>" in cadre_menu
    assert ">审计日志</a>" not in cadre_menu
    auditor_menu = login(people.audit_admin).get("/").content.decode()
    assert ">审计日志</a>" in auditor_menu
    assert ">组织网络</a>" not in auditor_menu
    assert ">用户管理</a>" not in auditor_menu


def test_not_found_page_is_in_chinese_and_names_nothing(people, tree, login):
    response = login(people.street_cadre).get(f"/units/{tree.west.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "未找到该页面或记录" in body
    assert "西街道" not in body
