from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("documents/", views.document_list, name="list"),
    path("documents/<uuid:pk>/", views.document_detail, name="detail"),
    path("documents/<uuid:pk>/download/", views.document_download, name="download"),
]
