from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "apps.counter"
    label = "counter"
    verbose_name = "書かない窓口 (No-writing counter)"

    def ready(self) -> None:
        from . import registrations

        registrations.register()
