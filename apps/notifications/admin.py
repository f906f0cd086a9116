from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Delivery, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("event", "recipient_id", "created_at", "read_at")
    list_filter = ("event",)
    readonly_fields = ("recipient", "event", "context", "dedupe_key", "created_at", "read_at")
    exclude = ("rendered",)  # one-time links of account mails are not for staff eyes
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Delivery status for the portal's admins (SPEC §3.5): which event went where, when, and why one
    failed; found by the address a resident gives on the phone. Read-only: the workers write these."""

    list_display = (
        "event",
        "channel",
        "address",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel", "notification__event")
    list_select_related = ("notification",)
    search_fields = ("address",)
    readonly_fields = [
        "event", "created_at", *(f.name for f in Delivery._meta.fields if f.name != "notification"),
    ]  # fmt: skip
    exclude = ("notification",)  # its text and context stay with the notification (superusers only)
    ordering = ("-notification__created_at",)

    @admin.display(description=_("イベント"), ordering="notification__event")
    def event(self, obj: Delivery) -> str:
        return obj.notification.event

    @admin.display(description=_("作成日時"), ordering="notification__created_at")
    def created_at(self, obj: Delivery):
        return obj.notification.created_at

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
