from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import RequestInfo, client_ip, reset_request_info, set_request_info

# Everything from this server only: the platform runs on government intranets, and a stray CDN
# link must fail loudly. ECharts draws on canvas; Bootstrap needs no inline script.
CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response


class RequestContextMiddleware:
    """Makes the client IP and path known to the audit log while the request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_request_info(
            RequestInfo(ip=client_ip(request), path=request.get_full_path(), method=request.method or "")
        )
        try:
            return self.get_response(request)
        finally:
            reset_request_info(token)
