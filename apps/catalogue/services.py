"""Writes to the procedure catalogue: the public interface for changing it.

Every change to procedures goes through here (admin, import, command), so the public pages' cache and
the search index are invalidated in one place. Usage figures are counted here too (see usage_*).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import unicodedata
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.mynumber import contains_my_number
from apps.core.tally import Batch, Tally

from . import search
from .models import (
    Procedure,
    ProcedureUsageDay,
    SearchUsageDay,
    UsageFlushBatch,
    ZeroResultQueryDay,
)
from .selectors import VERSION_KEY, catalogue_version_forget
from .textnorm import normalize

logger = logging.getLogger(__name__)


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


# --- Usage figures -------------------------------------------------------------------------------------
# Counting happens on the hot path (cached public pages), so a count is one cache round trip (a Redis
# HINCRBY) and never a database write; usage_flush() moves the counts into the database on beat.
# Tally fields are "<local date>|<kind>|<slug or query>": v = detail page view, c = counter form made,
# o = went on to the online application, s = search, z = search that found nothing.

USAGE_TALLY = Tally("catalogue-usage")
USAGE_QUERY_MAX_CHARS = 50  # ZeroResultQueryDay.query
# A flood of made-up queries must not fill the table: per day and batch, the most frequent are kept.
USAGE_QUERIES_PER_BATCH_DAY = 1000
# Long digit runs (phone, card or account numbers) and e-mail addresses are never a procedure's name:
# such queries are counted as searches but their text is not kept.
_PERSONAL_LOOKING = re.compile(r"@|(?:\d\D?){10}")


_PROCEDURE_KINDS = ("v", "c", "o")  # counted per procedure, in ProcedureUsageDay's order of columns


def _usage_add(kind: str, key: str = "") -> None:
    USAGE_TALLY.add(f"{timezone.localdate().isoformat()}|{kind}|{key}")


def usage_view_count(*, slug: str) -> None:
    """A procedure's detail page was shown."""
    _usage_add("v", slug)


def usage_counter_form_count(*, slugs: list[str]) -> None:
    """A resident made a counter form (書かない窓口) for these procedures."""
    for slug in set(slugs):
        _usage_add("c", slug)


def usage_online_start_count(*, slug: str) -> None:
    """A resident went from the procedure's page on to its online application (an external service)."""
    _usage_add("o", slug)


def usage_query_key(query: str) -> str:
    """A query as it is counted: the search's normal form, cut to the stored length."""
    return normalize(search.clean_query(query))[:USAGE_QUERY_MAX_CHARS].strip()


def usage_search_count(*, query: str, results: int | None) -> None:
    """A resident searched; a query that found nothing (results == 0) is counted by its text too."""
    key = usage_query_key(query)
    if not key:
        return
    _usage_add("s")
    if results == 0:
        folded = unicodedata.normalize("NFKC", query)  # before the separators (@, -) become spaces
        # The stored key is checked, not only what was typed: folding turns ":" or "。" into the spaces
        # between a number's groups.
        personal = contains_my_number(query) or contains_my_number(key) or _PERSONAL_LOOKING.search(folded)
        _usage_add("z", "" if personal else key)


def usage_flush() -> int:
    """Move counted usage into the database; returns how many batches were stored.

    Safe to run twice at once and after a crash: each batch is stored once (UsageFlushBatch is unique)
    and forgotten in Redis only after its transaction committed.
    """
    stored = 0
    for batch in USAGE_TALLY.batches():
        if _usage_batch_store(batch):
            stored += 1
        USAGE_TALLY.done(batch.id)
    return stored


@transaction.atomic
def _usage_batch_store(batch: Batch) -> bool:
    try:
        with transaction.atomic():
            UsageFlushBatch.objects.create(batch_id=batch.id, flushed_at=timezone.now())
    except IntegrityError:  # stored by another flush (which then committed)
        return False
    per_procedure: dict[tuple[dt.date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    queries: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for field, count in batch.counts.items():
        day_text, _sep, rest = field.partition("|")
        kind, _sep, key = rest.partition("|")
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError:
            logger.warning("usage batch %s: a field with no date was skipped", batch.id)
            continue
        if kind in _PROCEDURE_KINDS:
            per_procedure[(day, key)][_PROCEDURE_KINDS.index(kind)] += count
        elif kind == "s":
            per_day[day][0] += count
        elif kind == "z":
            per_day[day][1] += count
            if key:
                queries[day][key] = queries[day].get(key, 0) + count

    pks = dict(
        Procedure.objects.filter(slug__in={slug for _day, slug in per_procedure}).values_list("slug", "pk")
    )
    rows = sorted((day, pks[slug], v) for (day, slug), v in per_procedure.items() if slug in pks)
    # Rows are created empty, then added to: two flushes never overwrite each other's counts. The same
    # order everywhere keeps two concurrent flushes from deadlocking on PostgreSQL.
    ProcedureUsageDay.objects.bulk_create(
        [ProcedureUsageDay(procedure_id=pk, day=day) for day, pk, _v in rows], ignore_conflicts=True
    )
    for day, pk, (views, forms, online) in rows:
        ProcedureUsageDay.objects.filter(procedure_id=pk, day=day).update(
            views=F("views") + views,
            counter_forms=F("counter_forms") + forms,
            online_starts=F("online_starts") + online,
        )
    days = sorted(per_day.items())
    SearchUsageDay.objects.bulk_create([SearchUsageDay(day=day) for day, _v in days], ignore_conflicts=True)
    for day, (searches, zero) in days:
        SearchUsageDay.objects.filter(day=day).update(
            searches=F("searches") + searches, zero_results=F("zero_results") + zero
        )
    query_rows = sorted(
        (day, query, count)
        for day, counts in queries.items()
        for query, count in sorted(counts.items(), key=lambda item: -item[1])[:USAGE_QUERIES_PER_BATCH_DAY]
    )
    ZeroResultQueryDay.objects.bulk_create(
        [ZeroResultQueryDay(day=day, query=query) for day, query, _c in query_rows], ignore_conflicts=True
    )
    for day, query, count in query_rows:
        ZeroResultQueryDay.objects.filter(day=day, query=query).update(count=F("count") + count)
    return True


def usage_purge(*, today: dt.date | None = None) -> int:
    """Delete usage rows older than the retention period; returns how many rows went."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.TAKAMATSU_USAGE_RETENTION_DAYS)
    deleted = 0
    for model in (ZeroResultQueryDay, SearchUsageDay, ProcedureUsageDay):
        deleted += model.objects.filter(day__lt=cutoff).delete()[0]
    # A batch id is only looked up while its batch may still be in Redis: minutes, a week at most.
    UsageFlushBatch.objects.filter(flushed_at__lt=timezone.now() - dt.timedelta(days=7)).delete()
    return deleted
