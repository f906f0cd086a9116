from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "apps.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.urls import reverse

        post_migrate.connect(_role_groups_after_migrate, dispatch_uid="identity-role-groups")

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


def _role_groups_after_migrate(sender, using, **kwargs) -> None:
    """The role groups exist with exactly their permissions on every database, not only the demo's."""
    from .services import role_groups_ensure

    if using == "default":
        role_groups_ensure(partial=True)
