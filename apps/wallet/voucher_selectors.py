"""Reads of the premium vouchers: the wallet app's public read interface for sales and reservations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.identity.selectors import verification_get

from .constants import ApplicationStatus, PaymentMethod, ReservationStatus, SaleMode
from .models import VoucherApplication, VoucherHolding, VoucherReservation, VoucherSale
from .vouchers import draw_order, eligibility_refusal

STATE_LABELS = {
    "upcoming": _("受付前"),
    "applying": _("抽選の申込受付中"),
    "on_sale": _("先着順で販売中"),
    "sold_out": _("売り切れ"),
    "drawing": _("抽選待ち"),
    "drawn": _("抽選済み（当選者の購入期間）"),
    "closed": _("受付終了"),
}


def voucher_sale_state(sale: VoucherSale, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if now < sale.opens_at:
        return "upcoming"
    if now < sale.closes_at:
        if sale.mode == SaleMode.LOTTERY:
            return "applying"
        return "on_sale" if sale.reserved < sale.stock else "sold_out"
    if sale.mode == SaleMode.LOTTERY and now < sale.purchase_until:
        return "drawn" if sale.drawn_at else "drawing"
    return "closed"


@dataclass
class SaleRow:
    sale: VoucherSale
    state: str
    state_label: str
    application: VoucherApplication | None
    holding_units: int
    left: int
    refusal: str = ""  # why this person may not apply or buy ("" if they may)
    unverified: bool = False  # the refusal is lifted by verifying with the My Number card


def voucher_sales_for_user(*, user) -> list[SaleRow]:
    """Sales whose vouchers are still valid, with their state and what this person applied for or holds."""
    now = timezone.now()
    sales = list(VoucherSale.objects.filter(valid_until__gt=now).order_by("opens_at", "pk"))
    applications = {a.sale_id: a for a in VoucherApplication.objects.filter(user=user, sale__in=sales)}
    holdings = dict(VoucherHolding.objects.filter(user=user, sale__in=sales).values_list("sale_id", "units"))
    rows = []
    for sale in sales:
        state = voucher_sale_state(sale, now)
        rows.append(
            SaleRow(
                sale=sale,
                state=state,
                state_label=str(STATE_LABELS[state]),
                application=applications.get(sale.pk),
                holding_units=holdings.get(sale.pk, 0),
                left=max(sale.stock - sale.reserved, 0),
            )
        )
    return rows


def voucher_sale_row(*, user, code: str) -> SaleRow:
    """One sale as `voucher_sales_for_user` shows it; an unknown code is a 404."""
    sale = VoucherSale.objects.filter(code=code).first()
    if sale is None:
        raise Http404
    state = voucher_sale_state(sale)
    holding = VoucherHolding.objects.filter(user=user, sale=sale).values_list("units", flat=True).first()
    verification = verification_get(user=user)
    return SaleRow(
        sale=sale,
        state=state,
        state_label=str(STATE_LABELS[state]),
        application=VoucherApplication.objects.filter(user=user, sale=sale).first(),
        holding_units=holding or 0,
        left=max(sale.stock - sale.reserved, 0),
        refusal=eligibility_refusal(sale=sale, verification=verification),
        unverified=verification is None,
    )


def voucher_reservations_for_user(*, user, limit: int = 50) -> list[VoucherReservation]:
    return list(
        VoucherReservation.objects.filter(user=user).select_related("sale").order_by("-created_at")[:limit]
    )


def voucher_reservation_for_user(*, user, pk) -> VoucherReservation:
    """The person's own reservation; another resident's (or an unknown) one is a 404."""
    try:
        return VoucherReservation.objects.select_related("sale").get(pk=pk, user=user)
    except (VoucherReservation.DoesNotExist, ValueError):
        raise Http404 from None


def voucher_reservation_by_ref_for_user(*, user, ref: str) -> VoucherReservation:
    try:
        return VoucherReservation.objects.select_related("sale").get(
            provider_ref=ref, method=PaymentMethod.SANDBOX, user=user
        )
    except VoucherReservation.DoesNotExist:
        raise Http404 from None


def voucher_operator_overview(*, query: str = "", limit: int = 100) -> dict:
    """Every sale with its counts, pending reservations (by deadline), and payments to refund (oldest
    first) for the operator."""
    now = timezone.now()
    sales = list(VoucherSale.objects.order_by("-opens_at", "pk"))
    pending = VoucherReservation.objects.filter(status=ReservationStatus.PENDING).select_related("sale")
    digits = "".join(ch for ch in query if ch.isdigit())
    if digits:
        pending = pending.filter(provider_ref__startswith=digits, method=PaymentMethod.COUNTER)
    return {
        "sales": [
            {
                "sale": sale,
                "state_label": STATE_LABELS[voucher_sale_state(sale, now)],
                "can_draw": sale.mode == SaleMode.LOTTERY
                and sale.drawn_at is None
                and sale.closes_at <= now < sale.purchase_until,
                "applications": sale.applications.count(),
            }
            for sale in sales
        ],
        "pending": list(pending.order_by("expires_at", "pk")[:limit]),
        "refunds_due": list(
            VoucherReservation.objects.filter(status=ReservationStatus.REFUND_DUE)
            .select_related("sale")
            .order_by("paid_at", "pk")[:limit]
        ),
    }


def voucher_draw_check(*, sale: VoucherSale) -> bool:
    """Recompute a recorded draw from its seed: True if the winners are exactly those the order gives."""
    if not sale.draw_seed:
        return False
    applications = {a.pk: a for a in VoucherApplication.objects.filter(sale=sale)}
    order = draw_order(seed=sale.draw_seed, application_ids=list(applications))
    left = sale.stock
    for pk in order:
        application = applications[pk]
        expected = ApplicationStatus.WON if left > 0 else ApplicationStatus.LOST
        if application.status != expected:
            return False
        left -= min(application.units, left)
    return True
