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
