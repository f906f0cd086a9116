from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("procedures/", views.procedure_list, name="list"),
    path("procedures/<slug:slug>/", views.procedure_detail, name="detail"),
    path("procedures/<slug:slug>/apply/", views.procedure_apply_online, name="apply_online"),
]
