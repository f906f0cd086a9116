from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from apps.core.cache import cache_public_page

from . import selectors, services
from .constants import Channel
from .models import Procedure

PAGE_SIZE = 20
# The list page says how many procedures matched; kept with the cached page so a hit can be counted.
RESULT_COUNT_HEADER = "X-Result-Count"


def counted(count: Callable[..., None]):
    """Count every page a GET is served, from the page cache or not: this wraps around the cache."""

    def decorator(view: Callable[..., HttpResponse]):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if request.method == "GET" and response.status_code == 200:
                count(request, response, **kwargs)
            return response

        return wrapper

    return decorator


def _count_search(request: HttpRequest, response: HttpResponse) -> None:
    get = request.GET
    # A search is what the search box sends: a query, first page, no facet (refining is not searching).
    facets = ("life_event", "category", "channel")
    if get.get("page", "1") not in ("", "1") or any(get.get(f) for f in facets):
        return
    results = response.get(RESULT_COUNT_HEADER, "")
    services.usage_search_count(query=get.get("q", ""), results=int(results) if results.isdigit() else None)


def _count_view(request: HttpRequest, response: HttpResponse, *, slug: str) -> None:
    services.usage_view_count(slug=slug)


def _filters(request) -> dict[str, str]:
    get = request.GET
    return {key: get.get(param, "") for key, param in [
        ("query", "q"), ("life_event", "life_event"), ("category", "category"), ("channel", "channel")
    ]}  # fmt: skip


@require_safe
@cache_public_page(selectors.catalogue_version)
def home(request):
    return render(
        request,
        "catalogue/home.html",
        {"life_events": selectors.life_event_list(), "categories": selectors.category_list()},
    )


@require_safe
@counted(_count_search)
@cache_public_page(selectors.catalogue_version, keep_headers=(RESULT_COUNT_HEADER,))
def procedure_list(request):
    filters = _filters(request)
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    offset = (page_number - 1) * PAGE_SIZE
    result = selectors.procedure_search(**filters, limit=PAGE_SIZE, offset=offset)
    paginator = Paginator(range(result.count), PAGE_SIZE)
    page = paginator.get_page(page_number)
    params = request.GET.copy()
    params.pop("page", None)
    response = render(
        request,
        "catalogue/procedure_list.html",
        {
            "result": result,
            "filters": filters,
            "page": page,
            "query_string": params.urlencode(),
            "query_truncated": len(filters["query"]) > len(result.query),
            "channels": Channel.choices,
        },
    )
    response[RESULT_COUNT_HEADER] = str(result.count)
    return response


@require_safe
def procedure_apply_online(request, slug: str):
    """On to the procedure's online application (an external service), counted for the usage figures.

    Only ever to the URL the catalogue holds for a published procedure: not an open redirect.
    """
    try:
        url = selectors.procedure_online_url(slug=slug)
    except Procedure.DoesNotExist:
        raise Http404 from None
    if request.method == "GET":
        services.usage_online_start_count(slug=slug)
    return redirect(url)


def counter_form_url(procedure: Procedure) -> str:
    """Our own pre-filled counter form for this procedure, once the counter app provides it."""
    if not procedure.counter_form:
        return ""
    try:
        return reverse("counter:start", kwargs={"form": procedure.counter_form})
    except NoReverseMatch:
        return ""


@require_safe
@counted(_count_view)
@cache_public_page(selectors.catalogue_version)
def procedure_detail(request, slug: str):
    try:
        procedure = selectors.procedure_get(slug=slug)
    except Procedure.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "catalogue/procedure_detail.html",
        {
            "procedure": procedure,
            "counter_form_url": counter_form_url(procedure),
            # the button goes through our counting redirect: say where it leads
            "online_host": urlsplit(procedure.online_url).hostname or "",
        },
    )
