app_name = "ledgers"
urlpatterns: list = []  # the import wizard and exports land here (issue 3)
