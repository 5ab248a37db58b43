"""The JSON API at /api/: OpenAPI at /api/openapi.json, Swagger UI (served locally) at /api/docs."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from jinguo.accounts.api import router as accounts_router
from jinguo.accounts.api_auth import SessionAuth, TokenAuth
from jinguo.cases.api import families_router
from jinguo.cases.api import router as cases_router
from jinguo.core.errors import NOT_FOUND_MESSAGE, ActionError
from jinguo.core.ledger.api import router as ledgers_router
from jinguo.orgs.api import router as orgs_router
from jinguo.people.api import router as people_router

api = NinjaAPI(
    title="巾帼通 API",
    version="1.0.0",
    description="妇联工作平台接口。认证:登录会话,或个人令牌 `Authorization: Bearer <token>`"
    "(`python manage.py issue_token 用户名` 生成)。所有数据按用户所在单位及下级单位限定范围。",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(ActionError)
def _action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    body = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=400)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND_MESSAGE}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


HTTP_ERROR_WORDS = {
    "Cannot parse request body": "请求内容不是有效的 JSON",
    "Method not allowed": "不支持该请求方法",
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    for english, chinese in HTTP_ERROR_WORDS.items():
        if message.startswith(english):
            message = chinese
            break
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", [])[1:]),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": "提交的数据格式不正确", "errors": errors}, status=422)


api.add_router("/units/", orgs_router)
api.add_router("/persons/", people_router)
api.add_router("/ledgers/", ledgers_router)
api.add_router("/cases/", cases_router)
api.add_router("/key-families/", families_router)
api.add_router("/", accounts_router)
