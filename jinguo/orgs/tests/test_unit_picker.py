"""The unit picker (orgs.picker): a select of the scope's units up to a limit, a search box beyond
it, and any unit of the scope accepted by the forms that use it."""

from __future__ import annotations

import re

import pytest

from jinguo.orgs import picker
from jinguo.people.models import Person

pytestmark = pytest.mark.django_db


def options(page) -> list[tuple[str, str]]:
    return re.findall(r'<option value="(\d+)">([^<]*)</option>', page.content.decode())


def test_the_search_finds_units_of_her_scope_with_their_trail(people, tree, login):
    client = login(people.district_cadre)
    page = client.get("/units/options/", {"field": "unit", "perm": "view_records", "unit_q": "一社区", "blank": "全部"})
    assert options(page) == [(str(tree.east1.pk), "东街道 / 东一社区"), (str(tree.west1.pk), "西街道 / 西一社区")]
    assert "找到 2 个单位,请选择" in page.content.decode()


def test_a_street_cadre_finds_nothing_in_the_sibling_street(people, tree, login):
    client = login(people.street_cadre)
    page = client.get("/units/options/", {"field": "unit", "perm": "edit_records", "unit_q": "西"})
    assert options(page) == []
    assert options(client.get("/units/options/", {"field": "unit", "perm": "edit_records", "unit_q": "东二"})) == [
        (str(tree.east2.pk), "东街道 / 东二社区")
    ]


def test_a_user_without_records_finds_no_unit_for_records(people, tree, login):
    page = login(people.sys_admin).get("/units/options/", {"field": "unit", "perm": "edit_records", "unit_q": "社区"})
    assert (page.status_code, options(page)) == (200, [])


def test_anonymous_visitors_are_sent_to_login(client, tree):
    response = client.get("/units/options/", {"unit_q": "东"})
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")


def test_a_large_scope_gets_a_search_box_and_any_unit_of_it_is_accepted(people, tree, login, monkeypatch):
    monkeypatch.setattr(picker, "OPTIONS_LIMIT", 3)  # the district's 7 units do not fit
    client = login(people.district_cadre)
    form = client.get("/people/new/").content.decode()
    assert "data-unit-search" in form
    listed = re.findall(r'<option value="(\d+)"', form)
    assert listed == [str(tree.district.pk), str(tree.east.pk), str(tree.west.pk)]  # the upper levels
    response = client.post("/people/new/", {"unit": tree.west2.pk, "name": "林小满", "gender": "F"})
    assert response.status_code == 302
    assert Person.objects.get(name="林小满").unit == tree.west2
    # the list filter keeps the chosen unit in its select though the select lists only the top
    page = client.get("/people/", {"unit": tree.west2.pk}).content.decode()
    assert f'<option value="{tree.west2.pk}" selected>西街道 / 西二社区</option>' in page


def test_a_small_scope_has_no_search_box(people, tree, login):
    form = login(people.street_cadre).get("/people/new/").content.decode()
    assert "data-unit-search" not in form
