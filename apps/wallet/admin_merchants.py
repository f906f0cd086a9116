"""Admin: merchants and settlements, read-only for the wallet operator.

Onboarding and changes go through /operator/merchants/ (bank details validated, the owner's role and the
shop's ledger account set up by `merchants.merchant_onboard`); settlements are ledger records.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Merchant, Settlement
from .roles import is_wallet_operator


def _is_operator(request) -> bool:
    return is_wallet_operator(request.user)


class ReadOnlyForOperator:
    def has_module_permission(self, request):
        return _is_operator(request)

    def has_view_permission(self, request, obj=None):
        return _is_operator(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyForOperator, admin.ModelAdmin):
    list_display = ("name", "code", "active", "bank_code", "branch_code", "created_at", "edit_link")
    list_filter = ("active",)
    search_fields = ("name", "code")
    ordering = ("code",)
    readonly_fields = ("edit_link",)

    @admin.display(description=_("編集"))
    def edit_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("wallet:operator_merchant_edit", args=[obj.code]),
            _("運用画面で編集"),
        )


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyForOperator, admin.ModelAdmin):
    list_display = ("created_at", "merchant", "amount")
    list_select_related = ("merchant",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
