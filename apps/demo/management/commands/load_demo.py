from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.demo import services


class Command(BaseCommand):
    help = "Load the demo catalogue and demo accounts (development only; safe to run again)."

    def handle(self, *args, **options):
        if not getattr(settings, "TAKAMATSU_DEMO", False):
            raise CommandError("Demo data is disabled by these settings (TAKAMATSU_DEMO is off).")
        self.stdout.write(f"demo PKI: {services.demo_pki_ensure()}")
        self.stdout.write(f"catalogue: {services.demo_catalogue_load()}")
        self.stdout.write(f"accounts: {', '.join(services.demo_accounts_load())}")
