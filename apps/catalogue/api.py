"""Open-data API of the catalogue (SPEC §4): JSON, CSV, described by the project's OpenAPI document."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from apps.core.api import QueryInt, StrictSchema, error_responses
from apps.core.errors import NotFound
from apps.core.textfiles import excel_csv

from . import selectors
from .constants import Channel
from .models import Procedure
from .views import counter_form_url

router = Router(tags=["procedures"])


class ProcedureOut(Schema):
    slug: str
    title: str
    title_en: str
    reading: str = Field(description="Reading of the title in hiragana")
    summary: str
    summary_en: str
    life_events: list[str] = Field(description="Life-event slugs")
    categories: list[str] = Field(description="Category slugs")
    channels: list[str] = Field(description="Subset of: counter, online, konbini, mail")
    requires_my_number_card: bool
    fee_yen: int | None = Field(description="Fee in yen; null when free")
    section: str = Field(description="Responsible section (担当課)")
    apply_url: str = Field(
        description="Where to apply: the external online service or our counter form; may be empty"
    )
    detail_url: str
    updated_at: datetime


class ProcedureList(Schema):
    count: int
    results: list[ProcedureOut]


class ListParams(StrictSchema):
    q: str = Field("", max_length=1000, description="Free text as residents type it; ranks results")
    life_event: str = Field("", max_length=100)
    category: str = Field("", max_length=100)
    channel: Channel | None = Field(None, strict=False)  # the query's text names the choice
    limit: QueryInt = Field(20, ge=1, le=100)
    offset: QueryInt = Field(0, ge=0, le=100_000)


def serialize(request: HttpRequest, p: Procedure) -> dict:
    apply_url = p.online_url if p.channel_online else counter_form_url(p)
    if apply_url.startswith("/"):
        apply_url = request.build_absolute_uri(apply_url)
    return {
        "slug": p.slug,
        "title": p.title,
        "title_en": p.title_en,
        "reading": p.reading,
        "summary": p.summary,
        "summary_en": p.summary_en,
        "life_events": [e.slug for e in p.life_events.all()],
        "categories": [c.slug for c in p.categories.all()],
        "channels": p.channels,
        "requires_my_number_card": p.requires_my_number_card,
        "fee_yen": p.fee_yen,
        "section": p.section.name,
        "apply_url": apply_url,
        "detail_url": request.build_absolute_uri(p.get_absolute_url()),
        "updated_at": p.updated_at,
    }


@router.get(
    "/procedures",
    response={200: ProcedureList, **error_responses(400)},
    summary="Search and list published procedures",
)
def procedure_list(request: HttpRequest, params: Query[ListParams]):
    result = selectors.procedure_search(
        query=params.q,
        life_event=params.life_event,
        category=params.category,
        channel=params.channel or "",
        limit=params.limit,
        offset=params.offset,
    )
    return {"count": result.count, "results": [serialize(request, p) for p in result.procedures]}


CSV_COLUMNS = [
    "slug", "title", "title_en", "reading", "summary", "summary_en", "life_events", "categories", "channels",
    "requires_my_number_card", "fee_yen", "section", "apply_url", "detail_url", "updated_at",
]  # fmt: skip


def _csv_row(row: dict) -> list:
    for name in ("life_events", "categories", "channels"):
        row[name] = "|".join(row[name])
    row["requires_my_number_card"] = "true" if row["requires_my_number_card"] else "false"
    row["fee_yen"] = "" if row["fee_yen"] is None else row["fee_yen"]
    row["updated_at"] = row["updated_at"].isoformat()
    return [row[c] for c in CSV_COLUMNS]


@router.get(
    "/procedures.csv",
    response=error_responses(400),
    summary="The published catalogue as CSV (UTF-8 with BOM)",
    description=(
        "Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) is prefixed "
        "with an apostrophe; the JSON list has the exact values."
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The catalogue, one procedure a row, with a header row",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def procedure_csv(request: HttpRequest):
    key = f"api:procedures.csv:{selectors.catalogue_version()}:{request.get_host()}"
    body = cache.get(key)
    if body is None:
        # With its BOM this file is made to be opened in Excel, so it is defused like every other download;
        # programs that need the exact values read the JSON list.
        body = excel_csv(
            CSV_COLUMNS, (_csv_row(serialize(request, p)) for p in selectors.procedure_export_rows())
        )
        cache.set(key, body, 600)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="takamatsu-procedures.csv"'
    return response


@router.get(
    "/procedures/{slug}",
    response={200: ProcedureOut, **error_responses(400, 404)},
    summary="One published procedure",
)
def procedure_detail(request: HttpRequest, slug: str):
    try:
        return serialize(request, selectors.procedure_get(slug=slug))
    except Procedure.DoesNotExist:
        raise NotFound(_("手続きが見つかりません。")) from None
