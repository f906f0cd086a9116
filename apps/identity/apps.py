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
    """The role groups exist with exactly their permissions on every database, not only the demo's.

    post_migrate is sent once per app; the groups are set after the last one, when every app's permissions
    exist (a missing one is then a typo in ROLE_PERMISSIONS, and migrate says so)."""
    from django.apps import apps

    from .services import role_groups_ensure

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if using == "default" and sender is with_models[-1]:
        role_groups_ensure()
