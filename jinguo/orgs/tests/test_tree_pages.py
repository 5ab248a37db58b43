"""The tree pages: /units/ (top units), the lazy children partial and the search box."""

from __future__ import annotations

from typing import Any

import pytest

from jinguo.orgs.models import Unit, UnitKind

from .helpers import audit_rows, model_of, nodes, search_hits

pytestmark = pytest.mark.django_db


def _street_with_communities(tree: Any, count: int, *, prefix: str = "新区社区") -> Unit:
    street = Unit.objects.add_child(tree.district, create_kwargs={"name": "新区街道", "kind": UnitKind.STREET})
    for i in range(1, count + 1):
        street = Unit.objects.get(pk=street.pk)
        Unit.objects.add_child(street, create_kwargs={"name": f"{prefix}{i:02d}", "kind": UnitKind.COMMUNITY})
    return Unit.objects.get(pk=street.pk)


# --- /units/ ---------------------------------------------------------------------------------


def test_district_cadre_sees_the_district_as_the_only_top_unit(people, tree, login):
    response = login(people.district_cadre).get("/units/")
    assert response.status_code == 200
    assert nodes(response) == [(tree.district.pk, "示范区")]
    assert (
        '<a class="btn btn-sm btn-outline-primary" href="/units/import/">从 Excel 导入</a>' in response.content.decode()
    )


def test_street_cadre_sees_her_street_as_top_unit_and_not_the_district(people, tree, login):
    response = login(people.street_cadre).get("/units/")
    assert response.status_code == 200
    assert nodes(response) == [(tree.east.pk, "东街道")]


def test_readonly_user_sees_the_tree_without_the_import_button(people, tree, login):
    response = login(people.readonly_user).get("/units/")
    assert response.status_code == 200
    assert nodes(response) == [(tree.east.pk, "东街道")]
    assert "从 Excel 导入" not in response.content.decode()


def test_top_unit_shows_its_number_of_children_and_an_expand_button(people, tree, login):
    body = login(people.street_cadre).get("/units/").content.decode()
    assert f'hx-get="/units/{tree.east.pk}/children/"' in body
    assert '<span class="text-muted small">2</span>' in body


def test_user_without_a_unit_gets_404_on_the_tree_and_a_denied_audit_row(people, login):
    response = login(people.outsider).get("/units/")
    assert response.status_code == 404
    rows = audit_rows("denied", actor=people.outsider)
    assert [(r.path, r.additional_data) for r in rows] == [("/units/", {"reason": "no unit"})]


def test_audit_admin_has_no_tree_at_all(people, login):
    response = login(people.audit_admin).get("/units/")
    assert response.status_code == 404
    assert len(audit_rows("denied", actor=people.audit_admin)) == 1


# --- /units/<pk>/children/ -------------------------------------------------------------------


def test_children_partial_lists_the_children_in_tree_order(people, tree, login):
    response = login(people.district_cadre).get(f"/units/{tree.district.pk}/children/")
    assert response.status_code == 200
    assert nodes(response) == [(tree.east.pk, "东街道"), (tree.west.pk, "西街道")]
    body = response.content.decode()
    assert "<html" not in body  # a fragment for htmx, not a page
    assert body.count("hx-get=") == 2


def test_children_partial_marks_units_without_a_federation(people, tree, login):
    body = login(people.street_cadre).get(f"/units/{tree.east.pk}/children/").content.decode()
    assert body.count('<span class="badge text-bg-warning">未建妇联</span>') == 1
    assert nodes(body) == [(tree.east1.pk, "东一社区"), (tree.east2.pk, "东二社区")]


def test_children_partial_of_a_leaf_says_there_are_none(people, tree, login):
    response = login(people.community_cadre).get(f"/units/{tree.east1.pk}/children/")
    assert response.status_code == 200
    assert nodes(response) == []
    assert '<li class="text-muted">没有下级单位</li>' in response.content.decode()


def test_closed_child_is_shown_struck_through(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True)
    body = login(people.street_cadre).get(f"/units/{tree.east.pk}/children/").content.decode()
    assert f'<a href="/units/{tree.east2.pk}/" class="text-muted text-decoration-line-through">东二社区</a>' in body


def test_street_cadre_cannot_expand_the_sibling_street(people, tree, login):
    response = login(people.street_cadre).get(f"/units/{tree.west.pk}/children/")
    assert response.status_code == 404
    rows = audit_rows("denied", actor=people.street_cadre)
    assert [(r.object_pk, model_of(r)) for r in rows] == [(str(tree.west.pk), "unit")]


def test_street_cadre_cannot_expand_the_district_above_her(people, tree, login):
    assert login(people.street_cadre).get(f"/units/{tree.district.pk}/children/").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_children_partial_query_count_does_not_grow_with_the_number_of_children(
    people, tree, login, django_assert_num_queries, count
):
    street = _street_with_communities(tree, count)
    client = login(people.district_cadre)
    client.get("/units/")  # warm the session
    with django_assert_num_queries(CHILDREN_QUERIES):
        response = client.get(f"/units/{street.pk}/children/")
    assert len(nodes(response)) == count


