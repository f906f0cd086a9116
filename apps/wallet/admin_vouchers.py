"""Admin: premium voucher sales for the wallet operator (create, change); reservations are read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import LocalDateTimeAdmin

from .forms_vouchers import VoucherSaleAdminForm
from .models import VoucherReservation, VoucherSale
from .roles import is_wallet_operator


def _is_operator(request) -> bool:
    return is_wallet_operator(request.user)


@admin.register(VoucherSale)
class VoucherSaleAdmin(LocalDateTimeAdmin, admin.ModelAdmin):
    form = VoucherSaleAdminForm
    list_display = (
        "name", "code", "mode", "price", "premium_rate", "reserved_of_stock", "opens_at", "closes_at",
    )  # fmt: skip
    list_filter = ("mode",)
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("reserved", "draw_seed", "drawn_at", "created_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "mode", "eligibility")}),
        (_("価格と冊数"), {"fields": ("price", "premium_rate", "stock", "reserved", "per_person_cap")}),
        (
            _("期間"),
            {"fields": ("opens_at", "closes_at", "purchase_until", "reservation_minutes", "valid_until")},
        ),
        (_("抽選"), {"fields": ("draw_seed", "drawn_at")}),
    )

    @admin.display(description=_("予約・販売済み / 販売冊数"))
    def reserved_of_stock(self, obj: VoucherSale) -> str:
        return f"{obj.reserved} / {obj.stock}"

    def has_module_permission(self, request):
        return _is_operator(request)

    def has_view_permission(self, request, obj=None):
        return _is_operator(request)

    def has_add_permission(self, request):
        return _is_operator(request)

    def has_change_permission(self, request, obj=None):
        return _is_operator(request)

    def has_delete_permission(self, request, obj=None):
        # A sale with applications or reservations stays: they point at it (PROTECT).
        return (
            _is_operator(request)
            and obj is not None
            and not obj.applications.exists()
            and not obj.reservations.exists()
        )


@admin.register(VoucherReservation)
class VoucherReservationAdmin(admin.ModelAdmin):
    list_display = ("pk", "sale", "units", "amount_due", "status", "method", "expires_at", "paid_at")
    list_filter = ("status", "method", "sale")
    search_fields = ("provider_ref",)

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
