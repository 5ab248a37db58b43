from django.urls import path

from .views import cases, families, report, steps

app_name = "cases"
urlpatterns = [
    path("", cases.case_list, name="list"),
    path("new/", cases.case_create, name="create"),
    path("report/", report.report_page, name="report"),
    path("report.xlsx", report.report_xlsx, name="report_xlsx"),
    path("report.docx", report.report_docx, name="report_docx"),
    path("follow-ups/", report.follow_up_list, name="follow_ups"),
    path("settings/", report.unit_settings, name="settings"),
    path("settings/templates/<slug:purpose>/", report.template_download, name="template"),
    path("families/", families.family_list, name="families"),
    path("families/new/", families.family_create, name="family_create"),
    path("families/export/", families.family_export, name="family_export"),
    path("families/<int:pk>/", families.family_detail, name="family"),
    path("families/<int:pk>/edit/", families.family_edit, name="family_edit"),
    path("families/<int:pk>/visits/", families.family_visit, name="family_visit"),
    path("families/<int:pk>/lift/", families.family_lift, name="family_lift"),
    path("screenings/", families.screening_list, name="screenings"),
    path("screenings/new/", families.screening_create, name="screening_create"),
    path("screenings/<int:pk>/", families.screening_detail, name="screening"),
    path("<int:pk>/", cases.case_detail, name="detail"),
    path("<int:pk>/edit/", cases.case_edit, name="edit"),
    path("<int:pk>/steps/<slug:action>/", steps.step, name="step"),
    path("<int:pk>/parties/", steps.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party>/remove/", steps.party_remove, name="party_remove"),
    path("<int:pk>/follow-ups/", steps.follow_up_schedule, name="follow_up_schedule"),
    path("<int:pk>/follow-ups/<int:follow_up>/", steps.follow_up_record, name="follow_up_record"),
    path("<int:pk>/sessions/", steps.session_add, name="session_add"),
    path("<int:pk>/mediators/", steps.mediators, name="mediators"),
    path("<int:pk>/agreement/", steps.agreement, name="agreement"),
    path("<int:pk>/agreement.docx", steps.agreement_docx, name="agreement_docx"),
]