CHILDREN_QUERIES = 7  # session, user, memberships, OTP device, unit, breadcrumb, children (no session write)


# --- /units/search/ --------------------------------------------------------------------------


def test_search_by_name_part_finds_units_with_their_trail(people, tree, login):
    response = login(people.district_cadre).get("/units/search/", {"q": "一社区"})
    assert response.status_code == 200
    assert search_hits(response) == [("东一社区", "示范区 / 东街道"), ("西一社区", "示范区 / 西街道")]


def test_street_cadre_search_stays_inside_her_street(people, tree, login):
    response = login(people.street_cadre).get("/units/search/", {"q": "社区"})
    assert search_hits(response) == [("东一社区", "示范区 / 东街道"), ("东二社区", "示范区 / 东街道")]


def test_search_by_division_code_prefix(people, tree, login):
    response = login(people.district_cadre).get("/units/search/", {"q": "33990100"})
    assert search_hits(response) == [("示范区", ""), ("东街道", "示范区"), ("西街道", "示范区")]


def test_search_by_code_prefix_does_not_reach_outside_the_scope(people, tree, login):
    response = login(people.street_cadre).get("/units/search/", {"q": "3399"})
    assert search_hits(response) == [("东街道", "示范区")]


def test_search_by_code_matches_prefixes_only(people, tree, login):
    response = login(people.district_cadre).get("/units/search/", {"q": "01001000"})
    assert search_hits(response) == []
    assert "没有找到“01001000”" in response.content.decode()


def test_search_accepts_full_width_digits_of_a_chinese_keyboard(people, tree, login):
    response = login(people.district_cadre).get("/units/search/", {"q": "３３９９０１００２"})
    assert search_hits(response) == [("西街道", "示范区")]


def test_search_for_a_sibling_unit_finds_nothing(people, tree, login):
    response = login(people.street_cadre).get("/units/search/", {"q": "西"})
    assert response.status_code == 200
    assert search_hits(response) == []
    assert '<div class="list-group-item text-muted">没有找到“西”</div>' in response.content.decode()


def test_search_without_a_term_shows_nothing(people, login):
    response = login(people.district_cadre).get("/units/search/", {"q": "  "})
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_user_without_a_unit_finds_nothing(people, login):
    response = login(people.outsider).get("/units/search/", {"q": "社区"})
    assert response.status_code == 200
    assert search_hits(response) == []


def test_search_shows_at_most_50_results_with_a_note(people, tree, login):
    _street_with_communities(tree, 51, prefix="测试社区")
    response = login(people.district_cadre).get("/units/search/", {"q": "测试社区"})
    hits = search_hits(response)
    assert len(hits) == 50
    assert hits[0] == ("测试社区01", "示范区 / 新区街道")
    assert hits[-1] == ("测试社区50", "示范区 / 新区街道")
    assert '<div class="small text-muted mt-1">只显示前 50 个结果,请输入更完整的名称</div>' in response.content.decode()


def test_search_with_exactly_50_results_has_no_note(people, tree, login):
    _street_with_communities(tree, 50, prefix="测试社区")
    response = login(people.district_cadre).get("/units/search/", {"q": "测试社区"})
    assert len(search_hits(response)) == 50
    assert "只显示前 50 个结果" not in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_search_query_count_does_not_grow_with_the_number_of_results(
    people, tree, login, django_assert_num_queries, count
):
    _street_with_communities(tree, count, prefix="测试社区")
    client = login(people.district_cadre)
    client.get("/units/")
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/units/search/", {"q": "测试社区"})
    assert len(search_hits(response)) == count


SEARCH_QUERIES = 7  # session, user, memberships, OTP device, units, trail names, breadcrumb (no session write)


def test_nested_memberships_show_one_root_in_the_tree(people, tree, login):
    from jinguo.accounts.models import Membership

    Membership.objects.create(user=people.district_cadre, unit=tree.east, role="readonly")
    body = login(people.district_cadre).get("/units/").content.decode()
    assert body.count('id="node-') == 1
    assert f'id="node-{tree.district.pk}"' in body


def test_a_clash_with_a_code_outside_her_view_does_not_name_the_unit(people, tree, login):
    client = login(people.street_cadre)
    response = client.post(
        f"/units/{tree.east.pk}/new/", {"name": "新社区", "kind": "community", "division_code": "339901002000"}
    )
    assert "区划代码 339901002000 已被其他单位使用" in response.content.decode()
    assert "西街道" not in response.content.decode()


def test_an_htmx_expansion_skips_the_layout_queries(people, tree, login, django_assert_num_queries):
    client = login(people.street_cadre)
    client.get("/")
    with django_assert_num_queries(6):  # session, user, memberships, OTP device, unit, children
        response = client.get(f"/units/{tree.east.pk}/children/", headers={"HX-Request": "true"})
    assert response.status_code == 200
