"""Reads of the procedure catalogue: the public interface other apps and the views use.

Every page asks for the same few things: one page of procedures, facet counts and the facet labels. The
filtering, ranking and counting happen on the in-process index (see search.py), so each page costs a
constant number of SQL queries however many procedures match.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from . import search
from .constants import Channel
from .models import (
    Category,
    LifeEvent,
    Procedure,
    ProcedureLifeEvent,
    ProcedureUsageDay,
    SearchUsageDay,
    ZeroResultQueryDay,
)

VERSION_KEY = "catalogue:version"


# Each process reads the shared version at most once a second: a cached page then costs one cache
# read instead of two (bench/catalogue_pages.py), and other processes see a change within a second.
VERSION_MEMO_SECONDS = 1.0
_version_memo: tuple[int, float] | None = None


def catalogue_version() -> int:
    """A number that changes whenever the published catalogue changes (see services.catalogue_changed)."""
    global _version_memo
    now = time.monotonic()
    memo = _version_memo
    if memo is not None and now - memo[1] < VERSION_MEMO_SECONDS:
        return memo[0]
    version = cache.get_or_set(VERSION_KEY, time.time_ns, timeout=None)
    _version_memo = (version, now)
    return version


def catalogue_version_forget() -> None:
    """Drop this process's memo (the process that changed the catalogue sees the change at once)."""
    global _version_memo
    _version_memo = None


@dataclass
class _Entry:
    pk: int
    slug: str
    life_events: frozenset[str]
    core_events: frozenset[str]  # the life events of which this is a main procedure
    categories: frozenset[str]
    channels: frozenset[str]
    doc: search.IndexedDoc


@dataclass
class CatalogueIndex:
    version: int
    entries: list[_Entry] = field(default_factory=list)  # in kana order (reading)
    search: search.SearchIndex | None = None
    usage: dict[int, float] = field(default_factory=dict)  # pk -> share of the most viewed (0..1)
    usage_read_at: float = 0.0
    by_use: list[_Entry] = field(default_factory=list)  # the most viewed first, then kana
    # The listing without a query: main procedures of a life event first, then the most used, then kana.
    listing: list[_Entry] = field(default_factory=list)

    @property
    def docs(self) -> list[search.IndexedDoc]:
        return [e.doc for e in self.entries]


_index_lock = threading.Lock()
_index: CatalogueIndex | None = None


def _published() -> QuerySet[Procedure]:
    return Procedure.objects.filter(published=True).select_related("section")


def _build_index(version: int) -> CatalogueIndex:
    links = Prefetch("life_event_links", queryset=ProcedureLifeEvent.objects.select_related("life_event"))
    rows = _published().prefetch_related(links, "categories").order_by("reading", "slug")
    index = CatalogueIndex(version=version)
    for p in rows:
        events = [link.life_event for link in p.life_event_links.all()]
        cats = list(p.categories.all())
        facet_text = " ".join([p.section.name, p.section.name_en] + [x.name for x in events + cats])
        doc = search.index_document(
            p.pk,
            title=p.title,
            reading=p.reading,
            keywords=p.keywords.replace("|", " "),
            title_en=p.title_en,
            facets=facet_text + " " + " ".join(x.name_en for x in events + cats),
            summary=" ".join([p.summary, p.audience]),
            summary_en=" ".join([p.summary_en, p.audience_en]),
            extra="\n".join([p.what_to_bring, p.what_to_bring_en]),
        )
        index.entries.append(
            _Entry(
                pk=p.pk,
                slug=p.slug,
                life_events=frozenset(e.slug for e in events),
                core_events=frozenset(link.life_event.slug for link in p.life_event_links.all() if link.core),
                categories=frozenset(c.slug for c in cats),
                channels=frozenset(p.channels),
                doc=doc,
            )
        )
    index.search = search.SearchIndex(index.docs)
    return _with_usage(index)


def _usage_views(*, days: int) -> dict[int, int]:
    start, end = usage_period(days=days)
    return dict(
        ProcedureUsageDay.objects.filter(day__gte=start, day__lte=end, views__gt=0)
        .values("procedure_id")
        .annotate(total=Sum("views"))
        .values_list("procedure_id", "total")
    )


def _with_usage(index: CatalogueIndex) -> CatalogueIndex:
    """The index with the usage figures read now, and the listing ordered by them."""
    usage = search.usage_shares(_usage_views(days=settings.TAKAMATSU_SEARCH_USAGE_DAYS))
    by_use = sorted(index.entries, key=lambda e: -usage.get(e.pk, 0.0))  # stable: kana order among equals
    listing = sorted(by_use, key=lambda e: not e.core_events)
    return replace(index, usage=usage, usage_read_at=time.monotonic(), by_use=by_use, listing=listing)


def catalogue_index() -> CatalogueIndex:
    """The index of the current catalogue version, rebuilt once per process when the version changes.

    The usage figures in it are read again after TAKAMATSU_SEARCH_USAGE_REFRESH_SECONDS.
    """
    global _index
    version = catalogue_version()
    current = _index
    if current is not None and current.version == version and not _usage_stale(current):
        return current
    with _index_lock:
        if _index is None or _index.version != version:
            _index = _build_index(version)
        elif _usage_stale(_index):
            _index = _with_usage(_index)
        return _index


