from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.catalogue.importing import ImportFileError
from apps.catalogue.services import import_result_messages, procedure_import


class Command(BaseCommand):
    help = "Import procedures from a CSV or XLSX file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="check the file and change nothing")

    def handle(self, *args, path, dry_run, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = procedure_import(data=file.read_bytes(), file_name=file.name, dry_run=dry_run)
        except ImportFileError as exc:
            raise CommandError(exc.detail) from exc
        problems = import_result_messages(result)
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} error(s); nothing was imported.")
        totals = result.totals
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {totals.get('new', 0)} new, {totals.get('update', 0)} updated, "
            f"{totals.get('skip', 0)} unchanged procedure(s)."
        )
