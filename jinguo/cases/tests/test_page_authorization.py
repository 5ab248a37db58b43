"""Who may open and write what on the pages of the case register, page by page and endpoint by
endpoint.

The targets sit at 东街道 itself: a mediation case (with a party, a session and an agreement), a
closed case with a follow-up to do, a key family and a screening, and for each step a case in the
status that step needs. The street cadre (or, for a closing, the district leader; for a transfer
sent up to 示范区, the district cadre) may do each; the sibling street's cadre, the community cadre
below the street, a user without a unit and the three admin roles get a 404 on everything, the
readonly user of the street on every write; each denial is one 'denied' row in the audit log and
leaves every row of the register as it was."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from jinguo.cases import actions
from jinguo.cases.models import Case, Colour, FollowUp, Kind, Outcome, Status
from jinguo.core.models import AuditEntry
from jinguo.people.tests.helpers import build_registry

from .helpers import case_in, register, register_snapshot

pytestmark = pytest.mark.django_db

NOT_MINE = ["sibling_street_cadre", "community_cadre", "outsider", "sys_admin", "security_admin", "audit_admin"]


@dataclass
class Target:
    """What an endpoint is about: the case (or family, screening) and the rows in its address."""

    case: Case | None = None
    ids: dict[str, int] = field(default_factory=dict)
    model: str = "case"  # the model of the denied row

    @property
    def pk(self) -> int:
        return self.ids["pk"]


def _case(status: str, **kwargs: Any) -> Callable[[Any], Target]:
    def build(w: Any) -> Target:
        case = case_in(status, unit=w.tree.east, cadre=w.people.street_cadre, leader=w.people.district_leader, **kwargs)
        return Target(case, {"pk": case.pk})

    return build


def _mediation(w: Any) -> Target:
    cadre = w.people.street_cadre
    case = register(cadre, w.tree.east, kind=Kind.MEDIATION, category="property_land", person=w.reg.zhang)
    party = actions.do_add_party(actor=cadre, case=case, party=actions.Party(name="李某", relation="邻居"))
    case = actions.do_accept(actor=cadre, case=case, handler=cadre)
    actions.do_record_session(actor=cadre, case=case, held_on=dt.date(2026, 11, 28), place="调解室")
    case = actions.do_record_agreement(actor=cadre, case=case, reached=True, terms="拆除围墙")
    return Target(case, {"pk": case.pk, "party": party.pk})


def _closed(w: Any) -> Target:
    target = _case(Status.CLOSED)(w)
    target.ids["fu"] = FollowUp.objects.get(case=target.case).pk
    return target


def _sent_up(w: Any) -> Target:
    case = register(w.people.street_cadre, w.tree.east)
    actions.do_transfer(actor=w.people.street_cadre, case=case, to_unit=w.tree.district, reason="需区里协调")
    return Target(case, {"pk": case.pk})


def _family(w: Any) -> Target:
    cadre = w.people.street_cadre
    family = actions.do_list_family(
        actor=cadre, unit=w.tree.east, person=w.reg.zhang, colour=Colour.RED, reason="丈夫酒后打人",
        responsible=cadre, visit_interval_days=7, listed_on=dt.date(2026, 11, 20),
    )  # fmt: skip
    return Target(None, {"pk": family.pk}, model="keyfamily")


def _screening(w: Any) -> Target:
    screening = actions.do_record_screening(
        actor=w.people.street_cadre,
        unit=w.tree.east,
        held_on=dt.date(2026, 11, 20),
        findings=[actions.Finding(person=w.reg.zhang, finding="dispute", note="夫妻争吵")],
    )
    return Target(None, {"pk": screening.pk}, model="screening")


EDIT_CASE = {"category": "labour", "channel": "visit", "urgency": "normal", "narrative": "改写的事由"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str
    build: Callable[[Any], Target]
    needs: str  # "view" or "edit"
    data: Callable[[Any, Target], dict[str, Any]] | None = None
    allowed: str = "street_cadre"  # the one who may (a write she makes changes the register)

    @property
    def writes(self) -> bool:
        return self.method == "post"

    @property
    def ok(self) -> int:
        return 302 if self.writes else 200

    def address(self, t: Target) -> str:
        return self.url.format(**t.ids)

    def call(self, client: Any, w: Any, t: Target) -> Any:
        data = self.data(w, t) if self.data else {}
        return getattr(client, self.method)(self.address(t), data)


def _step(action: str, build: Callable[[Any], Target], data: Any = None, **kw: Any) -> Endpoint:
    """A step's endpoint; `data` is what its form sends (a dict, or a function of the world)."""
    send = data if callable(data) else (lambda w, t: dict(data or {}))
    return Endpoint(f"step-{action}", "post", f"/cases/{{pk}}/steps/{action}/", build, "edit", send, **kw)


