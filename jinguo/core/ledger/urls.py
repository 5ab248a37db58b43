from django.urls import path

from . import views

app_name = "ledgers"
urlpatterns = [
    path("imports/<int:job_id>/", views.job_page, name="job"),
    path("imports/<int:job_id>/progress/", views.job_progress, name="progress"),
    path("imports/<int:job_id>/commit/", views.job_commit, name="commit"),
    path("imports/<int:job_id>/cancel/", views.job_cancel, name="cancel"),
    path("imports/<int:job_id>/refused.xlsx", views.job_refused, name="refused"),
    path("<slug:register>/import/", views.import_upload, name="import"),
    path("<slug:register>/export/", views.export, name="export"),
    path("<slug:register>/template.xlsx", views.template, name="template"),
]
