from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "apps.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from django.urls import reverse

        from apps.notifications.registry import register_event

        register_event(
            "identity.verified", template="identity_verified", link=lambda ctx: reverse("identity:profile")
        )
        register_event(
            "identity.certificate_expiring",
            template="identity_certificate_expiring",
            link=lambda ctx: reverse("identity:profile"),
        )
        try:
            from . import documents
        except ImportError:  # the renderer module is optional until documents ship
            return
        documents.register()
