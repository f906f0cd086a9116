from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import RevocationList, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_staff", "is_active", "date_joined")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "preferred_language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(RevocationList)
class RevocationListAdmin(admin.ModelAdmin):
    """What each CRL URL holds and when it was last fetched; read-only (beat and the command fetch)."""

    list_display = (
        "url", "this_update", "next_update", "revoked_count", "fetched_at", "checked_at", "last_error",
    )  # fmt: skip
    readonly_fields = (
        "url", "issuer", "this_update", "next_update", "revoked_count", "etag", "fetched_at", "checked_at",
        "last_error",
    )  # fmt: skip
    exclude = ("der",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
