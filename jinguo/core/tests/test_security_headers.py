"""Every answer carries a Content-Security-Policy of 'self': nothing may load from the internet."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def test_login_page_carries_the_policy(db, client):
    response = client.get("/accounts/login/")
    assert response["Content-Security-Policy"] == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("street_cadre", "/"),
        ("street_cadre", "/accounts/me/"),
        ("street_cadre", "/accounts/users/"),
        ("street_cadre", "/accounts/users/new/"),
        ("security_admin", "/accounts/security/"),
        ("audit_admin", "/audit/"),
        ("sys_admin", "/accounts/otp/"),
    ],
)
def test_pages_carry_the_policy_and_load_nothing_from_another_host(people, login, who, path):
    response = login(getattr(people, who)).get(path)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert re.findall(r'(?:src|href|action)="(?:https?:)?//[^"]*"', response.content.decode()) == []


def test_not_found_and_api_answers_carry_the_policy_too(people, login, client):
    assert login(people.street_cadre).get("/accounts/users/999999/")["Content-Security-Policy"] == POLICY
    assert client.get("/api/me/")["Content-Security-Policy"] == POLICY
    assert client.get("/")["Content-Security-Policy"] == POLICY


def test_export_carries_the_policy(people, login):
    response = login(people.audit_admin).get("/audit/export/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
