from django.contrib import admin

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Read-only: documents are made and purged by the services, never edited by hand."""

    list_display = ("id", "kind", "status", "created_at", "rendered_at", "attempts", "error")
    list_filter = ("status", "kind")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = ("id", "kind", "owner", "params", "status", "file", "checksum", "error", "attempts",
              "claimed_at", "created_at", "rendered_at", "expires_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
