from django.urls import path

from . import staff_views, views

app_name = "counter"

urlpatterns = [
    path("counter/", views.request_list, name="list"),
    path("counter/new/<str:form>/", views.request_new, name="start"),
    path("counter/requests/<uuid:pk>/", views.request_detail, name="detail"),
    path("counter/requests/<uuid:pk>/qr.png", views.request_qr_png, name="qr_png"),
    path("counter/requests/<uuid:pk>/pdf/", views.request_pdf, name="pdf"),
    path("counter/requests/<uuid:pk>/cancel/", views.request_cancel, name="cancel"),
]

staff_patterns = (
    [
        path("staff/counter/", staff_views.scan, name="scan"),
        path("staff/counter/queue/", staff_views.queue, name="queue"),
        path("staff/counter/dashboard/", staff_views.dashboard, name="dashboard"),
        path("staff/counter/requests/<uuid:pk>/", staff_views.desk, name="desk"),
        path("staff/counter/requests/<uuid:pk>/correct/", staff_views.correct, name="correct"),
        path(
            "staff/counter/requests/<uuid:pk>/correct/copies/",
            staff_views.correct_copies,
            name="correct_copies",
        ),
        path("staff/counter/requests/<uuid:pk>/print/", staff_views.print_form, name="print"),
        path("staff/counter/requests/<uuid:pk>/issue/", staff_views.issue, name="issue"),
    ],
    "counter_staff",
)
