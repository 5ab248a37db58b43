"""The unit page: its facts, its children and the coverage figures of the units below it."""

from __future__ import annotations

import datetime as dt

import pytest

from jinguo.orgs.models import Unit

from .helpers import children_list

pytestmark = pytest.mark.django_db


def test_district_page_lists_both_streets(people, tree, login):
    response = login(people.district_cadre).get(f"/units/{tree.district.pk}/")
    assert response.status_code == 200
    assert children_list(response) == [("东街道", "街道", "已建妇联"), ("西街道", "街道", "已建妇联")]
    assert "下级单位(2)" in response.content.decode()


def test_street_page_lists_its_communities_with_their_federation_state(people, tree, login):
    response = login(people.street_cadre).get(f"/units/{tree.east.pk}/")
    assert children_list(response) == [("东一社区", "社区", "已建妇联"), ("东二社区", "社区", "未建妇联")]


def test_unit_page_shows_code_federation_date_address_and_phone(people, tree, login):
    Unit.objects.filter(pk=tree.east.pk).update(
        federation_since=dt.date(2019, 3, 8), address="东街道1号", phone="0571-88000000", notes="第一行\n第二行"
    )
    body = login(people.street_cadre).get(f"/units/{tree.east.pk}/").content.decode()
    assert '<dt class="col-4">区划代码</dt><dd class="col-8 mono">339901001000</dd>' in body
    assert '<dd class="col-8">已建立(2019年3月8日)</dd>' in body
    assert '<dt class="col-4">地址</dt><dd class="col-8">东街道1号</dd>' in body
    assert '<dt class="col-4">联系电话</dt><dd class="col-8">0571-88000000</dd>' in body
    assert '<dt class="col-4">备注</dt><dd class="col-8">第一行<br>第二行</dd>' in body


def test_unit_without_a_federation_says_so_in_red(people, tree, login):
    body = login(people.street_cadre).get(f"/units/{tree.east2.pk}/").content.decode()
    assert '<dd class="col-8"><span class="text-danger">未建立</span></dd>' in body
    assert '<dd class="col-8 mono">—</dd>' in body


def test_cadre_sees_the_management_buttons(people, tree, login):
    body = login(people.district_cadre).get(f"/units/{tree.east.pk}/").content.decode()
    assert f'href="/units/{tree.east.pk}/new/">新建下级单位</a>' in body
    assert f'href="/units/{tree.east.pk}/edit/">编辑</a>' in body
    assert f'href="/units/{tree.east.pk}/move/">迁移</a>' in body
    assert f'action="/units/{tree.east.pk}/close/"' in body
    assert f'action="/units/{tree.east.pk}/delete/"' in body


def test_street_cadre_may_edit_her_street_but_not_move_or_delete_it(people, tree, login):
    body = login(people.street_cadre).get(f"/units/{tree.east.pk}/").content.decode()
    assert f'href="/units/{tree.east.pk}/edit/">编辑</a>' in body
    assert f'href="/units/{tree.east.pk}/move/"' not in body
    assert f'action="/units/{tree.east.pk}/delete/"' not in body


def test_readonly_user_sees_no_management_buttons(people, tree, login):
    body = login(people.readonly_user).get(f"/units/{tree.east.pk}/").content.decode()
    for fragment in ("/new/", "/edit/", "/move/", "/close/", "/delete/", "/reopen/"):
        assert f"/units/{tree.east.pk}{fragment}" not in body


def test_closed_unit_page_offers_reopening_instead_of_closing(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True, closed_reason="合并到东一社区")
    body = login(people.street_cadre).get(f"/units/{tree.east2.pk}/").content.decode()
    assert '<span class="badge text-bg-secondary">已撤销</span>' in body
    assert f'action="/units/{tree.east2.pk}/reopen/"' in body
    assert f'action="/units/{tree.east2.pk}/close/"' not in body
    assert f'href="/units/{tree.east2.pk}/new/"' not in body
    assert " 合并到东一社区</dd>" in body


def test_unit_page_breadcrumb_shows_the_unit_path_with_links_only_inside_her_view(people, tree, login):
    body = login(people.street_cadre).get(f"/units/{tree.east1.pk}/").content.decode()
    crumbs = body.split('id="breadcrumb"')[1].split("</ol>")[0]
    assert '<li class="breadcrumb-item">示范区</li>' in crumbs
    assert f'<a href="/units/{tree.east.pk}/">东街道</a>' in crumbs
    assert f'<a href="/units/{tree.east1.pk}/">东一社区</a>' in crumbs
