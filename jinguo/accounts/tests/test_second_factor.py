"""Second factor (TOTP): required of the three admin roles, optional for everyone else."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from jinguo.accounts.middleware import OTP_MESSAGE
from jinguo.core.tests.helpers import field_errors, flash_messages, totp_code

pytestmark = pytest.mark.django_db

WRONG_CODE = "动态口令不正确或已过期,请重新输入"
ADMINS = ["sys_admin", "security_admin", "audit_admin"]


def password_login(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": "Jinguo@2026"})
    assert response.status_code == 302
    return client


def logged_in(user) -> Client:
    """Logged in with her password (force_login: argon2 is slow), second factor not yet passed."""
    client = Client()
    client.force_login(user)
    return client


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_admin_who_logged_in_with_her_password_is_sent_to_the_second_factor_page(people):
    client = password_login("security_admin")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/?next=%2F"


@pytest.mark.parametrize("who", ADMINS)
@pytest.mark.parametrize(
    "path", ["/", "/units/", "/accounts/me/", "/accounts/users/", "/accounts/security/", "/audit/"]
)
def test_admin_is_sent_to_the_second_factor_page_from_every_page(people, who, path):
    client = logged_in(getattr(people, who))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/?next=" + path.replace("/", "%2F")


@pytest.mark.parametrize("who", ADMINS)
def test_admin_gets_401_from_the_api_before_the_second_factor(people, who):
    response = logged_in(getattr(people, who)).get("/api/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": OTP_MESSAGE}
    assert OTP_MESSAGE == "请先完成双因素认证(动态口令)。"


def test_admin_without_a_device_sees_a_qr_code_and_the_secret(people):
    client = logged_in(people.sys_admin)
    response = client.get("/accounts/otp/?next=/accounts/users/")
    assert response.status_code == 200
    body = response.content.decode()
    assert ">绑定动态口令</h1>" in body
    device = TOTPDevice.objects.get(user=people.sys_admin)
    assert device.confirmed is False
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert re.findall(r'id="otp-secret">([^<]*)<', body) == [secret]
    qr = re.search(r'<div class="qr[^"]*">(.*?)</div>', body, re.S)
    assert qr is not None
    assert qr.group(1).lstrip().startswith(("<?xml", "<svg"))
    assert "<path" in qr.group(1)
    # A second visit shows the same pending device, not a new one.
    client.get("/accounts/otp/")
    assert TOTPDevice.objects.filter(user=people.sys_admin).count() == 1


def test_admin_binds_her_device_with_a_correct_code_and_is_let_in(people, audit):
    client = logged_in(people.sys_admin)
    client.get("/accounts/otp/?next=/accounts/users/")
    device = TOTPDevice.objects.get(user=people.sys_admin)
    audit.reset()
    response = client.post(
        "/accounts/otp/?next=/accounts/users/", {"token": totp_code(device), "next": "/accounts/users/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/users/"
    device.refresh_from_db()
    assert device.confirmed is True
    page = client.get("/accounts/users/")
    assert page.status_code == 200
    assert flash_messages(page) == [("success", "动态口令已启用")]
    assert client.get("/api/me/").status_code == 200
    assert audit.rows("event", "username", "remote_addr", "additional_data") == [
        ("security", "sys_admin", "127.0.0.1", {"action": "enable_second_factor"})
    ]


def test_wrong_code_is_refused_with_a_message_and_the_device_stays_unconfirmed(people, audit):
    client = logged_in(people.audit_admin)
    client.get("/accounts/otp/")
    device = TOTPDevice.objects.get(user=people.audit_admin)
    audit.reset()
    response = client.post("/accounts/otp/", {"token": wrong(totp_code(device))})
    assert response.status_code == 200
    assert field_errors(response) == [WRONG_CODE]
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/audit/")["Location"] == "/accounts/otp/?next=%2Faudit%2F"
    assert audit.rows() == []


@pytest.mark.parametrize(("token", "message"), [("12345", "动态口令为6位数字"), ("", "请输入动态口令")])
def test_code_of_the_wrong_length_is_refused(people, token, message):
    client = logged_in(people.audit_admin)
    client.get("/accounts/otp/")
    response = client.post("/accounts/otp/", {"token": token})
    assert response.status_code == 200
    assert field_errors(response) == [message]
    assert TOTPDevice.objects.get(user=people.audit_admin).confirmed is False


def test_admin_with_a_bound_device_enters_her_code_to_get_in(people):
    device = TOTPDevice.objects.create(user=people.security_admin, name="手机", confirmed=True)
    client = logged_in(people.security_admin)
    page = client.get("/accounts/otp/")
    assert ">输入动态口令</h1>" in page.content.decode()
    assert "otp-secret" not in page.content.decode()
    response = client.post("/accounts/otp/", {"token": totp_code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/accounts/security/").status_code == 200
    assert TOTPDevice.objects.filter(user=people.security_admin).count() == 1


def test_bound_device_refuses_a_wrong_code(people):
    device = TOTPDevice.objects.create(user=people.security_admin, name="手机", confirmed=True)
    client = logged_in(people.security_admin)
    response = client.post("/accounts/otp/", {"token": wrong(totp_code(device))})
    assert response.status_code == 200
    assert field_errors(response) == [WRONG_CODE]
    assert client.get("/accounts/security/").status_code == 302


def test_code_cannot_be_used_twice(people):
    device = TOTPDevice.objects.create(user=people.security_admin, name="手机", confirmed=True)
    code = totp_code(device)
    first = logged_in(people.security_admin)
    assert first.post("/accounts/otp/", {"token": code}).status_code == 302
    second = logged_in(people.security_admin)
    response = second.post("/accounts/otp/", {"token": code})
    assert response.status_code == 200
    assert field_errors(response) == [WRONG_CODE]


def test_next_pointing_to_another_site_is_ignored(people):
    device = TOTPDevice.objects.create(user=people.security_admin, name="手机", confirmed=True)
    client = logged_in(people.security_admin)
    response = client.post("/accounts/otp/", {"token": totp_code(device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_cadre_is_not_asked_for_a_second_factor(people):
    client = password_login("street_cadre")
    assert client.get("/").status_code == 200
    assert client.get("/api/me/").status_code == 200
    assert TOTPDevice.objects.count() == 0


def test_cadre_turns_on_the_second_factor_from_her_profile_and_is_asked_for_it_next_time(people):
    client = logged_in(people.street_cadre)
    profile = client.get("/accounts/me/").content.decode()
    assert re.search(r'<a [^>]*href="/accounts/otp/">启用动态口令</a>', profile)
    assert "未启用。启用后每次登录需输入手机身份验证器上的6位数字。" in profile
    assert client.get("/accounts/otp/").status_code == 200
    device = TOTPDevice.objects.get(user=people.street_cadre)
    response = client.post("/accounts/otp/", {"token": totp_code(device), "next": "/accounts/me/"})
    assert response["Location"] == "/accounts/me/"
    profile = client.get("/accounts/me/").content.decode()
    assert ">已启用。如手机丢失,请联系安全管理员重置。</p>" in profile
    assert "启用动态口令</a>" not in profile

    tomorrow = logged_in(people.street_cadre)
    assert tomorrow.get("/")["Location"] == "/accounts/otp/?next=%2F"
    assert tomorrow.get("/api/me/").status_code == 401


def test_security_admin_resets_a_lost_device_of_another_user(people, audit, login):
    TOTPDevice.objects.create(user=people.street_cadre, name="手机", confirmed=True)
    admin = login(people.security_admin)
    audit.reset()
    response = admin.post("/accounts/security/", {"op": "reset_otp", "user": people.street_cadre.pk})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/security/"
    assert flash_messages(admin.get("/accounts/security/")) == [
        ("success", "已重置 street_cadre 的动态口令;如需继续使用,请其在“我的账户”中重新启用")
    ]
    assert TOTPDevice.objects.filter(user=people.street_cadre).count() == 0
    assert audit.rows("event", "username", "remote_addr", "object_pk", "additional_data") == [
        ("security", "security_admin", "127.0.0.1", str(people.street_cadre.pk), {"action": "reset_second_factor"})
    ]
    # A cadre without a device is no longer asked for a code.
    assert logged_in(people.street_cadre).get("/").status_code == 200


def test_admin_whose_device_was_reset_must_bind_a_new_one(people, login):
    sys_admin = login(people.sys_admin)
    assert sys_admin.get("/accounts/users/").status_code == 200
    login(people.security_admin).post("/accounts/security/", {"op": "reset_otp", "user": people.sys_admin.pk})
    response = sys_admin.get("/accounts/users/")
    assert response["Location"] == "/accounts/otp/?next=%2Faccounts%2Fusers%2F"
    assert ">绑定动态口令</h1>" in sys_admin.get("/accounts/otp/").content.decode()


def test_security_admin_cannot_reset_her_own_device(people, audit, login):
    admin = login(people.security_admin)
    audit.reset()
    response = admin.post("/accounts/security/", {"op": "reset_otp", "user": people.security_admin.pk}, follow=True)
    assert flash_messages(response) == [("danger", "不能重置自己的动态口令")]
    assert TOTPDevice.objects.filter(user=people.security_admin).count() == 1
    assert audit.rows() == []


def test_security_admin_cannot_reset_the_device_of_a_user_outside_her_units(people, audit, login):
    TOTPDevice.objects.create(user=people.outsider, name="手机", confirmed=True)
    admin = login(people.security_admin)
    audit.reset()
    response = admin.post("/accounts/security/", {"op": "reset_otp", "user": people.outsider.pk})
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=people.outsider).count() == 1
    assert audit.rows("event", "result", "username", "object_pk") == [
        ("denied", "denied", "security_admin", str(people.outsider.pk))
    ]


def test_cadre_cannot_reset_anybodys_device(people, audit, login):
    TOTPDevice.objects.create(user=people.community_cadre, name="手机", confirmed=True)
    client = login(people.street_cadre)
    audit.reset()
    response = client.post("/accounts/security/", {"op": "reset_otp", "user": people.community_cadre.pk})
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=people.community_cadre).count() == 1
    assert audit.rows("event", "username", "additional_data") == [
        ("denied", "street_cadre", {"reason": "manage_security"})
    ]
