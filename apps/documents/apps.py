from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "apps.documents"
    label = "documents"
    verbose_name = "文書 (Documents)"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
