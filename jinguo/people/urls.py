from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("pick/", views.pick, name="pick"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("<int:pk>/categories/", views.category_add, name="category_add"),
    path("<int:pk>/categories/<slug:code>/end/", views.category_end, name="category_end"),
    path("<int:pk>/merge/<int:other>/", views.person_merge, name="merge"),
    path("<int:pk>/households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/members/", views.member_add, name="member_add"),
    path("households/<int:pk>/members/<int:member>/remove/", views.member_remove, name="member_remove"),
]
