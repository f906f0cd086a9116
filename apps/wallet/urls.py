from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [
    path("wallet/", views.home, name="home"),
    path("wallet/pay/<slug:code>/", views.pay, name="pay"),
    path("wallet/payments/<uuid:pk>/", views.receipt, name="receipt"),
    path("merchant/", views.merchant_home, name="merchant"),
    path("merchant/payments/<uuid:pk>/refund/", views.merchant_refund, name="refund"),
]
