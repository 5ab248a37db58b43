"""The person registry (人员台账) in a real browser: the list with its filters and category badges,
the person page with its masked fields and the audited reveal, the scope of a community cadre, the
import wizard, and the list and person page on a phone.

Every expected number is computed from the test database (the demo district of `seed_demo`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from playwright.sync_api import expect

from jinguo.core.crypto import mask_id_number, mask_phone
from jinguo.core.ledger.testing import xlsx_bytes
from jinguo.core.models import AuditEntry, ImportJob
from jinguo.core.tree import under
from jinguo.orgs.models import Unit
from jinguo.people.fake import make_id_number
from jinguo.people.models import Category, Person, PersonCategory

from .conftest import PHONE, Browse

PAGE_SIZE = 50  # jinguo.people.views.PAGE_SIZE
PAGER = "nav[aria-label='分页'] .page-item.disabled"  # 第 1 / N 页,共 M 条
BAD_CHECK_DIGIT = "身份证号校验位不正确,请核对号码"


def listed(qs) -> list[Person]:
    """The persons of `qs` as the list shows them: by unit, then name; its first page."""
    return list(qs.select_related("unit").order_by("unit_path", "name", "pk")[:PAGE_SIZE])


def pager_text(total: int) -> str:
    return f"第 1 / {math.ceil(total / PAGE_SIZE)} 页,共 {total} 条"


def commonest_initials() -> str:
    """The pinyin initials most demo persons share (ties: the first in alphabetical order)."""
    row = (
        Person.objects.values("name_initials")
        .annotate(n=Count("pk"))
        .order_by("-n", "name_initials")
        .values_list("name_initials", flat=True)
        .first()
    )
    assert row
    return row


def expect_rows(browse: Browse, persons: list[Person], *, searched: bool = False) -> None:
    """The table lists exactly `persons`, with masked ID numbers and phones, and no whole one is
    anywhere in the page; or, when she `searched` for a whole number (which the search box and the
    links that keep the filters repeat), anywhere in the table."""
    table = browse.page.locator("#person-table tbody tr")
    expect(table.locator("td:nth-child(1)")).to_have_text([p.name for p in persons])
    expect(table.locator("td:nth-child(4)")).to_have_text([mask_id_number(p.id_number) for p in persons])
    expect(table.locator("td:nth-child(5)")).to_have_text([mask_phone(p.phone) for p in persons])
    expect(table.locator("td:nth-child(6)")).to_have_text([p.unit.name for p in persons])
    html = browse.page.locator("#person-table").evaluate("t => t.outerHTML") if searched else browse.page.content()
    assert [p.name for p in persons if p.id_number and p.id_number in html] == []
    assert [p.name for p in persons if p.phone and p.phone in html] == []


def no_horizontal_overflow(browse: Browse) -> int:
    return int(
        browse.page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def settle(browse: Browse) -> None:
    """Let the page finish its own requests (the favicon) before leaving it: leaving while one is
    in flight aborts it, and the watcher counts an aborted request as a failure."""
    browse.page.wait_for_load_state("networkidle")


# For each select of the filter form: its chosen text, and whether it fits inside the select
# beside the arrow (the text's width in the select's font plus its padding, against its width).
SELECTS_SHOWN_WHOLE = """() => [...document.querySelectorAll('#person-filter select')].map(s => {
  const cs = getComputedStyle(s), probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
  probe.style.font = cs.font;
  probe.textContent = s.options[s.selectedIndex].text;
  document.body.append(probe);
  const needed = probe.getBoundingClientRect().width + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
  probe.remove();
  return [s.name, probe.textContent.trim(), needed <= s.clientWidth];
})"""


def test_district_cadre_filters_the_list_by_category_badge_and_pinyin_and_sees_only_masked_numbers(browse):
    total = Person.objects.count()
    by_category = {
        c.code: PersonCategory.objects.filter(category=c, ended_on__isnull=True).count()
        for c in Category.objects.filter(is_active=True)
    }
    migrant = Person.objects.in_category("migrant_child")
    term = commonest_initials()
    found = Person.objects.filter(name_initials__startswith=term)
    assert (total, by_category["migrant_child"], by_category["left_behind_child"]) == (4333, 941, 494)
    assert found.count() > PAGE_SIZE  # the search fills more than one page
    page = browse.page

    browse.login("qu_ganbu")
    settle(browse)
    page.locator("#menu").get_by_role("link", name="人员台账").click()
    expect(page).to_have_url(browse.url("/people/"))
    expect(page.locator("h1")).to_have_text("人员台账")
    expect(page.locator("#person-count")).to_have_text(f"共 {total} 人")
    badges = page.locator("#category-counts a[data-category]")
    shown = {b.get_attribute("data-category"): int(b.locator(".count").inner_text()) for b in badges.all()}
    assert shown == by_category
    expect(page.locator("#person-table tbody tr")).to_have_count(PAGE_SIZE)
    expect_rows(browse, listed(Person.objects.all()))
    expect(page.locator(PAGER)).to_have_text(pager_text(total))

    # A badge is a filter: 流动儿童 lists its 941 children.
    badge = page.locator("#category-counts a[data-category=migrant_child]")
    expect(badge).to_have_text(f"流动儿童 {by_category['migrant_child']}")
    settle(browse)
    badge.click()
    expect(page).to_have_url(browse.url("/people/?category=migrant_child"))
    expect(page.locator("#person-count")).to_have_text(f"共 {by_category['migrant_child']} 人符合条件")
    expect(badge).to_have_class("badge rounded-pill text-decoration-none text-bg-primary")
    expect(page.get_by_label("人员类别")).to_have_value("migrant_child")
    expect_rows(browse, listed(migrant))
    categories = page.locator("#person-table tbody tr td:nth-child(7)")
    expect(categories).to_have_count(PAGE_SIZE)
    for cell in categories.all():
        expect(cell.locator(".badge", has_text="流动儿童")).to_have_count(1)
    expect(page.locator(PAGER)).to_have_text(pager_text(by_category["migrant_child"]))

    # A pinyin search over every category: the rows the database has for those initials.
    page.get_by_label("人员类别").select_option("")
    page.get_by_label("搜索").fill(term.upper())
    settle(browse)
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(browse.url(f"/people/?q={term.upper()}&category=&unit=&gender=&age="))
    expect(page.locator("#person-count")).to_have_text(f"共 {found.count()} 人符合条件")
    expect_rows(browse, listed(found))
    expect(page.locator(PAGER)).to_have_text(pager_text(found.count()))
    facets = {b.get_attribute("data-category"): int(b.locator(".count").inner_text()) for b in badges.all()}
    assert facets == {
        code: PersonCategory.objects.filter(category__code=code, ended_on__isnull=True, person__in=found).count()
        for code in by_category
    }


def test_district_cadre_reveals_a_masked_id_number_and_the_reveal_is_audited(browse):
    person = Person.objects.exclude(id_hash=None).exclude(phone_hash=None).order_by("pk").first()
    assert person is not None
    id_number = person.id_number
    assert id_number is not None and len(id_number) == 18
    masked_id = mask_id_number(id_number)
    assert masked_id == id_number[:6] + "********" + id_number[-4:]
    person_type = ContentType.objects.get_for_model(Person)
    accesses = AuditEntry.objects.filter(event="access", content_type=person_type, object_pk=str(person.pk))
    before = accesses.count()
    page = browse.page

    # She finds the person by the whole ID number and opens her page.
    browse.login("qu_ganbu")
    settle(browse)
    browse.goto("/people/")
    page.get_by_label("搜索").fill(id_number)
    settle(browse)
    page.get_by_label("搜索").press("Enter")
    expect(page.locator("#person-count")).to_have_text("共 1 人符合条件")
    expect_rows(browse, [person], searched=True)
    settle(browse)
    page.locator("#person-table").get_by_role("link", name=person.name, exact=True).click()
    expect(page).to_have_url(browse.url(f"/people/{person.pk}/"))
    expect(page.locator("h1")).to_have_text(person.name)

    id_value = page.locator("#val-id_number")
    expect(id_value.locator(".mono")).to_have_text(masked_id)
    expect(page.locator("#val-phone .mono")).to_have_text(mask_phone(person.phone))
    assert id_number not in page.content()
    assert accesses.count() == before

    # 查看完整信息 beside the ID number: the whole number comes in by htmx, marked as recorded.
    with page.expect_response(browse.url(f"/people/{person.pk}/reveal/")) as reveal:
        id_value.get_by_role("button", name="查看完整信息").click()
    assert reveal.value.status == 200
    expect(id_value.locator(".revealed")).to_have_text(id_number)
    expect(id_value.locator(".badge")).to_have_text("完整信息,已记录查看")
    expect(page).to_have_url(browse.url(f"/people/{person.pk}/"))
    # the phone stays masked
    expect(page.locator("#val-phone .mono")).to_have_text(mask_phone(person.phone))
    expect(page.locator("#val-phone").get_by_role("button", name="查看完整信息")).to_have_count(1)
    browse.shoot("16-person-revealed")

    assert accesses.count() == before + 1
    entry = accesses.latest("pk")
    assert (entry.username, entry.object_repr) == ("qu_ganbu", str(person))
    assert id_number not in entry.object_repr


def test_community_cadre_lists_only_her_community_and_another_streets_person_is_not_found(browse):
    donghu = Unit.objects.get(name="东湖社区")
    west = Unit.objects.get(name="城西街道")
    mine = Person.objects.filter(unit=donghu)
    total = mine.count()
    assert total == Person.objects.filter(under("unit_path", donghu.path)).count() == 83
    other = Person.objects.filter(under("unit_path", west.path)).order_by("pk").first()
    assert other is not None
    page = browse.page

    browse.login("sq1_ganbu")
    settle(browse)
    browse.goto("/people/")
    expect(page.locator("h1")).to_have_text("人员台账")
    expect(page.locator("#person-count")).to_have_text(f"共 {total} 人")
    expect_rows(browse, listed(mine))
    expect(page.locator("#person-table tbody tr td:nth-child(6)")).to_have_text(["东湖社区"] * PAGE_SIZE)
    expect(page.locator(PAGER)).to_have_text(pager_text(total))
    settle(browse)
    page.get_by_role("link", name="下一页").click()
    expect(page).to_have_url(browse.url("/people/?page=2"))
    expect(page.locator("#person-table tbody tr td:nth-child(6)")).to_have_text(["东湖社区"] * (total - PAGE_SIZE))

    # A person of 城西街道 by her address: the same 404 as a missing page, without her name.
    browse.expect_status(f"/people/{other.pk}/", 404)
    settle(browse)
    response = browse.goto(f"/people/{other.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("#not-found h1")).to_have_text("未找到该页面或记录")
    expect(page.locator("body")).not_to_contain_text(other.name)


def test_street_cadre_imports_a_three_row_ledger_through_the_preview_and_the_confirmation(
    open_browser, browse, tmp_path: Path
):
    east = Unit.objects.get(name="城东街道")
    donghu = Unit.objects.get(name="东湖社区")
    meiyuan = Unit.objects.get(name="梅园社区")
    assert donghu.path.startswith(east.path) and meiyuan.path.startswith(east.path)
    existing = Person.objects.filter(unit=meiyuan, gender="F").exclude(id_hash=None).order_by("pk").first()
    assert existing is not None
    new_id = make_id_number(dt.date(1991, 3, 8), 5)
    good = make_id_number(dt.date(1988, 4, 1), 3)
    bad_id = good[:-1] + ("1" if good[-1] != "1" else "2")  # a wrong check digit
    assert not Person.objects.search(new_id).exists()
    assert not Person.objects.search(good).exists()
    before = Person.objects.count()
    sheet = tmp_path / "城东街道人员台账.xlsx"
    sheet.write_bytes(
        xlsx_bytes(
            [
                ["姓名", "性别", "身份证号", "联系电话", "所属单位"],
                ["林晓雯", "女", new_id, "13900008888", None],  # goes to the default unit
                ["孙丽", "女", bad_id, None, "东湖社区"],
                [existing.name, "女", existing.id_number, "13900007777", "梅园社区"],
            ]
        )
    )
    page = browse.page

    browse.login("jd1_ganbu")
    settle(browse)
    browse.goto("/people/")
    settle(browse)
    page.locator("#ledger-import").click()
    expect(page).to_have_url(browse.url("/ledgers/persons/import/"))
    expect(page.locator("h1")).to_have_text("导入人员台账")
    form = page.locator("#ledger-upload")
    form.get_by_label("台账文件").set_input_files(str(sheet))
    form.get_by_label("默认所属单位").select_option(str(donghu.pk))
    settle(browse)
    form.get_by_role("button", name="上传并预览").click()

    expect(page).to_have_url(re.compile(r"/ledgers/imports/\d+/$"))
    job = ImportJob.objects.get(user__username="jd1_ganbu")
    expect(page).to_have_url(browse.url(f"/ledgers/imports/{job.pk}/"))
    expect(page.locator("h1")).to_have_text("导入预览 · 城东街道人员台账.xlsx")
    expect(page.locator("#import-status")).to_have_text("待确认")
    counts = {"total": 3, "new": 1, "updated": 1, "unchanged": 0, "refused": 1}
    for key, n in counts.items():
        expect(page.locator(f"#import-counts [data-count={key}]")).to_have_text(str(n))
    refused = page.locator("#refused-rows tbody tr")
    expect(refused).to_have_count(1)
    expect(refused.locator("td")).to_have_text(["3", "孙丽", "身份证号", BAD_CHECK_DIGIT])
    expect(page.locator("#update-rows tbody tr td")).to_have_text(["4", existing.name, "联系电话"])
    assert Person.objects.count() == before  # nothing written before the confirmation
    browse.shoot("14-import-preview")

    # She confirms (the browser asks once more) and the import runs to its end.
    page.once("dialog", lambda dialog: dialog.accept())
    settle(browse)
    page.get_by_role("button", name="确认导入(新增 1,更新 1)").click()
    expect(page.locator("#import-progress .alert-success")).to_have_text(
        "导入完成:新增 1 条,更新 1 条,无变化 0 条,拒绝 1 行。"
    )
    expect(page).to_have_url(browse.url(f"/ledgers/imports/{job.pk}/"))
    expect(page.locator("h1")).to_have_text("导入结果 · 城东街道人员台账.xlsx")
    expect(page.locator("#import-status")).to_have_text("已导入")
    for key, n in counts.items():
        expect(page.locator(f"#import-counts [data-count={key}]")).to_have_text(str(n))
    expect(page.locator("#refused-rows tbody tr td")).to_have_text(["3", "孙丽", "身份证号", BAD_CHECK_DIGIT])
    browse.shoot("15-import-done")

    # The result on her phone: the counts and the refused row fit the screen.
    phone = open_browser(PHONE)
    phone.login("jd1_ganbu")
    settle(phone)
    phone.goto(f"/ledgers/imports/{job.pk}/")
    expect(phone.page.locator("#import-progress .alert-success")).to_have_text(
        "导入完成:新增 1 条,更新 1 条,无变化 0 条,拒绝 1 行。"
    )
    expect(phone.page.locator("#refused-rows")).to_be_visible()
    assert no_horizontal_overflow(phone) == 0
    phone.shoot("15-import-done")

    job.refresh_from_db()
    assert (job.status, job.counts) == ("committed", counts)
    assert Person.objects.count() == before + 1
    new = Person.objects.search(new_id).get()
    assert (new.name, new.unit, new.gender, new.birth_date, new.phone, new.created_by.username) == (
        "林晓雯",
        donghu,
        "F",
        dt.date(1991, 3, 8),
        "13900008888",
        "jd1_ganbu",
    )
    existing.refresh_from_db()
    assert (existing.unit, existing.phone) == (meiyuan, "13900007777")
    assert not Person.objects.search(bad_id).exists()


def test_on_a_phone_the_list_and_a_person_page_fit_the_screen_and_the_search_works(phone):
    term = "lsy"  # 李思远, 刘思雨, 刘素英...
    found = Person.objects.filter(name_initials__startswith=term)
    n = found.count()
    assert 1 < n < PAGE_SIZE
    first = listed(found)[0]
    page = phone.page

    phone.login("qu_ganbu")
    settle(phone)
    phone.goto("/people/")
    expect(page.locator("h1")).to_have_text("人员台账")
    assert no_horizontal_overflow(phone) == 0
    table = page.locator(".table-responsive #person-table")
    expect(table).to_have_count(1)  # the wide table scrolls inside its wrapper

    search = page.get_by_label("搜索")
    box = search.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    search.tap()
    search.fill(term)
    button = page.get_by_role("button", name="筛选")
    expect(button).to_be_in_viewport()
    settle(phone)
    button.tap()
    expect(page).to_have_url(phone.url(f"/people/?q={term}&category=&unit=&gender=&age="))
    expect(page.locator("#person-count")).to_have_text(f"共 {n} 人符合条件")
    expect_rows(phone, listed(found))
    expect(page.locator("nav[aria-label='分页']")).to_have_count(0)
    assert no_horizontal_overflow(phone) == 0
    phone.shoot("20-people-search")

    settle(phone)
    page.locator("#person-table").get_by_role("link", name=first.name, exact=True).first.tap()
    expect(page).to_have_url(phone.url(f"/people/{first.pk}/"))
    expect(page.locator("h1")).to_have_text(first.name)
    expect(page.locator("#val-id_number .mono")).to_have_text(mask_id_number(first.id_number))
    assert no_horizontal_overflow(phone) == 0
    phone.shoot("21-person")


def test_the_filter_form_fits_phones_tablets_and_laptops_and_shows_every_chosen_filter_whole(browse):
    """The longest choices (单亲家庭儿童, 60岁及以上) stay readable and 清除 stays on the screen."""
    east = Unit.objects.get(name="城东街道")
    found = (
        Person.objects.in_category("single_parent_child")
        .filter(under("unit_path", east.path), gender="F")
        .aged(60, None)
    )
    assert found.count() == 0  # a child of 60: nobody, but the form is what this test looks at
    query = f"?category=single_parent_child&unit={east.pk}&gender=F&age=60-"
    blank = [["category", "全部类别"], ["unit", "全部单位(含下级)"], ["gender", "性别"], ["age", "年龄段"]]
    chosen = [["category", "单亲家庭儿童"], ["unit", "城东街道"], ["gender", "女"], ["age", "60岁及以上"]]
    page = browse.page

    browse.login("qu_ganbu")
    for width in (360, 390, 768, 820, 1024, 1200, 1366, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        for path, selects, count in (
            ("/people/", blank, f"共 {Person.objects.count()} 人"),
            (f"/people/{query}", chosen, "共 0 人符合条件"),
        ):
            settle(browse)
            browse.goto(path)
            expect(page.locator("#person-count")).to_have_text(count)
            assert (width, path, no_horizontal_overflow(browse)) == (width, path, 0)
            expect(page.get_by_role("button", name="筛选")).to_be_in_viewport(ratio=1)
            assert (width, page.evaluate(SELECTS_SHOWN_WHOLE)) == (width, [[*s, True] for s in selects])
        expect(page.locator("#person-filter").get_by_role("link", name="清除")).to_be_in_viewport(ratio=1)
        if width in (820, 1200):
            browse.shoot(f"30-people-filtered-{width}")
