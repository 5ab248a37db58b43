from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("search/", views.search, name="search"),
    path("options/", views.unit_options, name="options"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/refused/", views.import_refused, name="import_refused"),
    path("<int:pk>/", views.unit_detail, name="unit"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/new/", views.unit_create, name="create"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
    path("<int:pk>/move/", views.unit_move, name="move"),
    path("<int:pk>/close/", views.unit_close, name="close"),
    path("<int:pk>/reopen/", views.unit_reopen, name="reopen"),
    path("<int:pk>/delete/", views.unit_delete, name="delete"),
]
