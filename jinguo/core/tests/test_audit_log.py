"""The audit log itself: append-only, one table for model changes and our own events, with the
user and the address that the platform trusts."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from jinguo.core.audit import record
from jinguo.core.models import AuditEntry, AuditEvent, AuditResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(people) -> AuditEntry:
    return record(AuditEvent.EXPORT, user=people.street_cadre, detail={"rows": 3})


def snapshot() -> list[tuple]:
    return list(AuditEntry.objects.order_by("id").values_list("id", "event", "username", "additional_data"))


def test_record_writes_one_row_outside_a_request(people, tree, audit):
    row = record(AuditEvent.ACCESS, user=people.street_cadre, obj=tree.east1, detail={"field": "phone"})
    assert audit.rows("event", "result", "username", "remote_addr", "path", "object_pk", "object_repr") == [
        ("access", "success", "street_cadre", None, "", str(tree.east1.pk), "东一社区")
    ]
    assert row.content_type is not None
    assert (row.actor, row.content_type.model, row.object_id, row.additional_data) == (
        people.street_cadre,
        "unit",
        tree.east1.pk,
        {"field": "phone"},
    )


def test_record_for_an_anonymous_event_keeps_the_username_given(db, audit):
    record(AuditEvent.LOGIN_FAILED, username="nobody", result=AuditResult.FAILURE)
    assert audit.rows("event", "result", "username", "actor", "content_type") == [
        ("login_failed", "failure", "nobody", None, None)
    ]


def test_saving_an_existing_row_again_is_refused(entry):
    before = snapshot()
    entry.additional_data = {"rows": 0}
    with pytest.raises(PermissionError, match="audit rows cannot be changed"):
        entry.save()
    assert snapshot() == before


def test_deleting_a_row_is_refused(entry):
    before = snapshot()
    with pytest.raises(PermissionError, match="audit rows cannot be deleted"):
        entry.delete()
    assert snapshot() == before


def test_deleting_a_user_keeps_her_audit_rows_by_name_and_leaves_no_dangling_id(entry, people, tree):
    # the actor and the stamps carry no database constraint (docs/architecture.md): Django's
    # on_delete must clear them, or the ids would point at no one
    from jinguo.people.actions import do_create_person

    person = do_create_person(actor=people.street_cadre, unit=tree.east1, name="王丽", gender="F", categories=["dibao"])
    user_id = people.street_cadre.pk
    people.street_cadre.delete()
    assert list(AuditEntry.objects.filter(username="street_cadre").values_list("event", "actor_id")) == [
        ("export", None)
    ]
    assert not AuditEntry.objects.filter(actor_id=user_id).exists()
    person.refresh_from_db()
    assert person.created_by_id is None
    assert list(person.categories.values_list("set_by_id", flat=True)) == [None]


def test_queryset_update_and_delete_are_refused(entry):
    before = snapshot()
    with pytest.raises(PermissionError, match="audit rows cannot be changed"):
        AuditEntry.objects.filter(pk=entry.pk).update(username="someone_else")
    with pytest.raises(PermissionError, match="audit rows cannot be changed"):
        AuditEntry.objects.update(username="someone_else")
    with pytest.raises(PermissionError, match="audit rows cannot be deleted"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError, match="audit rows cannot be deleted"):
        AuditEntry.objects.all().delete()
    entry.username = "someone_else"
    with pytest.raises(PermissionError, match="audit rows cannot be changed"), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["username"])
    assert snapshot() == before


def _all_routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    out: list[str] = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            out += _all_routes(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


def test_no_url_can_change_or_delete_audit_rows():
    routes = _all_routes(get_resolver())
    assert [r for r in routes if r.startswith("audit/")] == ["audit/", "audit/export/"]
    assert not [r for r in routes if "audit" in r and not r.startswith("audit/")]
    assert "django.contrib.admin" not in settings.INSTALLED_APPS


def test_posting_to_the_audit_pages_changes_nothing(entry, people, login):
    before = snapshot()
    client = login(people.audit_admin)
    after_login = snapshot()
    assert after_login[: len(before)] == before
    for url in ("/audit/", "/audit/export/"):
        client.post(url, {"id": entry.pk, "delete": "1", "username": "x"})
    assert snapshot()[: len(after_login)] == after_login
    assert AuditEntry.objects.get(pk=entry.pk).username == "street_cadre"


def test_change_rows_carry_the_user_and_the_address_of_the_request(people, tree, audit, login):
    client = login(people.street_cadre)
    audit.reset()
    client.post(f"/accounts/users/{people.community_cadre.pk}/", {"op": "deactivate"})
    rows = audit.entries()
    assert [(e.event, e.actor, e.username, e.remote_addr, e.content_type.model) for e in rows] == [
        ("update", people.street_cadre, "street_cadre", "127.0.0.1", "user")
    ]


def test_a_forged_forwarded_for_header_does_not_reach_the_audit_log(people, audit, login):
    forged = {"X-Forwarded-For": "6.6.6.6"}
    Client().post("/accounts/login/", {"username": "nobody", "password": "x"}, headers=forged)
    client = login(people.street_cadre)
    client.post(f"/accounts/users/{people.community_cadre.pk}/", {"op": "deactivate"}, headers=forged)
    assert audit.rows("event", "username", "remote_addr", event__in=["login_failed", "update"]) == [
        ("login_failed", "nobody", "127.0.0.1"),
        ("update", "street_cadre", "127.0.0.1"),
    ]


def test_the_address_comes_from_x_real_ip_behind_the_proxy(people, audit, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    Client().post(
        "/accounts/login/",
        {"username": "nobody", "password": "x"},
        headers={"X-Real-IP": "10.1.2.3", "X-Forwarded-For": "6.6.6.6"},
    )
    assert audit.rows("event", "username", "remote_addr") == [("login_failed", "nobody", "10.1.2.3")]
