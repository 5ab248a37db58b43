"""Password rules (8+ characters of at least 3 classes) and argon2 storage, on every page that sets one."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from conftest import PASSWORD
from jinguo.accounts.models import User
from jinguo.core.tests.helpers import field_errors, flash_messages

pytestmark = pytest.mark.django_db

TOO_SHORT = "密码太短,至少需要 8 个字符。"
TWO_CLASSES = "密码需包含大写字母、小写字母、数字、符号中的至少 3 类(当前只有 2 类)。"
ONE_CLASS = "密码需包含大写字母、小写字母、数字、符号中的至少 3 类(当前只有 1 类)。"
TOO_COMMON = "这个密码太常见了。"


def messages_for(password: str) -> list[str]:
    try:
        validate_password(password)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def test_passwords_are_stored_with_argon2id(people):
    stored = User.objects.get(username="street_cadre").password
    assert stored.startswith("argon2$argon2id$")
    assert "Jinguo@2026" not in stored
    assert people.street_cadre.check_password("Jinguo@2026") is True


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("Short1!", [TOO_SHORT]),
        ("abcdefgh1", [TWO_CLASSES, TOO_COMMON]),
        ("qiaoyu2026x", [TWO_CLASSES]),
        ("QIAOYU-XIAO", [TWO_CLASSES]),
        ("qiaoyuxiaoxiao", [ONE_CLASS]),
        ("Abc1!", [TOO_SHORT]),
        ("abc", [TOO_SHORT, ONE_CLASS, TOO_COMMON]),
        ("Jinguo@2026", []),
        ("jinguo@2026", []),
        ("巾帼通Jinguo2026", []),
    ],
)
def test_password_rules(db, password, messages):
    assert messages_for(password) == messages


def test_cadre_changes_her_password_on_her_profile_page_and_stays_logged_in(people, audit, login):
    user = people.community_cadre
    user.set_password("Old#Pass2025")
    user.save()
    client = login(user)
    audit.reset()
    response = client.post(
        "/accounts/me/", {"old_password": "Old#Pass2025", "password": "Jinguo@2026", "password2": "Jinguo@2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/me/"
    page = client.get("/accounts/me/")
    assert page.status_code == 200
    assert flash_messages(page) == [("success", "密码已修改")]
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("Jinguo@2026") is True
    assert user.check_password("Old#Pass2025") is False
    assert audit.rows("event", "username", "remote_addr", "object_pk", "additional_data") == [
        ("security", "community_cadre", "127.0.0.1", str(user.pk), {"action": "set_password"})
    ]


@pytest.mark.parametrize(
    ("password", "message"), [("Short1!", TOO_SHORT), ("abcdefgh1", f"{TWO_CLASSES} {TOO_COMMON}")]
)
def test_weak_password_is_refused_on_the_profile_page_and_nothing_changes(people, audit, login, password, message):
    user = people.community_cadre
    before = User.objects.get(pk=user.pk).password
    client = login(user)
    audit.reset()
    response = client.post("/accounts/me/", {"old_password": PASSWORD, "password": password, "password2": password})
    assert response.status_code == 200
    assert field_errors(response) == [message]
    assert flash_messages(response) == []
    assert User.objects.get(pk=user.pk).password == before
    assert audit.rows() == []


@pytest.mark.parametrize(
    ("password", "message"), [("Short1!", TOO_SHORT), ("abcdefgh1", f"{TWO_CLASSES} {TOO_COMMON}")]
)
def test_weak_initial_password_is_refused_when_creating_a_user_and_nothing_is_created(
    people, audit, login, tree, password, message
):
    users_before = User.objects.count()
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(
        "/accounts/users/new/",
        {"username": "zhang_li", "full_name": "张丽", "password": password, "unit": tree.east1.pk, "role": "cadre"},
    )
    assert response.status_code == 200
    assert field_errors(response) == [message]
    assert User.objects.count() == users_before
    assert audit.rows() == []


def test_user_created_with_a_good_password_can_use_it(people, login, tree):
    response = login(people.street_cadre).post(
        "/accounts/users/new/",
        {
            "username": "zhang_li",
            "full_name": "张丽",
            "password": "Jinguo@2026",
            "unit": tree.east1.pk,
            "role": "cadre",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="zhang_li")
    assert created.password.startswith("argon2$argon2id$")
    assert created.check_password("Jinguo@2026") is True


def test_weak_password_is_refused_when_a_manager_resets_one_and_nothing_changes(people, audit, login):
    target = people.community_cadre
    before = User.objects.get(pk=target.pk).password
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "password", "password": "qiaoyu2026x"})
    assert response.status_code == 200
    assert flash_messages(response) == [("danger", TWO_CLASSES)]
    assert User.objects.get(pk=target.pk).password == before
    assert audit.rows() == []


@pytest.mark.parametrize(
    ("old", "new2", "message"),
    [("Wrong#Pass2025", "Better#Pass2026", "当前密码不正确"), (PASSWORD, "Other#Pass2026", "两次输入的新密码不一致")],
)
def test_own_password_change_needs_the_current_password_and_the_same_new_one_twice(
    people, audit, login, old, new2, message
):
    user = people.community_cadre
    before = User.objects.get(pk=user.pk).password
    client = login(user)
    audit.reset()
    response = client.post("/accounts/me/", {"old_password": old, "password": "Better#Pass2026", "password2": new2})
    assert response.status_code == 200
    assert field_errors(response) == [message]
    assert User.objects.get(pk=user.pk).password == before
    assert audit.rows() == []
