from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("jinguo.web.urls")),
    path("accounts/", include("jinguo.accounts.urls")),
    path("units/", include("jinguo.orgs.urls")),
    path("audit/", include("jinguo.core.urls")),
    path("people/", include("jinguo.people.urls")),
    path("cases/", include("jinguo.cases.urls")),
    path("ledgers/", include("jinguo.core.ledger.urls")),
    path("api/", api.urls),
]
