from django.contrib import admin

from .models import CounterAuditEntry, CounterRequest


@admin.register(CounterRequest)
class CounterRequestAdmin(admin.ModelAdmin):
    """Status and timings only: personal data is seen at the desk, where every look is audited."""

    list_display = (
        "id",
        "form",
        "status",
        "created_at",
        "scanned_at",
        "printed_at",
        "issued_at",
        "expires_at",
    )
    list_filter = ("form", "status")
    fields = (
        "form",
        "status",
        "created_at",
        "scanned_at",
        "printed_at",
        "issued_at",
        "cancelled_at",
        "expires_at",
        "purged_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(CounterAuditEntry)
class CounterAuditEntryAdmin(admin.ModelAdmin):
    list_display = ("request_id", "action", "staff_id", "created_at")
    list_filter = ("action",)
    readonly_fields = ("request", "staff", "action", "created_at")

    def has_add_permission(self, request):
        return False
