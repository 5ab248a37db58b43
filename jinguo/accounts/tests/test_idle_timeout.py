"""Thirty minutes without a request end the session, on pages and on the API."""

from __future__ import annotations

import time

import pytest

from jinguo.accounts.middleware import IDLE_MESSAGE
from jinguo.core.tests.helpers import flash_messages

pytestmark = pytest.mark.django_db


def idle_for(client, minutes: float) -> float:
    session = client.session
    session["last_seen"] = time.time() - minutes * 60
    session.save()
    return session["last_seen"]


def test_idle_message_is_in_chinese():
    assert IDLE_MESSAGE == "您已超过30分钟未操作,为保护数据安全已自动退出,请重新登录。"


def test_session_idle_for_thirty_one_minutes_is_logged_out_and_sent_to_the_login_page(people, audit, login):
    client = login(people.street_cadre)
    idle_for(client, 31)
    audit.reset()
    response = client.get("/units/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Funits%2F"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert flash_messages(page) == [("info", IDLE_MESSAGE)]
    assert audit.rows("event", "result", "username", "remote_addr", "object_pk", "additional_data") == [
        ("logout", "success", "street_cadre", "127.0.0.1", str(people.street_cadre.pk), {"reason": "idle"})
    ]
    # The message is shown once.
    assert flash_messages(client.get("/accounts/login/")) == []


def test_session_idle_for_twenty_nine_minutes_stays_logged_in(people, audit, login):
    client = login(people.street_cadre)
    before = idle_for(client, 29)
    audit.reset()
    response = client.get("/")
    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(people.street_cadre.pk)
    assert client.session["last_seen"] > before + 28 * 60
    assert audit.rows() == []


def test_every_request_restarts_the_thirty_minutes(people, login):
    client = login(people.street_cadre)
    idle_for(client, 20)
    assert client.get("/").status_code == 200
    # Twenty more minutes after that request: forty since the first, twenty since the last.
    session = client.session
    session["last_seen"] -= 20 * 60
    session.save()
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_id"] == str(people.street_cadre.pk)


def test_idle_session_gets_401_json_from_the_api(people, audit, login):
    client = login(people.street_cadre)
    idle_for(client, 31)
    audit.reset()
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": IDLE_MESSAGE}
    assert "_auth_user_id" not in client.session
    assert audit.rows("event", "username", "additional_data") == [("logout", "street_cadre", {"reason": "idle"})]
    # And the session is really gone: the next call is simply unauthenticated.
    assert client.get("/api/me/").json() == {"detail": "未登录或令牌无效"}


def test_idle_htmx_request_is_told_to_go_to_the_login_page(people, login):
    client = login(people.street_cadre)
    idle_for(client, 31)
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"
    assert "_auth_user_id" not in client.session


def test_idle_admin_is_logged_out_before_being_asked_for_the_second_factor(people, audit, login):
    client = login(people.sys_admin)
    idle_for(client, 45)
    audit.reset()
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2Fusers%2F"
    assert audit.rows("event", "username", "additional_data") == [("logout", "sys_admin", {"reason": "idle"})]


def test_idle_htmx_partial_sends_her_back_to_the_page_it_came_from(people, tree, login):
    client = login(people.street_cadre)
    idle_for(client, 31)
    response = client.get(
        f"/units/{tree.east.pk}/children/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/units/?q=1"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Funits%2F%3Fq%3D1"


def test_admin_without_second_factor_gets_an_htmx_redirect_to_the_code_page(people, tree):
    from django.test import Client

    client = Client()
    client.force_login(people.sys_admin)
    response = client.get(
        f"/units/{tree.east.pk}/children/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/units/"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/otp/?next=%2Funits%2F"


def test_a_request_within_a_minute_of_the_last_touch_writes_no_session(people, login, django_assert_num_queries):
    client = login(people.street_cadre)
    client.get("/")  # touches last_seen
    before = client.session["last_seen"]
    # reads only: session, user, memberships, OTP, breadcrumb, coverage, and the six to-do counts
    with django_assert_num_queries(12):
        client.get("/")
    assert client.session["last_seen"] == before
