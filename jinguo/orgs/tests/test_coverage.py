"""Coverage figures (妇联组织覆盖) on the unit page: the table and the sentence of a work summary."""

from __future__ import annotations

import pytest

from jinguo.orgs.models import Unit, UnitKind

from .helpers import children_list, coverage_sentence, coverage_table

pytestmark = pytest.mark.django_db


def test_district_coverage_sentence_and_table(people, tree, login):
    response = login(people.district_cadre).get(f"/units/{tree.district.pk}/")
    assert coverage_sentence(response) == "2个街道全部建立了妇联组织;4个社区中3个建立了妇联组织(75.00%)"
    assert coverage_table(response) == [
        ("街道", "2", "2", "100.00%"),
        ("社区", "4", "3", "75.00%"),
        ("合计", "6", "5", "83.33%"),
    ]


def test_street_coverage_counts_only_its_own_communities(people, tree, login):
    response = login(people.street_cadre).get(f"/units/{tree.east.pk}/")
    assert coverage_sentence(response) == "2个社区中1个建立了妇联组织(50.00%)"
    assert coverage_table(response) == [("社区", "2", "1", "50.00%"), ("合计", "2", "1", "50.00%")]


def test_sibling_street_with_every_community_established(people, tree, login):
    response = login(people.sibling_street_cadre).get(f"/units/{tree.west.pk}/")
    assert coverage_sentence(response) == "2个社区全部建立了妇联组织"


def test_leaf_unit_has_no_coverage_figures(people, tree, login):
    response = login(people.community_cadre).get(f"/units/{tree.east1.pk}/")
    assert coverage_sentence(response) == "本单位下暂无下级组织。"
    assert coverage_table(response) == []


def test_closed_unit_is_left_out_of_the_coverage(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True, closed_reason="合并")
    client = login(people.district_cadre)
    district = client.get(f"/units/{tree.district.pk}/")
    assert coverage_sentence(district) == "2个街道、3个社区全部建立了妇联组织"
    assert coverage_table(district)[-1] == ("合计", "5", "5", "100.00%")
    east = client.get(f"/units/{tree.east.pk}/")
    assert coverage_sentence(east) == "1个社区全部建立了妇联组织"
    # the closed unit is still listed below its street, struck through
    assert children_list(east) == [("东一社区", "社区", "已建妇联"), ("~东二社区~", "社区", "未建妇联")]


def test_coverage_rounds_half_up_to_two_decimals(people, tree, login):
    village_town = Unit.objects.add_child(tree.district, create_kwargs={"name": "山乡", "kind": UnitKind.TOWN})
    for i in range(32):
        village_town = Unit.objects.get(pk=village_town.pk)
        Unit.objects.add_child(
            village_town, create_kwargs={"name": f"村{i}", "kind": UnitKind.VILLAGE, "federation_established": i == 0}
        )
    response = login(people.district_cadre).get(f"/units/{village_town.pk}/")
    # 1/32 = 3.125 %: half-up gives 3.13, banker's rounding would give 3.12
    assert coverage_sentence(response) == "32个村中1个建立了妇联组织(3.13%)"


def test_coverage_lists_kinds_in_the_order_of_the_kind_list(people, tree, login):
    Unit.objects.add_child(
        Unit.objects.get(pk=tree.east1.pk),
        create_kwargs={"name": "东一物业公司妇委会", "kind": UnitKind.ENTERPRISE, "federation_established": False},
    )
    response = login(people.street_cadre).get(f"/units/{tree.east.pk}/")
    assert coverage_sentence(response) == (
        "2个社区中1个建立了妇联组织(50.00%);1个企事业单位妇委会/女职委中0个建立了妇联组织(0.00%)"
    )
    assert coverage_table(response) == [
        ("社区", "2", "1", "50.00%"),
        ("企事业单位妇委会/女职委", "1", "0", "0.00%"),
        ("合计", "3", "1", "33.33%"),
    ]
