from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jinguo.web"
    label = "web"
    verbose_name = "页面"