def _usage_stale(index: CatalogueIndex) -> bool:
    return time.monotonic() - index.usage_read_at > settings.TAKAMATSU_SEARCH_USAGE_REFRESH_SECONDS


@dataclass
class FacetCount:
    slug: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    query: str
    count: int
    procedures: list[Procedure]
    life_events: list[FacetCount]
    categories: list[FacetCount]
    ranked: bool
    life_event: str = ""
    category: str = ""
    channel: str = ""
    # When nothing was found: a spelling from the catalogue's words ("もしかして") and the nearest procedures.
    suggestion: str = ""
    nearest: list[Procedure] = field(default_factory=list)


NEAREST_COUNT = 3


def _ranked_entries(index: CatalogueIndex, query: str, events: list[LifeEvent]) -> list[_Entry]:
    """The entries matching the query: the main procedures of a life event the query names first, then by
    relevance and use, then in kana order."""
    assert index.search is not None
    by_pk = {e.pk: e for e in index.entries}
    named = search.named_life_events(query, {x.slug: [x.name, x.name_en] for x in events})
    ranked = [by_pk[pk] for pk, _score in search.rank(index.search, query, usage=index.usage)]
    if not named:
        return ranked
    found = {e.pk for e in ranked}
    # A life event's main procedures belong to its results even where their text does not name it
    # (おくやみ: 死亡届); among themselves, by relevance, then use, then kana.
    core = [e for e in ranked if e.core_events & named] + [
        e for e in index.listing if e.core_events & named and e.pk not in found
    ]
    return core + [e for e in ranked if not e.core_events & named]


