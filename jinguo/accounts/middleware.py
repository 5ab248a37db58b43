from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .otp import needs_second_factor

IDLE_MESSAGE = "您已超过30分钟未操作,为保护数据安全已自动退出,请重新登录。"
OTP_MESSAGE = "请先完成双因素认证(动态口令)。"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _redirect(request: HttpRequest, url_name: str) -> HttpResponse:
    """Send the browser to a page, with `next` set to where she was. An htmx request (a partial)
    gets an HX-Redirect, and `next` is the page it came from, not the partial.
    HtmxMiddleware runs after this one: read the headers, request.htmx is not set yet."""
    is_htmx = request.headers.get("HX-Request") == "true"
    current = urlsplit(request.headers.get("HX-Current-URL", "")) if is_htmx else None
    here = (current.path + (f"?{current.query}" if current.query else "")) if current and current.path else ""
    url = reverse(url_name) + "?" + urlencode({"next": here or request.get_full_path()})
    if is_htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _to_login(request: HttpRequest) -> HttpResponse:
    return _redirect(request, settings.LOGIN_URL)


class IdleTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_SECONDS without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "_auth_user_id" in request.session:
            now = time.time()
            last = request.session.get("last_seen")
            if last is not None and now - float(last) > settings.SESSION_IDLE_SECONDS:
                request.jinguo_logout_reason = "idle"  # type: ignore[attr-defined]
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": IDLE_MESSAGE}, status=401)
                # MessageMiddleware sits inside this one and never sees this request: keep the
                # notice for the login page through the message storage ourselves.
                response = _to_login(request)
                storage = default_storage(request)
                storage.add(message_levels.INFO, IDLE_MESSAGE)
                storage.update(response)
                return response
            if last is None or now - float(last) >= settings.SESSION_TOUCH_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    """Admin roles (and users who turned it on) must pass TOTP before anything else."""

    ALLOWED_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not getattr(request, "jinguo_token_auth", False)
            and not user.is_verified()
            and needs_second_factor(user)
        ):
            if _is_api(request):
                return JsonResponse({"detail": OTP_MESSAGE}, status=401)
            return _redirect(request, "accounts:otp")
        return self.get_response(request)