ENDPOINTS = [
    Endpoint("case-page", "get", "/cases/{pk}/", _mediation, "view"),
    Endpoint("edit-form", "get", "/cases/{pk}/edit/", _mediation, "edit"),
    Endpoint("edit", "post", "/cases/{pk}/edit/", _mediation, "edit", lambda w, t: EDIT_CASE),
    _step("accept", _case(Status.REGISTERED), lambda w, t: {"handler": str(w.people.street_cadre.pk)}),
    _step("start", _case(Status.ACCEPTED)),
    _step("refer", _case(Status.ACCEPTED), {"to": "police", "organisation": "东街道派出所"}),
    _step("answer_referral", _case(Status.REFERRED), {"answer": "已出警"}),
    _step("finish", _case(Status.IN_PROGRESS), {"outcome": Outcome.RESOLVED}),
    _step("close", _case(Status.FINISHED)),
    _step("approve_close", _case(Status.CLOSING), allowed="district_leader"),
    _step("reject_close", _case(Status.CLOSING), {"reason": "材料不全"}, allowed="district_leader"),
    _step("reopen", _case(Status.CLOSED), {"reason": "再次求助"}),
    _step("transfer", _case(Status.REGISTERED), lambda w, t: {"to_unit": str(w.tree.east1.pk), "reason": "属地办理"}),
    _step("accept_transfer", _sent_up, allowed="district_cadre"),
    _step("reject_transfer", _sent_up, {"reason": "应由街道办理"}, allowed="district_cadre"),
    _step("note", _case(Status.ACCEPTED), {"note": "电话联系"}),
    Endpoint("party-add", "post", "/cases/{pk}/parties/", _mediation, "edit",
             lambda w, t: {"name": "王某", "role": "other"}),
    Endpoint("party-remove", "post", "/cases/{pk}/parties/{party}/remove/", _mediation, "edit"),
    Endpoint("follow-up-schedule", "post", "/cases/{pk}/follow-ups/", _closed, "edit",
             lambda w, t: {"due_on": "2099-01-01"}),
    Endpoint("follow-up-record", "post", "/cases/{pk}/follow-ups/{fu}/", _closed, "edit",
             lambda w, t: {"way": "phone", "result": "情况稳定", "satisfied": "yes"}),
    Endpoint("session", "post", "/cases/{pk}/sessions/", _mediation, "edit",
             lambda w, t: {"held_on": "2026-11-29", "place": "调解室"}),
    Endpoint("mediators", "post", "/cases/{pk}/mediators/", _mediation, "edit",
             lambda w, t: {"users": [str(w.people.street_cadre.pk)]}),
    Endpoint("agreement", "post", "/cases/{pk}/agreement/", _mediation, "edit",
             lambda w, t: {"reached": "yes", "terms": "另行约定"}),
    Endpoint("agreement-docx", "get", "/cases/{pk}/agreement.docx", _mediation, "view"),
    Endpoint("family-page", "get", "/cases/families/{pk}/", _family, "view"),
    Endpoint("family-edit-form", "get", "/cases/families/{pk}/edit/", _family, "edit"),
    Endpoint("family-edit", "post", "/cases/families/{pk}/edit/", _family, "edit",
             lambda w, t: {"colour": "orange", "reason": "仍有矛盾", "responsible": str(w.people.street_cadre.pk),
                           "visit_interval_days": "30"}),
    Endpoint("family-visit", "post", "/cases/families/{pk}/visits/", _family, "edit",
             lambda w, t: {"visited_on": "2026-11-25", "found": "情况稳定"}),
    Endpoint("family-lift", "post", "/cases/families/{pk}/lift/", _family, "edit",
             lambda w, t: {"reason": "已搬离"}),
    Endpoint("screening-page", "get", "/cases/screenings/{pk}/", _screening, "view"),
]  # fmt: skip


@dataclass
class World:
    tree: Any
    people: Any
    reg: Any


@pytest.fixture
def world(tree, people) -> World:
    return World(tree, people, build_registry(tree, people.district_cadre))


def denied_rows(user: Any) -> list[tuple[str, str, Any]]:
    return [
        (e.content_type.model if e.content_type else "", e.object_pk, e.additional_data)
        for e in AuditEntry.objects.filter(event="denied", actor=user).order_by("pk")
    ]


