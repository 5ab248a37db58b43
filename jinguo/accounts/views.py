from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from jinguo.core.access import deny
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import ActionError
from jinguo.orgs.models import Unit

from . import actions
from .access import get_membership_for_user, get_user_for_user, users_for
from .forms import GrantForm, LoginForm, OwnPasswordForm, SetPasswordForm, TokenForm, UserCreateForm
from .models import Membership, User
from .otp import confirmed_device, pending_device, qr_svg, secret_base32
from .permissions import Perm
from .scoping import scope_paths

LOCKED_MESSAGE = "登录失败次数过多,该账户已被锁定30分钟。请稍后再试,或联系安全管理员解除锁定。"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(request: AuthedHttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """What axes answers while a username is locked: the same for known and unknown names."""
    return render(request, "accounts/login.html", {"form": LoginForm(request), "locked": LOCKED_MESSAGE}, status=403)


def _next_url(request: AuthedHttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_required
def otp_view(request: AuthedHttpRequest) -> HttpResponse:
    """Verify the second factor, or set it up if the user has none yet."""
    user = request.user
    device = confirmed_device(user)
    form = TokenForm(request.POST or None)
    setup = device is None
    pending = pending_device(user) if setup else None
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if setup:
            assert pending is not None
            if actions.do_confirm_second_factor(user=user, device=pending, token=token):
                otp_login(request, pending)
                messages.success(request, "动态口令已启用")
                return redirect(_next_url(request))
        elif device is not None and device.verify_token(token.strip()):
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", "动态口令不正确或已过期,请重新输入")
    ctx: dict[str, Any] = {"form": form, "setup": setup, "next": request.GET.get("next", "")}
    if pending is not None:
        ctx.update(qr=qr_svg(pending), secret=secret_base32(pending))
    return render(request, "accounts/otp.html", ctx)


@login_required
def profile(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_change_own_password(
                user=user, current=form.cleaned_data["old_password"], password=form.cleaned_data["password"]
            )
        except ActionError as exc:
            form.add_error(exc.field if exc.field in form.fields else "password", exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改")
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "memberships": user.active_memberships(), "has_device": confirmed_device(user) is not None},
    )


# --- user management --------------------------------------------------------------------------


def _manage_units(user: Any) -> list[Unit]:
    return list(Unit.objects.for_user(user, perm=Perm.MANAGE_USERS).open().order_by("path")[:2000])


def _require_manager(request: AuthedHttpRequest) -> None:
    if not scope_paths(request.user, perm=Perm.MANAGE_USERS):
        raise deny(request.user, model=User, reason="manage_users")


@login_required
def user_list(request: AuthedHttpRequest) -> HttpResponse:
    _require_manager(request)
    qs = users_for(request.user)
    term = request.GET.get("q", "").strip()
    if term:
        qs = qs.filter(username__icontains=term) | qs.filter(full_name__icontains=term)
    visible = Membership.objects.for_user(request.user, perm=Perm.MANAGE_USERS).select_related("unit")
    qs = qs.prefetch_related(
        Prefetch("memberships", queryset=visible.order_by("unit__path"), to_attr="visible_memberships")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"section": "users", "page": page, "term": term})


@login_required
def user_create(request: AuthedHttpRequest) -> HttpResponse:
    _require_manager(request)
    form = UserCreateForm(
        request.POST or None, units=_manage_units(request.user), roles=actions.grantable_roles(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = Unit.objects.for_user(request.user, perm=Perm.MANAGE_USERS).filter(pk=data["unit"]).first()
        try:
            if unit is None:
                raise ActionError("请选择您管理范围内的单位", field="unit")
            user = actions.do_create_user(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                password=data["password"],
                unit=unit,
                role=data["role"],
                can_manage_users=data["can_manage_users"],
            )
        except ActionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已创建用户 {user.username}")
            return redirect("accounts:user_detail", user.pk)
    return render(request, "accounts/user_form.html", {"section": "users", "form": form})


@login_required
def user_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    target = get_user_for_user(request.user, pk)
    paths = scope_paths(request.user, perm=Perm.MANAGE_USERS)
    rows = list(Membership.objects.filter(user=target).select_related("unit").order_by("unit__path"))
    # Roles outside her subtree are counted, not shown: where else a person works is not hers to see.
    memberships = [{"m": m, "mine": True} for m in rows if any(m.unit_path.startswith(p) for p in paths)]
    others = len(rows) - len(memberships)
    grant = GrantForm(units=_manage_units(request.user), roles=actions.grantable_roles(request.user))
    pw = SetPasswordForm()
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "grant":
                grant = GrantForm(
                    request.POST, units=_manage_units(request.user), roles=actions.grantable_roles(request.user)
                )
                if grant.is_valid():
                    unit = Unit.objects.for_user(request.user, perm=Perm.MANAGE_USERS).get(
                        pk=grant.cleaned_data["unit"]
                    )
                    actions.do_grant_role(
                        actor=request.user,
                        user=target,
                        unit=unit,
                        role=grant.cleaned_data["role"],
                        can_manage_users=grant.cleaned_data["can_manage_users"],
                    )
                    messages.success(request, "已授权")
                    return redirect("accounts:user_detail", target.pk)
            elif op == "password":
                pw = SetPasswordForm(request.POST)
                if pw.is_valid():
                    actions.do_set_password(actor=request.user, user=target, password=pw.cleaned_data["password"])
                    messages.success(request, "已重置密码")
                    return redirect("accounts:user_detail", target.pk)
            elif op in ("activate", "deactivate"):
                actions.do_set_active(actor=request.user, user=target, active=op == "activate")
                messages.success(request, "已启用" if op == "activate" else "已停用")
                return redirect("accounts:user_detail", target.pk)
        except ActionError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "section": "users",
            "others": others,
            "target": target,
            "memberships": memberships,
            "grant": grant,
            "pw": pw,
            "manages_account": actions.manages_account(request.user, target),
        },
    )


@login_required
@require_POST
def membership_revoke(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    membership = get_membership_for_user(request.user, pk)
    try:
        actions.do_revoke_role(actor=request.user, membership=membership)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销该角色")
    return redirect("accounts:user_detail", membership.user_id)


# --- security admin ---------------------------------------------------------------------------


@login_required
def security(request: AuthedHttpRequest) -> HttpResponse:
    if not scope_paths(request.user, perm=Perm.MANAGE_SECURITY):
        raise deny(request.user, reason="manage_security")
    since = timezone.now() - dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )
    if request.method == "POST":
        try:
            if request.POST.get("op") == "unlock":
                actions.do_unlock(actor=request.user, username=request.POST.get("username", ""))
                messages.success(request, "已解除锁定")
            elif request.POST.get("op") == "reset_otp":
                target = get_user_for_user(request.user, request.POST.get("user"), perm=Perm.MANAGE_SECURITY)
                actions.do_reset_second_factor(actor=request.user, user=target)
                needs = target.has_admin_role()
                messages.success(
                    request,
                    f"已重置 {target.username} 的动态口令"
                    + (",下次登录时需重新绑定" if needs else ";如需继续使用,请其在“我的账户”中重新启用"),
                )
        except ActionError as exc:
            messages.error(request, exc.message)
        return redirect("accounts:security")
    users = users_for(request.user, perm=Perm.MANAGE_SECURITY)[:500]
    return render(
        request,
        "accounts/security.html",
        {"section": "security", "locked": locked.order_by("-attempt_time"), "users": users},
    )