def procedure_search(
    *,
    query: str = "",
    life_event: str = "",
    category: str = "",
    channel: str = "",
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Published procedures matching the query and facets, the ones a resident most likely needs first.

    With a query: the main procedures of a life event the query names, then by relevance and use. Without:
    the main procedures of the chosen life event (of any, when none is chosen), then by use. Kana order last.
    """
    query = search.clean_query(query)
    events = list(LifeEvent.objects.all())
    cats = list(Category.objects.all())
    # Unknown facet values (a stale bookmark, a hand-edited URL) are ignored rather than failing.
    life_event = life_event if life_event in {x.slug for x in events} else ""
    category = category if category in {x.slug for x in cats} else ""
    channel = channel if channel in Channel.values else ""
    index = catalogue_index()
    ranked = False
    if query and search.parse_query(query):
        entries = _ranked_entries(index, query, events)
        ranked = True
    elif query:
        entries = []
    elif life_event:
        entries = sorted(index.by_use, key=lambda e: life_event not in e.core_events)  # stable
    else:
        entries = index.listing

    def matches(e: _Entry, skip: str = "") -> bool:
        return (
            (skip == "life_event" or not life_event or life_event in e.life_events)
            and (skip == "category" or not category or category in e.categories)
            and (not channel or channel in e.channels)
        )

    hits = [e for e in entries if matches(e)]
    page_pks = [e.pk for e in hits[offset : offset + limit]]
    procedures = procedure_list_by_pks(pks=page_pks)

    event_counts: dict[str, int] = {}
    for e in entries:
        if matches(e, skip="life_event"):
            for slug in e.life_events:
                event_counts[slug] = event_counts.get(slug, 0) + 1
    cat_counts: dict[str, int] = {}
    for e in entries:
        if matches(e, skip="category"):
            for slug in e.categories:
                cat_counts[slug] = cat_counts.get(slug, 0) + 1

    suggestion, nearest = "", []
    if query and not hits:
        suggestion, nearest = _suggestions(index, query)

    return SearchResult(
        query=query,
        count=len(hits),
        procedures=procedures,
        life_events=[
            FacetCount(x.slug, x.localized("name"), event_counts.get(x.slug, 0), x.slug == life_event)
            for x in events
        ],
        categories=[
            FacetCount(x.slug, x.localized("name"), cat_counts.get(x.slug, 0), x.slug == category)
            for x in cats
        ],
        ranked=ranked,
        life_event=life_event,
        category=category,
        channel=channel,
        suggestion=suggestion,
        nearest=nearest,
    )


def _suggestions(index: CatalogueIndex, query: str) -> tuple[str, list[Procedure]]:
    """For a query that found nothing: the catalogue's nearest spelling that finds something, and the
    procedures nearest to what was typed (or, failing any, to that spelling)."""
    assert index.search is not None
    suggestion = search.suggest_spelling(index.search, query)
    suggested = search.rank(index.search, suggestion, usage=index.usage) if suggestion else []
    if not suggested:
        suggestion = ""
    near = search.rank(index.search, query, usage=index.usage, relaxed=True) or suggested
    return suggestion, procedure_list_by_pks(pks=[pk for pk, _score in near[:NEAREST_COUNT]])


def procedure_list_by_pks(*, pks: list[int]) -> list[Procedure]:
    """The procedures with these keys, in this order, with their facets loaded (three queries)."""
    if not pks:
        return []
    rows = (
        _published()
        .filter(pk__in=pks)
        .prefetch_related(
            Prefetch("life_events", queryset=LifeEvent.objects.all()),
            Prefetch("categories", queryset=Category.objects.all()),
        )
    )
    by_pk = {p.pk: p for p in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def procedure_get(*, slug: str) -> Procedure:
    """One published procedure; Procedure.DoesNotExist when there is none."""
    return _published().prefetch_related("life_events", "categories").get(slug=slug)


def procedure_online_url(*, slug: str) -> str:
    """Where a published procedure is applied for online (an external service); DoesNotExist if nowhere."""
    url = (
        _published()
        .filter(slug=slug, channel_online=True)
        .exclude(online_url="")
        .values_list("online_url", flat=True)[:1]
    )
    if not url:
        raise Procedure.DoesNotExist
    return url[0]


def procedure_export_rows() -> QuerySet[Procedure]:
    """Every published procedure for the open-data export, with its facets loaded."""
    return _published().prefetch_related("life_events", "categories").order_by("slug")


def life_event_list() -> list[LifeEvent]:
    return list(LifeEvent.objects.all())


def category_list() -> list[Category]:
    return list(Category.objects.all())


def procedure_fees(*, slugs: list[str]) -> dict[str, int | None]:
    """Fee in yen per procedure slug (None when free), as curated in the catalogue."""
    return dict(Procedure.objects.filter(slug__in=slugs).values_list("slug", "fee_yen"))


# --- Usage figures -------------------------------------------------------------------------------------

USAGE_PERIODS = (7, 30, 90)  # days the catalogue admin can choose between


@dataclass
class ProcedureUsage:
    pk: int
    slug: str
    title: str
    published: bool
    views: int
    counter_forms: int
    online_starts: int


@dataclass
class UsageSummary:
    days: int
    start: dt.date
    end: dt.date
    views: int
    counter_forms: int
    online_starts: int
    searches: int
    zero_result_searches: int
    top: list[ProcedureUsage]
    unviewed: list[ProcedureUsage]
    zero_result_queries: list[tuple[str, int]]
    query_min_count: int


def usage_period(*, days: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last `days` days, today included (local dates)."""
    end = today or timezone.localdate()
    return end - dt.timedelta(days=days - 1), end


def usage_by_procedure(*, start: dt.date, end: dt.date) -> list[ProcedureUsage]:
    """Every published procedure, and any other used in the period, with its counts; most viewed first."""
    in_period = Q(usage_days__day__gte=start, usage_days__day__lte=end)
    rows = Procedure.objects.annotate(
        period_views=Coalesce(Sum("usage_days__views", filter=in_period), 0),
        period_forms=Coalesce(Sum("usage_days__counter_forms", filter=in_period), 0),
        period_online=Coalesce(Sum("usage_days__online_starts", filter=in_period), 0),
    ).values_list(
        "pk", "slug", "title", "title_en", "published", "period_views", "period_forms", "period_online"
    )
    english = (get_language() or "ja").startswith("en")
    result = [
        ProcedureUsage(pk, slug, (title_en or title) if english else title, published, views, forms, online)
        for pk, slug, title, title_en, published, views, forms, online in rows
        if published or views or forms or online
    ]
    result.sort(key=lambda u: (-u.views, -u.counter_forms, u.slug))
    return result


def usage_summary(*, days: int, today: dt.date | None = None, top: int = 20) -> UsageSummary:
    """What the catalogue admin sees for the last `days` days.

    Zero-result queries searched fewer than TAKAMATSU_USAGE_QUERY_MIN_COUNT times in the period are left
    out: a query typed once may be personal (a name), and is never shown.
    """
    start, end = usage_period(days=days, today=today)
    procedures = usage_by_procedure(start=start, end=end)
    searches = SearchUsageDay.objects.filter(day__gte=start, day__lte=end).aggregate(
        searches=Coalesce(Sum("searches"), 0), zero=Coalesce(Sum("zero_results"), 0)
    )
    min_count = settings.TAKAMATSU_USAGE_QUERY_MIN_COUNT
    queries = (
        ZeroResultQueryDay.objects.filter(day__gte=start, day__lte=end)
        .values("query")
        .annotate(total=Sum("count"))
        .filter(total__gte=min_count)
        .order_by("-total", "query")
        .values_list("query", "total")[:50]
    )
    return UsageSummary(
        days=days,
        start=start,
        end=end,
        views=sum(u.views for u in procedures),
        counter_forms=sum(u.counter_forms for u in procedures),
        online_starts=sum(u.online_starts for u in procedures),
        searches=searches["searches"],
        zero_result_searches=searches["zero"],
        top=[u for u in procedures if u.views][:top],
        unviewed=sorted((u for u in procedures if u.published and not u.views), key=lambda u: u.slug),
        zero_result_queries=list(queries),
        query_min_count=min_count,
    )
