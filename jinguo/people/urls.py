app_name = "people"
urlpatterns: list = []  # the pages land here (issue 3)
