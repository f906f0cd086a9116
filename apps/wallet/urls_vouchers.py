from django.urls import path

from . import views_vouchers as views

urlpatterns = [
    path("wallet/vouchers/", views.vouchers, name="vouchers"),
    path("wallet/vouchers/sale/<slug:code>/", views.voucher_sale, name="voucher_sale"),
    path("wallet/vouchers/reservations/<uuid:pk>/", views.voucher_reservation, name="voucher_reservation"),
    path("wallet/vouchers/reservations/<uuid:pk>/pay/", views.voucher_pay, name="voucher_pay"),
    path("wallet/vouchers/reservations/<uuid:pk>/cancel/", views.voucher_cancel, name="voucher_cancel"),
    path("wallet/vouchers/reservations/<uuid:pk>/result/", views.voucher_result, name="voucher_result"),
    path("wallet/vouchers/sandbox/<slug:ref>/", views.voucher_sandbox, name="voucher_sandbox"),
    path("wallet/vouchers/notices/sandbox/", views.voucher_sandbox_notice, name="voucher_sandbox_notice"),
    path("operator/vouchers/", views.operator_vouchers, name="operator_vouchers"),
    path("operator/vouchers/confirm/", views.operator_voucher_confirm, name="operator_voucher_confirm"),
    path(
        "operator/vouchers/refunds/<uuid:pk>/", views.operator_voucher_refund, name="operator_voucher_refund"
    ),
    path("operator/vouchers/<slug:code>/draw/", views.operator_voucher_draw, name="operator_voucher_draw"),
]