def assert_refused(response: Any, user: Any, t: Target, before: list[Any], reason: str | None) -> None:
    assert response.status_code == 404
    assert '<h1 class="h4">未找到该页面或记录</h1>' in response.content.decode()
    assert register_snapshot() == before
    assert denied_rows(user) == [(t.model, str(t.pk), {"reason": reason} if reason else None)]
    assert not AuditEntry.objects.filter(event__in=["access", "export"]).exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_the_one_who_may_does(world, login, endpoint):
    user = getattr(world.people, endpoint.allowed)
    t = endpoint.build(world)
    before = register_snapshot()
    response = endpoint.call(login(user), world, t)
    assert response.status_code == endpoint.ok, response.content.decode()[:3000]
    assert denied_rows(user) == []
    if endpoint.writes:
        assert response["Location"].startswith("/cases/")
        assert register_snapshot() != before
    else:
        assert register_snapshot() == before


@pytest.mark.parametrize("who", NOT_MINE)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_those_who_may_not_see_it_get_a_404_and_nothing_changes(world, login, endpoint, who):
    user = getattr(world.people, who)
    t = endpoint.build(world)
    before = register_snapshot()
    response = endpoint.call(login(user), world, t)
    assert_refused(response, user, t, before, None)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_the_readonly_user_reads_but_every_write_is_a_404(world, login, endpoint):
    user = world.people.readonly_user
    t = endpoint.build(world)
    before = register_snapshot()
    response = endpoint.call(login(user), world, t)
    if endpoint.needs == "view":
        assert response.status_code == 200
        assert register_snapshot() == before
        assert denied_rows(user) == []
    else:
        assert_refused(response, user, t, before, "edit_records")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_an_anonymous_visitor_is_sent_to_log_in(world, client, endpoint):
    t = endpoint.build(world)
    before = register_snapshot()
    response = endpoint.call(client, world, t)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={endpoint.address(t)}")
    assert register_snapshot() == before
    assert not AuditEntry.objects.filter(event__in=["denied", "access", "export"]).exists()


def test_a_missing_case_looks_the_same_as_one_not_hers(world, login):
    case = _mediation(world).case
    assert case is not None
    client = login(world.people.sibling_street_cadre)
    missing, theirs = client.get("/cases/999999/"), client.get(f"/cases/{case.pk}/")
    assert (missing.status_code, theirs.status_code) == (404, 404)
    strip = re.compile(r'"(X-CSRFToken": |csrfmiddlewaretoken" value=)"\w+"')
    assert strip.sub("", missing.content.decode()) == strip.sub("", theirs.content.decode())


# --- pages without a record in the address -----------------------------------------------------------


PAGES = [
    ("/cases/", "case", "no unit", True),
    ("/cases/?mine=1&status=open", "case", "no unit", True),
    ("/cases/new/", "case", "edit_records", False),
    ("/cases/report/", "case", "no unit", True),
    ("/cases/report.xlsx", "case", "no unit", True),
    ("/cases/report.docx", "case", "no unit", True),
    ("/cases/follow-ups/", "case", "no unit", True),
    ("/cases/settings/", "case", "no unit", True),
    ("/cases/settings/templates/mediation_agreement/", "case", "no unit", True),
    ("/cases/families/", "case", "no unit", True),
    ("/cases/families/new/", "keyfamily", "edit_records", False),
    ("/cases/families/export/", "case", "no unit", True),
    ("/cases/screenings/", "case", "no unit", True),
    ("/cases/screenings/new/", "screening", "edit_records", False),
]


@pytest.mark.parametrize("who", ["outsider", "sys_admin", "security_admin", "audit_admin"])
@pytest.mark.parametrize(("url", "model", "reason", "reads"), PAGES, ids=[p[0] for p in PAGES])
def test_users_without_record_rights_get_a_404_on_every_page(world, login, who, url, model, reason, reads):
    _mediation(world)
    user = getattr(world.people, who)
    before = register_snapshot()
    response = login(user).get(url)
    assert response.status_code == 404
    assert register_snapshot() == before
    assert denied_rows(user) == [(model, "", {"reason": reason})]
    assert not AuditEntry.objects.filter(event="export").exists()


@pytest.mark.parametrize(("url", "model", "reason", "reads"), PAGES, ids=[p[0] for p in PAGES])
def test_the_readonly_user_opens_the_lists_but_not_the_forms_that_create(world, login, url, model, reason, reads):
    user = world.people.readonly_user
    response = login(user).get(url)
    if reads:
        assert response.status_code == 200
        assert denied_rows(user) == []
    else:
        assert response.status_code == 404
        assert denied_rows(user) == [(model, "", {"reason": reason})]


