from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("unit/switch/", views.switch_unit, name="switch_unit"),
]
