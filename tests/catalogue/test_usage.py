"""Usage figures of the catalogue: counting on the hot path, flushing, retention, the privacy threshold."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalogue import services, tasks
from apps.catalogue.models import (
    Procedure,
    ProcedureUsageDay,
    SearchUsageDay,
    UsageFlushBatch,
    ZeroResultQueryDay,
)
from apps.catalogue.selectors import usage_summary
from apps.catalogue.textnorm import normalize
from apps.core.mynumber import check_digit
from apps.core.tally import Tally
from apps.identity.models import User

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db

NOTHING = "ＺＺＱＸＪ"  # full-width Latin letters: found nowhere in the catalogue


def views(p: Procedure) -> int:
    return sum(ProcedureUsageDay.objects.filter(procedure=p).values_list("views", flat=True))


def searches() -> tuple[int, int]:
    row = SearchUsageDay.objects.filter(day=timezone.localdate()).first()
    return (row.searches, row.zero_results) if row else (0, 0)


def zero_queries() -> dict[str, int]:
    return dict(ZeroResultQueryDay.objects.values_list("query", "count"))


# --- counting ------------------------------------------------------------------------------------------


def test_a_detail_view_is_counted_also_when_the_page_comes_from_the_cache(client):
    p = ProcedureFactory()
    assert client.get(p.get_absolute_url())["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(p.get_absolute_url())
    assert response["X-Cache"] == "hit"
    assert len(ctx.captured_queries) == 0, "counting must not touch the database on the hot path"
    assert views(p) == 0, "counts reach the database only when flushed"

    tasks.usage_flush.delay()
    assert views(p) == 2
    assert ProcedureUsageDay.objects.get(procedure=p).day == timezone.localdate()


def test_a_signed_in_visitor_s_view_is_counted_but_not_who_made_it(client, django_user_model):
    p = ProcedureFactory()
    client.force_login(django_user_model.objects.create_user(email="x@example.jp", password="x" * 12))
    client.get(p.get_absolute_url())
    services.usage_flush()
    assert views(p) == 1
    field_names = {f.name for f in ProcedureUsageDay._meta.get_fields()}
    assert field_names == {"id", "procedure", "day", "views", "counter_forms", "online_starts"}


def test_unknown_and_draft_procedures_and_head_requests_are_not_counted(client):
    draft = ProcedureFactory(draft=True)
    p = ProcedureFactory()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/procedures/no-such-thing/").status_code == 404
    assert client.head(p.get_absolute_url()).status_code == 200
    services.usage_flush()
    assert not ProcedureUsageDay.objects.exists()


def test_searches_are_counted_and_a_query_that_found_nothing_is_kept_in_normal_form(client):
    client.get("/procedures/?q=住民票")
    client.get(f"/procedures/?q={NOTHING}")
    response = client.get(f"/procedures/?q={NOTHING}")  # from the page cache: still counted as nothing found
    assert response["X-Cache"] == "hit" and response["X-Result-Count"] == "0"
    client.get("/procedures/?q=zzqxj")  # the same query typed in half-width letters
    client.get("/procedures/")  # browsing is not searching
    services.usage_flush()
    assert searches() == (4, 3)
    assert zero_queries() == {normalize(NOTHING): 3} == {"zzqxj": 3}


def test_refining_a_search_or_turning_its_pages_is_not_another_search(client):
    client.get("/procedures/?q=証明書")
    client.get("/procedures/?q=証明書&page=2")
    client.get("/procedures/?q=証明書&life_event=moving&category=&channel=")
    client.get(f"/procedures/?q={NOTHING}&channel=online")
    services.usage_flush()
    assert searches() == (1, 0)
    assert zero_queries() == {}


def test_a_long_query_is_kept_cut_to_50_characters(client):
    client.get("/procedures/?q=" + "ゞ" * 300)
    services.usage_flush()
    assert list(zero_queries()) == ["ゞ" * 50]


def _my_number() -> str:
    first = "12345678901"
    return first + str(check_digit(first))


@pytest.mark.parametrize(
    "query",
    [
        _my_number(),
        f"{NOTHING} {_my_number()[:4]} {_my_number()[4:8]} {_my_number()[8:]}",
        "087-839-2011",
        "０８７８３９２０１１",
        "taro@example.jp",
    ],
)
def test_a_query_that_looks_personal_is_counted_but_its_text_is_not_kept(client, query):
    client.get("/procedures/", {"q": query})
    services.usage_flush()
    assert searches() == (1, 1)
    assert zero_queries() == {}


def test_going_on_to_the_online_application_is_counted_and_leads_only_to_the_catalogue_s_url(client):
    online = ProcedureFactory(channel_online=True, online_url="https://apply.example.jp/forms/123")
    offline = ProcedureFactory(channel_online=False, online_url="")
    draft = ProcedureFactory(draft=True, channel_online=True, online_url="https://apply.example.jp/draft")
    page = client.get(online.get_absolute_url()).content.decode()
    assert f'href="/procedures/{online.slug}/apply/"' in page and "apply.example.jp" in page  # says where

    for _ in range(2):
        response = client.get(f"/procedures/{online.slug}/apply/")
        assert response.status_code == 302 and response["Location"] == "https://apply.example.jp/forms/123"
    assert client.get(f"/procedures/{online.slug}/apply/?next=https://evil.example/").headers["Location"] == (
        "https://apply.example.jp/forms/123"
    )
    assert client.head(f"/procedures/{online.slug}/apply/").status_code == 302  # a HEAD is not counted
    for p in (offline, draft):
        assert client.get(f"/procedures/{p.slug}/apply/").status_code == 404
    assert client.post(f"/procedures/{online.slug}/apply/").status_code == 405

    services.usage_flush()
    rows = ProcedureUsageDay.objects.values_list("procedure__slug", "views", "online_starts")
    assert sorted(rows) == [(online.slug, 1, 3)]
    summary = usage_summary(days=7)
    assert summary.online_starts == 3
    assert [(u.slug, u.online_starts) for u in summary.top] == [(online.slug, 3)]


def test_a_counter_form_made_counts_for_the_procedures_whose_certificates_it_asks_for(
    django_capture_on_commit_callbacks,
):
    from tests.counter.helpers import create

    user = User.objects.create_user(email="r@example.jp", password="x" * 12)
    with django_capture_on_commit_callbacks(execute=True):
        create(user, "juminhyo", copies_juminhyo_all="1", copies_juminhyo_some="1", copies_kisai="1")
        create(user, "inkan")
    services.usage_flush()
    made = dict(
        ProcedureUsageDay.objects.filter(counter_forms__gt=0).values_list("procedure__slug", "counter_forms")
    )
    # Two kinds of 住民票の写し on one form are one form for that procedure.
    assert made == {"juminhyo-copy": 1, "juminhyo-kisai-jiko-shomei": 1, "inkan-certificate": 1}


# --- flushing ------------------------------------------------------------------------------------------


def test_flushing_twice_stores_each_count_once():
    p = ProcedureFactory()
    for _ in range(3):
        services.usage_view_count(slug=p.slug)
    tasks.usage_flush.delay()
    tasks.usage_flush.delay()
    assert views(p) == 3
    services.usage_view_count(slug=p.slug)
    services.usage_flush()
    assert views(p) == 4
    assert ProcedureUsageDay.objects.count() == 1


def test_a_batch_stored_by_a_flush_that_died_before_forgetting_it_is_not_stored_again():
    p = ProcedureFactory()
    services.usage_view_count(slug=p.slug)
    (batch,) = services.USAGE_TALLY.batches()
    assert services._usage_batch_store(batch)  # committed; the worker dies before done()
    assert views(p) == 1
    assert services.usage_flush() == 0
    assert views(p) == 1
    assert services.USAGE_TALLY.batches() == []


def test_a_batch_taken_by_a_flush_that_died_before_storing_it_is_stored_by_the_next():
    p = ProcedureFactory()
    services.usage_view_count(slug=p.slug)
    services.USAGE_TALLY.batches()  # the worker dies here
    services.usage_view_count(slug=p.slug)
    assert services.usage_flush() == 2
    assert views(p) == 2


def test_counts_of_a_deleted_procedure_and_malformed_fields_are_dropped():
    p = ProcedureFactory()
    services.usage_view_count(slug=p.slug)
    services.usage_view_count(slug="gone")
    services.USAGE_TALLY.add("not-a-date|v|x")
    services.usage_flush()
    assert views(p) == 1 and ProcedureUsageDay.objects.count() == 1


def _run_threads(targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)


@pytest.mark.redis
def test_no_count_is_lost_when_bumps_and_drains_run_at_once_on_redis(redis_cache):
    tally = Tally("test-concurrent")
    bumps, per_thread = 8, 500
    drained: dict[str, int] = {}
    stop = threading.Event()

    def bump():
        for _ in range(per_thread):
            tally.add("k")

    def drain_once():
        for batch in tally.batches():
            for field, n in batch.counts.items():
                drained[field] = drained.get(field, 0) + n
            tally.done(batch.id)

    def drain():
        while not stop.is_set():
            drain_once()

    drainer = threading.Thread(target=drain)
    drainer.start()
    _run_threads([bump] * bumps)
    stop.set()
    drainer.join(timeout=60)
    drain_once()  # what came in after the drainer's last turn
    assert drained and tally.batches() == []
    assert drained == {"k": bumps * per_thread}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_flushes_and_page_views_at_once_count_every_view_once(postgres, redis_cache):
    from django.db import connections

    p = ProcedureFactory()
    viewers, per_viewer = 6, 200
    stop = threading.Event()

    def view():
        for _ in range(per_viewer):
            services.usage_view_count(slug=p.slug)

    def flush():
        try:
            while not stop.is_set():
                services.usage_flush()
        finally:
            connections.close_all()

    flushers = [threading.Thread(target=flush) for _ in range(2)]
    for t in flushers:
        t.start()
    _run_threads([view] * viewers)
    stop.set()
    for t in flushers:
        t.join(timeout=60)
    services.usage_flush()
    assert views(p) == viewers * per_viewer
    assert ProcedureUsageDay.objects.filter(procedure=p).count() == 1


@pytest.mark.redis
def test_on_redis_the_counts_wait_in_one_hash_until_flushed(redis_cache):
    import redis
    from django.conf import settings

    p = ProcedureFactory()
    services.usage_view_count(slug=p.slug)
    other = redis.Redis.from_url(settings.REDIS_URL)  # as another web process sees it
    (key,) = other.keys("*tally:catalogue-usage:pending")
    assert other.hgetall(key) == {f"{timezone.localdate()}|v|{p.slug}".encode(): b"1"}
    services.usage_flush()
    assert not other.keys("*tally:catalogue-usage:*")
    assert views(p) == 1


# --- retention and the privacy threshold ----------------------------------------------------------------


def test_usage_older_than_the_retention_period_is_purged(settings):
    settings.TAKAMATSU_USAGE_RETENTION_DAYS = 90
    p = ProcedureFactory()
    today = timezone.localdate()
    for age in (89, 90, 91, 400):
        day = today - dt.timedelta(days=age)
        ProcedureUsageDay.objects.create(procedure=p, day=day, views=1)
        SearchUsageDay.objects.create(day=day, searches=1)
        ZeroResultQueryDay.objects.create(day=day, query="ぬ", count=1)
    UsageFlushBatch.objects.create(batch_id="old", flushed_at=timezone.now() - dt.timedelta(days=8))
    UsageFlushBatch.objects.create(batch_id="new", flushed_at=timezone.now())

    tasks.usage_purge.delay()
    tasks.usage_purge.delay()
    kept = {today - dt.timedelta(days=a) for a in (89, 90)}
    for model in (ProcedureUsageDay, SearchUsageDay, ZeroResultQueryDay):
        assert set(model.objects.values_list("day", flat=True)) == kept, model
    assert list(UsageFlushBatch.objects.values_list("batch_id", flat=True)) == ["new"]


def test_a_query_that_found_nothing_is_shown_only_when_searched_often_enough_in_the_period(settings):
    settings.TAKAMATSU_USAGE_QUERY_MIN_COUNT = 3
    today = timezone.localdate()
    rows = [
        ("たかまつたろう", 0, 1),  # typed once: perhaps a name, never shown
        ("ぷーるよやく", 0, 1),
        ("ぷーるよやく", 3, 2),  # 3 in total over two days of the period
        ("ふるい", 10, 2),
        ("ふるい", 3, 1),  # 2 in the last 7 days, 3 in the last 30
        ("ねこ", 1, 7),
    ]
    for query, age, count in rows:
        ZeroResultQueryDay.objects.create(day=today - dt.timedelta(days=age), query=query, count=count)
    assert usage_summary(days=7).zero_result_queries == [("ねこ", 7), ("ぷーるよやく", 3)]
    assert usage_summary(days=30).zero_result_queries == [("ねこ", 7), ("ふるい", 3), ("ぷーるよやく", 3)]


def test_the_summary_ranks_procedures_and_lists_the_published_ones_nobody_viewed():
    today = timezone.localdate()
    popular, quiet, unseen = ProcedureFactory(), ProcedureFactory(), ProcedureFactory()
    draft = ProcedureFactory(draft=True)
    ProcedureUsageDay.objects.create(procedure=popular, day=today, views=5, counter_forms=2)
    ProcedureUsageDay.objects.create(procedure=popular, day=today - dt.timedelta(days=20), views=50)
    ProcedureUsageDay.objects.create(procedure=quiet, day=today - dt.timedelta(days=1), views=1)
    ProcedureUsageDay.objects.create(procedure=unseen, day=today - dt.timedelta(days=8), views=9)
    SearchUsageDay.objects.create(day=today, searches=10, zero_results=4)

    week = usage_summary(days=7)
    assert [(u.slug, u.views, u.counter_forms) for u in week.top] == [
        (popular.slug, 5, 2),
        (quiet.slug, 1, 0),
    ]
    unviewed = {u.slug for u in week.unviewed}
    assert unseen.slug in unviewed and draft.slug not in unviewed and popular.slug not in unviewed
    assert (week.views, week.counter_forms, week.searches, week.zero_result_searches) == (6, 2, 10, 4)
    assert week.start == today - dt.timedelta(days=6) and week.end == today
    assert [u.slug for u in usage_summary(days=30).top][:1] == [popular.slug]
