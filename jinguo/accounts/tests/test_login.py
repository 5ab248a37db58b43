"""The login form: one message for every failure, lockout after five, unlock by the security admin."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client

from jinguo.accounts.forms import LOGIN_FAILED
from jinguo.accounts.views import LOCKED_MESSAGE
from jinguo.core.tests.helpers import flash_messages

pytestmark = pytest.mark.django_db

PASSWORD = "Jinguo@2026"
ERROR_RE = re.compile(r'<div class="alert alert-danger[^"]*" role="alert" id="login-error">(.*?)</div>', re.S)
CSRF_RE = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')


def login_error(response) -> list[str]:
    return ERROR_RE.findall(response.content.decode())


def post_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def fail(client: Client, username: str, times: int) -> list[int]:
    return [post_login(client, username, "wrong-password").status_code for _ in range(times)]


def lock_out(username: str) -> None:
    """The row axes keeps after five failures (for tests about what follows a lockout)."""
    AccessAttempt.objects.create(
        username=username,
        ip_address="127.0.0.1",
        user_agent="<unknown>",
        http_accept="<unknown>",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


def test_login_page_is_in_chinese(db, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-CN">' in body
    assert re.findall(r"<title>(.*?)</title>", body)[0].startswith("登录")
    assert re.findall(r'<label [^>]*for="id_(\w+)">([^<]*)</label>', body) == [
        ("username", "用户名"),
        ("password", "密码"),
    ]
    assert re.findall(r'<button [^>]*type="submit">([^<]*)</button>', body) == ["登录"]
    assert "连续5次输错密码,账户将锁定30分钟。超过30分钟未操作将自动退出。" in body
    assert login_error(response) == []


def test_street_cadre_logs_in_with_her_password_and_lands_on_the_dashboard(people, audit, client):
    response = post_login(client, "street_cadre", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(people.street_cadre.pk)
    assert audit.rows("event", "result", "username", "remote_addr", "object_pk") == [
        ("login", "success", "street_cadre", "127.0.0.1", str(people.street_cadre.pk))
    ]


def test_wrong_password_and_unknown_username_get_the_same_message(people, audit, client):
    wrong_password = post_login(client, "street_cadre", "Wrong@2026")
    unknown_user = post_login(client, "no_such_user", "Wrong@2026")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert login_error(wrong_password) == login_error(unknown_user) == [LOGIN_FAILED]
    assert LOGIN_FAILED == "用户名或密码错误。连续失败5次,账户将被锁定30分钟。"
    assert "_auth_user_id" not in client.session
    assert audit.rows() == [
        ("login_failed", "failure", "street_cadre", "127.0.0.1"),
        ("login_failed", "failure", "no_such_user", "127.0.0.1"),
    ]


def test_deactivated_user_gets_the_same_message_as_a_wrong_password(people, audit, client):
    people.street_cadre.is_active = False
    people.street_cadre.save()
    response = post_login(client, "street_cadre", PASSWORD)
    assert response.status_code == 200
    assert login_error(response) == [LOGIN_FAILED]
    assert "_auth_user_id" not in client.session
    assert audit.rows(event="login_failed") == [("login_failed", "failure", "street_cadre", "127.0.0.1")]


def test_fifth_failure_locks_the_account_and_even_the_right_password_is_refused(people, audit, client):
    statuses = fail(client, "street_cadre", 4)
    assert statuses == [200, 200, 200, 200]
    fifth = post_login(client, "street_cadre", "wrong-password")
    assert fifth.status_code == 403
    assert login_error(fifth) == [LOCKED_MESSAGE]
    sixth = post_login(client, "street_cadre", PASSWORD)
    assert sixth.status_code == 403
    assert login_error(sixth) == [LOCKED_MESSAGE]
    assert LOCKED_MESSAGE == "登录失败次数过多,该账户已被锁定30分钟。请稍后再试,或联系安全管理员解除锁定。"
    assert "_auth_user_id" not in client.session
    failed = ("login_failed", "failure", "street_cadre", "127.0.0.1")
    lockout = ("lockout", "denied", "street_cadre", "127.0.0.1")
    assert audit.rows() == [failed, failed, failed, failed, lockout, failed, lockout, failed]


def test_fourth_failure_does_not_lock_yet(people, client):
    fail(client, "street_cadre", 4)
    response = post_login(client, "street_cadre", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(people.street_cadre.pk)
    assert AccessAttempt.objects.count() == 0  # a success clears the failures


def test_lockout_page_is_identical_for_a_known_and_an_unknown_username(people, audit):
    known, unknown = Client(), Client()
    fail(known, "street_cadre", 5)
    fail(unknown, "no_such_user", 5)
    known_answer = post_login(known, "street_cadre", PASSWORD)
    unknown_answer = post_login(unknown, "no_such_user", PASSWORD)
    assert known_answer.status_code == unknown_answer.status_code == 403
    assert login_error(known_answer) == login_error(unknown_answer) == [LOCKED_MESSAGE]
    assert CSRF_RE.sub("", known_answer.content.decode()) == CSRF_RE.sub("", unknown_answer.content.decode())
    assert audit.rows("username", event="lockout") == [
        ("street_cadre",),
        ("no_such_user",),
        ("street_cadre",),
        ("no_such_user",),
    ]


def test_lockout_ends_after_thirty_minutes(people, audit, client):
    fail(client, "street_cadre", 5)
    assert post_login(client, "street_cadre", PASSWORD).status_code == 403
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    audit.reset()
    response = post_login(client, "street_cadre", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(people.street_cadre.pk)
    assert AccessAttempt.objects.count() == 0
    assert audit.rows() == [("login", "success", "street_cadre", "127.0.0.1")]


def test_lockout_still_holds_after_twenty_nine_minutes(people, audit, client):
    fail(client, "street_cadre", 5)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=29))
    response = post_login(client, "street_cadre", PASSWORD)
    assert response.status_code == 403
    assert login_error(response) == [LOCKED_MESSAGE]
    assert "_auth_user_id" not in client.session
    assert audit.rows(event="login") == []


def test_security_admin_sees_the_locked_account_and_unlocks_it(people, audit, login, client):
    fail(client, "street_cadre", 5)
    admin = login(people.security_admin)
    page = admin.get("/accounts/security/").content.decode()
    assert "street_cadre · 失败 5 次" in page
    audit.reset()

    response = admin.post("/accounts/security/", {"op": "unlock", "username": "street_cadre"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/security/"
    page = admin.get("/accounts/security/")
    assert flash_messages(page) == [("success", "已解除锁定")]
    assert ">没有被锁定的账户</li>" in page.content.decode()
    assert AccessAttempt.objects.count() == 0
    assert audit.rows("event", "result", "username", "remote_addr", "additional_data") == [
        ("security", "success", "security_admin", "127.0.0.1", {"action": "unlock", "target": "street_cadre"})
    ]

    answer = post_login(client, "street_cadre", PASSWORD)
    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(people.street_cadre.pk)


def test_unlocking_one_account_leaves_the_others_locked(people, login):
    lock_out("street_cadre")
    lock_out("community_cadre")
    login(people.security_admin).post("/accounts/security/", {"op": "unlock", "username": "street_cadre"})
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["community_cadre"]
    assert post_login(Client(), "community_cadre", PASSWORD).status_code == 403


def test_unlock_without_a_username_is_refused_and_unlocks_nobody(people, audit, login):
    lock_out("street_cadre")
    lock_out("community_cadre")
    admin = login(people.security_admin)
    audit.reset()
    response = admin.post("/accounts/security/", {"op": "unlock", "username": "  "}, follow=True)
    assert flash_messages(response) == [("danger", "请填写要解除锁定的用户名")]
    assert sorted(AccessAttempt.objects.values_list("username", flat=True)) == ["community_cadre", "street_cadre"]
    assert audit.rows(event="security") == []


@pytest.mark.parametrize("who", ["street_cadre", "district_leader", "sys_admin", "audit_admin"])
def test_only_the_security_admin_can_open_the_security_page(people, audit, login, who):
    lock_out("community_cadre")
    client = login(getattr(people, who))
    audit.reset()
    assert client.get("/accounts/security/").status_code == 404
    assert client.post("/accounts/security/", {"op": "unlock", "username": "community_cadre"}).status_code == 404
    assert AccessAttempt.objects.count() == 1
    assert audit.rows("event", "result", "username", "additional_data") == [
        ("denied", "denied", who, {"reason": "manage_security"}),
        ("denied", "denied", who, {"reason": "manage_security"}),
    ]


def test_login_and_logout_are_in_the_audit_log(people, audit, client):
    post_login(client, "community_cadre", PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    pk = str(people.community_cadre.pk)
    assert audit.rows("event", "result", "username", "remote_addr", "object_pk", "additional_data") == [
        ("login", "success", "community_cadre", "127.0.0.1", pk, None),
        ("logout", "success", "community_cadre", "127.0.0.1", pk, None),
    ]
