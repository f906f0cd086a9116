from django.urls import path

from . import urls_campaigns, urls_operator, urls_vouchers, views

app_name = "wallet"

urlpatterns = [
    path("wallet/", views.home, name="home"),
    path("wallet/pay/<slug:code>/", views.pay, name="pay"),
    path("wallet/payments/<uuid:pk>/", views.receipt, name="receipt"),
    path("merchant/", views.merchant_home, name="merchant"),
    path("merchant/payments/<uuid:pk>/refund/", views.merchant_refund, name="refund"),
    # Each part keeps its own routes (all names live in the "wallet" namespace).
    *urls_campaigns.urlpatterns,
    *urls_vouchers.urlpatterns,
    *urls_operator.urlpatterns,
]
