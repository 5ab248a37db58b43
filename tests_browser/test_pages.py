"""Every page of the platform at desktop and phone size: it loads clean (no console error, no
failed request), shows its heading, and nothing is wider than the screen.

With JINGUO_SHOTS=<directory> the pages are also saved there as full-page screenshots
(`desktop-03-tree.png`, `phone-03-tree.png` ...) for a person to look at.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jinguo.accounts.models import User
from jinguo.cases.access import cases_for
from jinguo.cases.models import Case, FollowUp, KeyFamily, Kind, Status
from jinguo.cases.report import monthly_report
from jinguo.orgs.models import Unit
from jinguo.people.models import HouseholdMember, Person

from .conftest import DESKTOP, PHONE, Browse


def check(browse: Browse, name: str, heading: str) -> None:
    """The page shows `heading`, fits the screen's width, and is saved when asked."""
    page = browse.page
    expect(page.locator("h1")).to_have_text(heading)
    # networkidle, not just load: leaving a page while its favicon still loads aborts that request,
    # which the watcher reports as a failed request.
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0, f"{name} is {overflow}px wider than the screen"
    browse.shoot(name)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_loads_clean_and_fits_the_screen(open_browser, viewport):
    east = Unit.objects.get(name="城东街道")
    town = Unit.objects.get(name="青山镇")
    district = Unit.objects.get(name="示范区")

    anonymous = open_browser(viewport)
    anonymous.goto("/accounts/login/")
    check(anonymous, "01-login", "巾帼通 · 妇联工作平台")

    # The district cadre (王秀兰) sees the whole district.
    cadre = open_browser(viewport)
    page = cadre.page
    cadre.login("qu_ganbu")
    expect(page.locator(".chart canvas")).to_be_visible()
    expect(page.locator("#coverage-sentence")).to_have_text(
        "7个街道、3个乡镇、38个社区、2个企事业单位妇委会/女职委全部建立了妇联组织;"
        "21个村中18个建立了妇联组织(85.71%);3个两新组织中2个建立了妇联组织(66.67%)"
    )
    check(cadre, "02-dashboard", "工作台 · 示范区")

    cadre.goto("/units/")
    for unit in (district, east, town):
        page.get_by_role("button", name=f"展开 {unit.name}").click()
        expect(page.locator(f"#kids-{unit.pk} li").first).to_be_visible()
    expect(page.locator(f"#kids-{east.pk}").get_by_role("link", name="东湖社区")).to_be_visible()
    check(cadre, "03-tree", "组织网络")

    page.get_by_label("查找单位").fill("社区")
    expect(page.locator("#search-list a")).to_have_count(38)
    check(cadre, "03b-search", "组织网络")

    cadre.goto(f"/units/{east.pk}/")
    check(cadre, "04-unit", "城东街道 街道")

    cadre.goto("/units/import/")
    check(cadre, "05-import", "从 Excel 导入组织名单")

    cadre.goto("/accounts/users/")
    expect(page.locator("#user-table tbody tr")).to_have_count(8)
    check(cadre, "06-users", "用户管理")

    cadre.expect_status("/units/999999/", 404)
    cadre.goto("/units/999999/")
    check(cadre, "09-not-found", "未找到该页面或记录")

    # The person registry: the list, a child's page (guardian, categories, family), the forms.
    cadre.goto("/people/")
    expect(page.locator("#person-count")).to_have_text(f"共 {Person.objects.count()} 人")
    expect(page.locator("#person-table tbody tr")).to_have_count(50)
    check(cadre, "10-people", "人员台账")

    child = (
        Person.objects.in_category("migrant_child")
        .exclude(guardian=None)
        .filter(pk__in=HouseholdMember.objects.values("person_id"))
        .order_by("pk")
        .first()
    )
    assert child is not None
    cadre.goto(f"/people/{child.pk}/")
    expect(page.locator("#guardian")).to_have_text(child.guardian.name if child.guardian else "")
    check(cadre, "11-person", child.name)

    cadre.goto("/people/new/")
    expect(page.locator("#person-form")).to_be_visible()
    check(cadre, "12-person-form", "登记人员")

    cadre.goto("/ledgers/persons/import/")
    expect(page.locator("#ledger-upload")).to_be_visible()
    check(cadre, "13-ledger-import", "导入人员台账")

    # The rights-protection register: the list, a mediation case (not a violence case, whose every
    # opening is audited), the intake form, the report, the key families, follow-ups, settings.
    cadre.goto("/cases/")
    expect(page.locator("#case-count")).to_have_text(f"共 {Case.objects.count()} 件")
    expect(page.locator("#case-table tbody tr")).to_have_count(50)
    check(cadre, "14-cases", "维权案件")

    mediation = (
        Case.objects.filter(kind=Kind.MEDIATION, status=Status.CLOSED, agreement_reached=True)
        .exclude(follow_ups__done_on=None)
        .order_by("pk")
        .first()
    )
    assert mediation is not None and not mediation.is_violence
    cadre.goto(f"/cases/{mediation.pk}/")
    expect(page.locator("#case-status")).to_have_text("结案")
    expect(page.locator("#agreement-docx")).to_be_visible()
    check(cadre, "15-case", mediation.number)

    cadre.goto("/cases/new/")
    expect(page.locator("#case-form")).to_be_visible()
    check(cadre, "16-case-form", "登记来信来访 / 调解 / 家暴案件")

    this_month = monthly_report(User.objects.get(username="qu_ganbu"), district, timezone.localdate().replace(day=1))
    cadre.goto("/cases/report/")
    expect(page.locator("#report-sentence")).to_have_text(this_month.sentence())
    received = any(r.count for r in this_month.by_category)
    expect(page.locator(".chart[data-drawn] canvas")).to_have_count(2 if received else 1)
    expect(page.locator("#chart-category-empty")).to_have_count(0 if received else 1)
    check(cadre, "17-report", "维权工作月报")

    listed = KeyFamily.objects.listed()
    cadre.goto("/cases/families/")
    expect(page.locator("#family-count")).to_have_text(f"共 {listed.count()} 户")
    check(cadre, "18-families", "重点家庭")

    family = listed.exclude(visits=None).select_related("person").order_by("pk").first()
    assert family is not None
    cadre.goto(f"/cases/families/{family.pk}/")
    expect(page.locator("#visits li")).to_have_count(family.visits.count())
    check(cadre, "19-family", f"{family.person.name}家")

    pending = FollowUp.objects.pending().filter(case__in=cases_for(User.objects.get(username="qu_ganbu")))
    cadre.goto("/cases/follow-ups/")
    expect(page.locator("#follow-up-count")).to_have_text(f"共 {pending.count()} 次")
    check(cadre, "20-follow-ups", "回访")

    cadre.goto("/cases/settings/")
    expect(page.locator("#limits-form")).to_be_visible()
    check(cadre, "21-case-settings", "维权工作设置 · 示范区")

    # The audit admin, past her second factor, reads the log of what happened above.
    auditor = open_browser(viewport)
    auditor.login_with_second_factor("audit_admin")
    expect(auditor.page).to_have_url(auditor.url("/"))
    auditor.goto("/audit/")
    rows = auditor.page.locator("#audit-table tbody tr")
    expect(rows.locator("td:nth-child(2)")).to_have_text(["audit_admin", "qu_ganbu", "qu_ganbu"])
    expect(rows.locator("td:nth-child(4)")).to_have_text(["登录", "拒绝访问", "登录"])
    check(auditor, "07-audit", "审计日志")

    # The system admin at her first login: the authenticator setup.
    admin = open_browser(viewport)
    admin.login("sys_admin")
    expect(admin.page.locator(".qr svg")).to_be_visible()
    check(admin, "08-otp-setup", "绑定动态口令")
