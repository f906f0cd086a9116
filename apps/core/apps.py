from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import session_signed_in
        from .mynumber import install_log_record_masking

        install_log_record_masking()
        user_logged_in.connect(session_signed_in, dispatch_uid="core.session_signed_in")
