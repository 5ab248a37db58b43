"""The counts of the person list: kept per unit by the actions (people.counts), summed over the
viewer's scope, and capped live counts where the kept ones cannot answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from jinguo.accounts.actions import do_issue_token
from jinguo.core import paging
from jinguo.orgs import actions as org_actions
from jinguo.orgs.models import Unit
from jinguo.people import actions, counts
from jinguo.people.fake import make_id_number
from jinguo.people.models import Person, RegistryCount

from .helpers import build_registry, category_counts, list_names, person_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def kept(unit: Unit) -> dict[str, int]:
    return dict(RegistryCount.objects.filter(unit=unit).values_list("key", "count"))


def test_the_actions_keep_the_counts_of_each_unit(reg, tree):
    assert kept(tree.east1) == {"": 2, "hardship_woman": 1, "left_behind_child": 1}
    assert kept(tree.east2) == {"": 2, "hardship_woman": 1, "laid_off": 1}
    assert kept(tree.west2) == {"": 1, "migrant_child": 1, "single_parent_child": 0}  # set, then ended
    assert counts.drift() == {}


def test_moving_and_merging_persons_recount_both_units(reg, tree, people):
    cadre = people.district_cadre
    actions.do_update_person(actor=cadre, person=reg.shan, unit=tree.west1)
    assert kept(tree.east2) == {"": 1}
    assert kept(tree.west1) == {"": 2, "empty_nest_elder": 1, "hardship_woman": 1, "laid_off": 1}
    twin = actions.do_create_person(
        actor=cadre, unit=tree.east2, name="张伟", gender="M", birth_date=dt.date(2001, 5, 5), categories=["laid_off"]
    )
    assert kept(tree.east2) == {"": 2, "laid_off": 1}
    actions.do_merge_persons(actor=cadre, keep=reg.wei, merge=twin)
    assert kept(tree.east2) == {"": 1, "laid_off": 1}
    assert counts.drift() == {}


def test_a_unit_moved_in_the_tree_takes_its_counts_along(reg, tree, people, login):
    org_actions.do_move_unit(actor=people.district_cadre, unit=tree.east2, new_parent=tree.west)
    client = login(people.sibling_street_cadre)  # 西街道 now holds 东二社区
    assert person_count(client.get("/people/")) == "共 4 人"
    assert category_counts(client.get("/people/"))["下岗失业"] == 1


def test_a_unit_whose_persons_left_can_still_be_deleted(tree, people):
    cadre = people.district_cadre
    person = actions.do_create_person(
        actor=cadre, unit=tree.west2, name="林小满", gender="F", birth_date=dt.date(2016, 5, 6), categories=["dibao"]
    )
    actions.do_end_category(actor=cadre, person=person, code="dibao", reason="收入好转")
    actions.do_update_person(actor=cadre, person=person, unit=tree.west1)
    assert kept(tree.west2) == {}
    org_actions.do_delete_unit(actor=cadre, unit=tree.west2)
    assert not Unit.objects.filter(pk=tree.west2.pk).exists()


def test_counts_beside_the_categories_ignore_the_chosen_category(reg, tree, people, login):
    client = login(people.district_cadre)
    page = client.get("/people/", {"category": "hardship_woman", "unit": tree.east.pk})
    assert list_names(page) == ["张晓燕", "单丽"]
    assert person_count(page) == "共 2 人符合条件"
    # each badge says how many persons clicking it lists: not how many of the 2 are also in it
    assert {k: v for k, v in category_counts(page).items() if v} == {"留守儿童": 1, "困难妇女": 2, "下岗失业": 1}
    clicked = client.get("/people/", {"category": "left_behind_child", "unit": tree.east.pk})
    assert (list_names(clicked), person_count(clicked)) == (["曾晓燕"], "共 1 人符合条件")


def test_live_counts_beside_the_categories_ignore_the_chosen_category_too(reg, people, login):
    page = login(people.district_cadre).get("/people/", {"gender": "F", "category": "hardship_woman"})
    assert person_count(page) == "共 2 人符合条件"
    women = {"留守儿童": 1, "流动儿童": 1, "困难妇女": 2, "下岗失业": 1}
    assert {k: v for k, v in category_counts(page).items() if v} == women


def test_a_broad_search_counts_up_to_the_cap_and_says_so(reg, people, login, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    client = login(people.district_cadre)
    page = client.get("/people/", {"gender": "F"})
    body = page.content.decode()
    assert person_count(page) == "共 3+ 人符合条件"
    assert "符合条件的人员超过3人,请增加筛选条件(如所属单位)以缩小范围。" in body
    assert category_counts(page) == {}  # not counted: too many rows
    assert len(list_names(page)) == 4  # the rows themselves are all listed
    narrow = client.get("/people/", {"gender": "M"})
    assert person_count(narrow) == "共 2 人符合条件"
    assert 'id="count-capped"' not in narrow.content.decode()
    # the kept counts are exact whatever their size
    assert person_count(client.get("/people/")) == "共 6 人"


def test_the_api_says_when_its_count_is_capped(reg, people, monkeypatch):
    token, _ = do_issue_token(user=people.district_cadre, name="tests")
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    broad = client.get("/api/persons/", {"gender": "F"}).json()
    assert (broad["count"], broad["count_capped"], len(broad["items"])) == (3, True, 4)
    kept_count = client.get("/api/persons/", {"category": "hardship_woman"}).json()
    assert (kept_count["count"], kept_count["count_capped"]) == (2, False)


def test_recount_people_checks_and_rebuilds(reg, tree, capsys):
    call_command("recount_people", "--check")
    assert capsys.readouterr().out == "counts agree with the records\n"
    Person.objects.filter(pk=reg.li.pk).delete()  # a write around the actions
    with pytest.raises(CommandError) as exc:
        call_command("recount_people", "--check")
    assert str(exc.value) == "2 counts differ from the records; run recount_people to rebuild them"
    assert capsys.readouterr().out == (
        f"unit {tree.west1.pk} *: kept 1, counted 0\nunit {tree.west1.pk} empty_nest_elder: kept 1, counted 0\n"
    )
    call_command("recount_people")
    assert kept(tree.west1) == {}
    assert counts.drift() == {}


def test_an_import_adds_to_the_counts(tree, people):
    actions.do_create_persons(
        actor=people.district_cadre,
        persons=[
            actions.NewPerson(
                unit=tree.east1,
                fields={"name": f"导入{i}", "id_number": make_id_number(dt.date(2012, 1, 1 + i), 0)},
                categories=("left_behind_child",) if i % 2 else (),
            )
            for i in range(5)
        ],
    )
    assert kept(tree.east1) == {"": 5, "left_behind_child": 2}
    assert counts.drift() == {}
