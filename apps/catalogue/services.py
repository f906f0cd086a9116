"""Writes to the procedure catalogue: the public interface for changing it.

Every change to procedures goes through here (admin, import, command), so the public pages' cache and
the search index are invalidated in one place.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Procedure
from .selectors import VERSION_KEY, catalogue_version_forget


def catalogue_changed() -> None:
    """Mark the catalogue as changed, now and again when the current transaction commits.

    The bump after commit is the one that matters: a process that rebuilt its index between the first
    bump and the commit still saw the old rows, and the second bump makes it rebuild again.
    """

    def bump() -> None:
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)
        catalogue_version_forget()

    bump()
    transaction.on_commit(bump)


def procedure_set_published(*, pks: list[int], published: bool) -> int:
    """Publish or withdraw procedures; returns how many rows changed."""
    changed = Procedure.objects.filter(pk__in=pks).exclude(published=published).update(published=published)
    catalogue_changed()
    return changed


def procedure_import(*, data: bytes, file_name: str, dry_run: bool = False):
    """Import procedures from CSV or XLSX bytes, all or nothing; returns import-export's Result.

    Raises ImportFileError when the file cannot be read at all (size, encoding, format).
    """
    from .importing import CheckedXLSX, ImportFileError, JapaneseCSV, ProcedureResource, check_size

    check_size(len(data))
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        dataset = CheckedXLSX().create_dataset(data)
    elif lower.endswith(".csv"):
        try:
            dataset = JapaneseCSV().create_dataset(data)
        except ImportFileError:
            raise
        except Exception as exc:  # the csv module's errors for a malformed file
            raise ImportFileError(_("CSV を読み込めません: %(error)s") % {"error": exc}) from exc
    else:
        raise ImportFileError(_("CSV (.csv) または Excel (.xlsx) のファイルを指定してください。"))
    return ProcedureResource().import_data(
        dataset, dry_run=dry_run, raise_errors=False, rollback_on_validation_errors=True, file_name=file_name
    )


def import_result_messages(result) -> list[str]:
    """Human-readable lines for every problem in an import result (base errors, then per row)."""
    lines = [str(e.error) for e in result.base_errors]
    for number, errors in result.row_errors():
        lines.extend(_("%(line)s 行目: %(error)s") % {"line": number, "error": e.error} for e in errors)
    for invalid in result.invalid_rows:
        for field_name, messages in invalid.error_dict.items():
            lines.extend(
                _("%(line)s 行目 [%(field)s]: %(error)s")
                % {"line": invalid.number, "field": field_name, "error": m}
                for m in messages
            )
    return lines
