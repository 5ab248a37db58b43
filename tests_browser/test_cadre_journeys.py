"""What the cadres and admins of the demo district do in a real browser.

The fixtures (conftest.py) fail a test on any console error, script error, failed request or
unexpected response >= 400 in any page it opened.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from jinguo.orgs.models import Unit

LOGIN_FAILED = "用户名或密码错误。连续失败5次,账户将被锁定30分钟。"


def test_street_cadre_sees_her_dashboard_tree_and_search_but_not_the_sibling_street(browse):
    east = Unit.objects.get(name="城东街道")
    west = Unit.objects.get(name="城西街道")
    west_communities = list(Unit.objects.get_children(west).values_list("name", flat=True))
    page = browse.page

    browse.login("jd1_ganbu")

    # The dashboard of her street, with its coverage sentence and the chart drawn on a canvas.
    expect(page).to_have_url(browse.url("/"))
    expect(page.locator("h1")).to_have_text("工作台 · 城东街道")
    expect(page.locator("#coverage-sentence")).to_have_text("6个社区全部建立了妇联组织")
    expect(page.locator("#fig-total")).to_have_text("6")
    chart = page.locator(".chart[data-kind=coverage]")
    expect(chart).to_have_attribute("data-drawn", "1")
    canvas = chart.locator("canvas")
    expect(canvas).to_have_count(1)
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width > 0 && c.height > 0")

    # The unit tree from the side menu; her street's children come in by htmx on a click.
    page.locator("#menu").get_by_role("link", name="组织网络").click()
    expect(page).to_have_url(browse.url("/units/"))
    expect(page.locator("h1")).to_have_text("组织网络")
    expect(page.locator("#menu .nav-link.active")).to_have_text("组织网络")
    kids = page.locator(f"#kids-{east.pk}")
    expect(kids.get_by_role("link")).to_have_count(0)
    page.get_by_role("button", name="展开 城东街道").click()
    expect(kids.get_by_role("link", name="东湖社区", exact=True)).to_be_visible()
    communities = ["东湖社区", "梅园社区", "朝晖社区", "新塘社区", "东园社区", "景华社区"]
    expect(kids.locator("li > a")).to_have_text(communities)

    # The search box finds a community by name, with the trail of units above it.
    page.get_by_label("查找单位").fill("东湖社区")
    result = page.locator("#search-list a")
    expect(result).to_have_count(1)
    expect(result.locator("div").first).to_contain_text("东湖社区")
    expect(result.locator("div.small")).to_have_text("示范区 / 城东街道")
    result.click()
    expect(page.locator("h1")).to_contain_text("东湖社区")

    # A unit of the other street, by its address: the same 404 as a missing page, and no name.
    browse.expect_status(f"/units/{west.pk}/", 404)
    response = browse.goto(f"/units/{west.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("#not-found h1")).to_have_text("未找到该页面或记录")
    body = page.locator("body")
    expect(body).not_to_contain_text("城西街道")
    for name in west_communities:
        expect(body).not_to_contain_text(name)


def test_phone_keeps_the_side_menu_behind_the_menu_button(phone):
    page = phone.page
    phone.login("jd1_ganbu")
    expect(page.locator("h1")).to_have_text("工作台 · 城东街道")

    menu = page.locator("#sidemenu")
    expect(menu).to_be_hidden()
    expect(menu.get_by_role("link", name="组织网络")).to_be_hidden()
    button = page.locator("nav.navbar button[data-bs-target='#sidemenu']")
    expect(button).to_have_text("☰ 菜单")
    expect(button).to_be_visible()

    button.tap()
    expect(menu).to_be_visible()
    expect(menu.locator(".offcanvas-title")).to_have_text("功能菜单")
    expect(menu.locator("#menu .nav-link")).to_have_text(
        ["工作台", "组织网络", "人员台账", "维权案件", "回访", "重点家庭", "维权月报", "维权设置", "用户管理"]
    )
    expect(menu).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # the drawer has finished sliding in
    phone.shoot("10-menu-open")
    menu.get_by_role("link", name="组织网络").tap()
    expect(page).to_have_url(phone.url("/units/"))
    expect(page.locator("h1")).to_have_text("组织网络")
    expect(page.locator("#sidemenu")).to_be_hidden()


def test_wrong_password_stays_on_the_login_page_with_the_error(browse):
    page = browse.page
    browse.login("jd1_ganbu", password="Wrong@2026")

    expect(page).to_have_url(browse.url("/accounts/login/"))
    expect(page.locator("#login-error")).to_have_text(LOGIN_FAILED)
    expect(page.get_by_label("用户名", exact=True)).to_have_value("jd1_ganbu")
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    expect(page.locator("#sidemenu")).to_have_count(0)


def test_sys_admin_first_login_sets_up_the_authenticator(browse):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jinguo.accounts.otp import secret_base32

    from .conftest import current_token

    page = browse.page
    browse.login("sys_admin")

    expect(page).to_have_url(browse.url("/accounts/otp/?next=%2F"))
    expect(page.locator("h1")).to_have_text("绑定动态口令")
    qr = page.locator(".qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None
    assert (box["width"], box["height"]) == (200, 200)
    pending = TOTPDevice.objects.get(user__username="sys_admin", confirmed=False)
    secret = page.locator("#otp-secret")
    expect(secret).to_have_text(secret_base32(pending))
    expect(secret).to_have_text(re.compile(r"^[A-Z2-7]{32}$"))
    # Nothing of the platform shows before the second factor is bound: no menu, no unit, and a
    # page typed into the address bar leads back here.
    expect(page.locator("#sidemenu")).to_have_count(0)
    expect(page.locator("#breadcrumb")).to_have_count(0)
    browse.goto("/units/")
    expect(page).to_have_url(browse.url("/accounts/otp/?next=%2Funits%2F"))
    expect(page.locator("#otp-secret")).to_have_text(secret_base32(pending))

    # Typing the authenticator's number binds it and goes on to the page she asked for.
    page.get_by_label("动态口令").fill(current_token(pending))
    page.get_by_role("button", name="绑定并继续").click()
    expect(page).to_have_url(browse.url("/units/"))
    expect(page.locator("#messages")).to_have_text("动态口令已启用")
    expect(page.locator("h1")).to_have_text("组织网络")
    assert TOTPDevice.objects.filter(user__username="sys_admin", confirmed=True).count() == 1


def test_the_watcher_catches_a_content_security_policy_violation(browse):
    """The other tests' silence means something: a CDN image is refused, and that is noticed."""
    page = browse.page
    browse.goto("/accounts/login/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "() => { const i = document.createElement('img');"
            " i.src = 'https://assets-host.example.invalid/x.png'; document.body.append(i); }"
        )
    page.wait_for_timeout(100)
    assert any("Content Security Policy" in p and "assets-host.example.invalid" in p for p in browse.problems)
    browse.problems.clear()