def test_posting_the_forms_that_create_is_a_404_for_the_readonly_user_and_nothing_is_created(world, login):
    user, tree = world.people.readonly_user, world.tree
    client = login(user)
    before = register_snapshot()
    answers = [
        client.post("/cases/new/", {"unit": tree.east.pk, "kind": "petition", "channel": "phone", "who": "anonymous",
                                    "narrative": "x", "category": "other", "urgency": "normal"}).status_code,
        client.post(f"/cases/families/new/?person={world.reg.zhang.pk}",
                    {"person": world.reg.zhang.pk, "colour": "red", "reason": "x", "visit_interval_days": "7",
                     "responsible": str(world.people.street_cadre.pk)}).status_code,
        client.post("/cases/screenings/new/", {"unit": tree.east1.pk, "held_on": "2026-11-20"}).status_code,
        client.post("/cases/settings/", {"limits": "1", "petition__accept": "5"}).status_code,
    ]  # fmt: skip
    assert answers == [404, 404, 404, 404]
    assert register_snapshot() == before


@pytest.mark.parametrize(("url", "model", "reason", "reads"), PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_visitors_are_sent_to_log_in_from_every_page(db, client, url, model, reason, reads):
    response = client.get(url)
    path = url.split("?", 1)[0]
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={path}")


# --- sentences ---------------------------------------------------------------------------------------


def test_a_community_cadre_cannot_open_a_case_of_her_street_but_opens_her_own(world, login):
    street = register(world.people.street_cadre, world.tree.east)
    own = register(world.people.street_cadre, world.tree.east1)
    client = login(world.people.community_cadre)
    assert client.get(f"/cases/{street.pk}/").status_code == 404
    assert client.get(f"/cases/{own.pk}/").status_code == 200
    assert denied_rows(world.people.community_cadre) == [("case", str(street.pk), None)]


def test_a_street_cadre_cannot_see_a_sibling_street_case_in_the_list_or_its_export(world, login):
    theirs = register(world.people.sibling_street_cadre, world.tree.west1)
    client = login(world.people.street_cadre)
    assert f'href="/cases/{theirs.pk}/"' not in client.get("/cases/").content.decode()
    assert f'href="/cases/{theirs.pk}/"' not in client.get(f"/cases/?q={theirs.number}").content.decode()
    assert client.get(f"/cases/?unit={world.tree.west1.pk}").content.decode().count('class="mono"') == 0


def test_each_opening_of_a_violence_case_writes_one_access_row(world, login):
    violence = register(world.people.street_cadre, world.tree.east, kind=Kind.VIOLENCE, risk_factors=["weapon"])
    petition = register(world.people.street_cadre, world.tree.east)
    street, leader = login(world.people.street_cadre), login(world.people.district_leader)

    def access() -> list[tuple[str, str, Any]]:
        return [
            (e.username, e.object_pk, e.additional_data)
            for e in AuditEntry.objects.filter(event="access").order_by("pk")
        ]

    opened = (str(violence.pk), {"opened": "violence_case"})
    street.get(f"/cases/{violence.pk}/")
    street.get(f"/cases/{violence.pk}/")
    assert access() == [("street_cadre", *opened)] * 2
    leader.get(f"/cases/{violence.pk}/")
    assert access() == [("street_cadre", *opened)] * 2 + [("district_leader", *opened)]
    # the list names it without opening it; a petition's page is no opening; a refusal neither
    street.get("/cases/")
    street.get(f"/cases/{petition.pk}/")
    assert login(world.people.sibling_street_cadre).get(f"/cases/{violence.pk}/").status_code == 404
    assert len(access()) == 3


def test_a_violence_case_shown_again_after_a_refused_step_or_in_its_edit_form_is_an_opening(world, login):
    violence = register(world.people.street_cadre, world.tree.east, kind=Kind.VIOLENCE)
    client = login(world.people.street_cadre)
    refused = client.post(f"/cases/{violence.pk}/steps/start/")
    assert refused.status_code == 200
    assert "丈夫长期酗酒后辱骂" in refused.content.decode()
    form = client.get(f"/cases/{violence.pk}/edit/")
    assert "丈夫长期酗酒后辱骂" in form.content.decode()
    assert list(
        AuditEntry.objects.filter(event="access").order_by("pk").values_list("username", "object_pk", "path")
    ) == [
        ("street_cadre", str(violence.pk), f"/cases/{violence.pk}/steps/start/"),
        ("street_cadre", str(violence.pk), f"/cases/{violence.pk}/edit/"),
    ]
    # a successful step is opened by the page it leads to, once
    client.post(f"/cases/{violence.pk}/steps/accept/", {"handler": str(world.people.street_cadre.pk)}, follow=True)
    assert AuditEntry.objects.filter(event="access").count() == 3
