"""Admin: point campaigns, for the wallet operator (create, change; awards are read-only ledger records)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import LocalDateTimeAdmin

from .forms_campaigns import CampaignAdminForm
from .models import Campaign, CampaignAward
from .roles import is_wallet_operator


def _is_operator(request) -> bool:
    return is_wallet_operator(request.user)


class OperatorOnly:
    """The wallet-operator role grants these pages (roles are groups without model permissions)."""

    def has_module_permission(self, request):
        return _is_operator(request)

    def has_view_permission(self, request, obj=None):
        return _is_operator(request)

    def has_add_permission(self, request):
        return _is_operator(request)

    def has_change_permission(self, request, obj=None):
        return _is_operator(request)

    def has_delete_permission(self, request, obj=None):
        # A campaign that gave points stays: its awards point at it (PROTECT) and the ledger needs it.
        return _is_operator(request) and obj is not None and not obj.awards.exists()


@admin.register(Campaign)
class CampaignAdmin(LocalDateTimeAdmin, OperatorOnly, admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = (
        "name",
        "code",
        "kind",
        "points",
        "awarded",
        "budget",
        "per_person_cap",
        "starts_at",
        "ends_at",
    )
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("awarded", "created_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "kind")}),
        (_("ポイントと上限"), {"fields": ("points", "budget", "awarded", "per_person_cap", "validity_days")}),
        (_("期間"), {"fields": ("starts_at", "ends_at")}),
        (_("参加の条件"), {"fields": ("event_code", "steps_threshold")}),
        (None, {"fields": ("created_at",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Once points were given, what they were given for stays fixed; budget, cap and period can change.
        if obj is not None and obj.awards.exists():
            return (*self.readonly_fields, "code", "kind", "points")
        return self.readonly_fields


@admin.register(CampaignAward)
class CampaignAwardAdmin(OperatorOnly, admin.ModelAdmin):
    list_display = ("campaign", "user", "reference", "amount", "created_at")
    list_filter = ("campaign",)
    list_select_related = ("campaign",)
    readonly_fields = ("campaign", "user", "reference", "amount", "transaction", "created_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
