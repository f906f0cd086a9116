from django.core.management.base import BaseCommand, CommandError

from apps.identity.crls import crl_urls, crls_refresh_due


class Command(BaseCommand):
    help = (
        "Fetch the revocation lists of the URLs in TAKAMATSU_JPKI_CRLS now (beat does it when they are due) "
        "and print what each one holds. Exits with an error if one has no good list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--due-only", action="store_true", help="only the lists beat would fetch now")

    def handle(self, *args, due_only, **options):
        if not crl_urls():
            self.stdout.write("TAKAMATSU_JPKI_CRLS names no URL: nothing to fetch.")
            return
        failed = []
        for row in crls_refresh_due(force=not due_only):
            status = row.last_error or "ok"
            self.stdout.write(
                f"{row.url}: {status}; thisUpdate {row.this_update}, nextUpdate {row.next_update}, "
                f"{row.revoked_count} revoked"
            )
            if not row.this_update:
                failed.append(row.url)
        if failed:
            raise CommandError(f"no good list for: {', '.join(failed)}")
