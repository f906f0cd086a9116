"""Routes of merchant onboarding, settlements and statements (spliced into the "wallet" namespace)."""

from django.urls import path

from . import views_operator as views

urlpatterns = [
    path("operator/merchants/", views.operator_merchants, name="operator_merchants"),
    path("operator/merchants/new/", views.operator_merchant_new, name="operator_merchant_new"),
    path("operator/merchants/<slug:code>/", views.operator_merchant_edit, name="operator_merchant_edit"),
    path(
        "operator/merchants/<slug:code>/active/",
        views.operator_merchant_active,
        name="operator_merchant_active",
    ),
    path("operator/settlements/", views.operator_settlements, name="operator_settlements"),
    path("operator/settlements.csv", views.operator_settlements_csv, name="operator_settlements_csv"),
    path("wallet/statements/", views.statements_resident, name="statements"),
    path("merchant/statements/", views.statements_merchant, name="merchant_statements"),
]
