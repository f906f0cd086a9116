"""Premium digital vouchers (プレミアム付きデジタル商品券): the wallet app's public interface to sell them.

A sale is by lottery (apply in the window, the operator draws, winners pay in the purchase window) or first
come (reserve at once). A purchase is a reservation: the units are counted in `VoucherSale.reserved` and in
the buyer's `VoucherHolding` at once, so stock and the per-person cap are held by the database (CHECK
constraints, conditional updates), never by a check in Python. Only when the payment is confirmed does one
VOUCHER ledger transaction credit the voucher value (price + premium) to the resident, as a lot valid until
the sale's `valid_until`. Unpaid reservations expire and give their units back. A payment that arrives
too late still buys the vouchers if their units can be taken again; if not, the money is owed back: the
reservation is `refund_due` until the operator records the refund.

Locks are always taken in the same order — reservation rows, then sale rows (by id), then holdings — so
concurrent buyers, cancellations, the draw and the expiry sweep wait for each other but never deadlock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.identity.selectors import verification_get
from apps.notifications.registry import register_event
from apps.notifications.services import notify

from .constants import (
    REFUND_STATUSES,
    AccountKind,
    ApplicationStatus,
    LotSource,
    PaymentMethod,
    RefundReason,
    ReservationStatus,
    SaleEligibility,
    SaleMode,
    TransactionKind,
)
from .models import VoucherApplication, VoucherHolding, VoucherReservation, VoucherSale
from .payment_providers import PaymentProviderError, provider_get
from .services import (
    NewLot,
    WalletError,
    ledger_post,
    request_hash,
    resident_account,
    resident_key,
    system_account,
)

logger = logging.getLogger(__name__)

EXPIRE_BATCH_SIZE = 500
EXPIRE_MAX_BATCHES = 20


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _sale_get(sale) -> VoucherSale:
    """The sale as it is now (callers may hold an old copy)."""
    pk = sale.pk if isinstance(sale, VoucherSale) else sale
    found = VoucherSale.objects.filter(pk=pk).first()
    if found is None:
        raise WalletError(_("商品券が見つかりません。"), code="unknown_sale", status=404)
    return found


def eligibility_refusal(*, sale: VoucherSale, verification) -> str:
    """Why the person with this IdentityVerification (None: not verified) may not apply for or buy `sale`
    ("" if they may), in words that say what to do."""
    if sale.eligibility == SaleEligibility.ANYONE:
        return ""
    if verification is None:
        if sale.eligibility == SaleEligibility.RESIDENTS:
            return _(
                "この商品券は、マイナンバーカードで本人確認をした高松市民の方が購入できます。"
                "マイページから本人確認をしてください。"
            )
        return _(
            "この商品券は、マイナンバーカードで本人確認をした方が購入できます。マイページから本人確認をしてください。"
        )
    if sale.eligibility == SaleEligibility.RESIDENTS and not verification.is_takamatsu_resident:
        return _("この商品券は、高松市に住民登録のある方が購入できます（本人確認した住所が高松市外です）。")
    return ""


def _eligibility_check(sale: VoucherSale, user) -> None:
    if refusal := eligibility_refusal(sale=sale, verification=verification_get(user=user)):
        raise WalletError(refusal, code="not_eligible", status=403)


def _units(value, sale: VoucherSale) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise WalletError(_("冊数は1以上の整数で指定してください。"), code="invalid_units")
    if value > sale.per_person_cap:
        raise WalletError(
            _("1人あたり%(cap)d冊までです。") % {"cap": sale.per_person_cap}, code="cap_reached", status=409
        )
    return value


def _window_check(sale: VoucherSale, now: dt.datetime) -> None:
    if not (sale.opens_at <= now < sale.closes_at):
        raise WalletError(_("受付期間外です。"), code="sale_closed", status=409)


def _holding_take(*, sale: VoucherSale, user_id: int, units: int) -> None:
    """Count `units` more for this person in this sale, refused past the cap (the row lock orders them)."""
    VoucherHolding.objects.bulk_create(
        [VoucherHolding(sale=sale, user_id=user_id, units=0, cap=sale.per_person_cap)], ignore_conflicts=True
    )
    taken = VoucherHolding.objects.filter(sale=sale, user_id=user_id, units__lte=F("cap") - units).update(
        units=F("units") + units
    )
    if not taken:
        raise WalletError(
            _("1人あたり%(cap)d冊までです。") % {"cap": sale.per_person_cap}, code="cap_reached", status=409
        )


def _release(rows: list[tuple[int, int, int]]) -> None:
    """Give back the units of ended reservations ((sale id, user id, units), ...): stock, then holdings."""
    per_sale: dict[int, int] = defaultdict(int)
    per_holding: dict[tuple[int, int], int] = defaultdict(int)
    for sale_id, user_id, units in rows:
        per_sale[sale_id] += units
        per_holding[(sale_id, user_id)] += units
    for sale_id in sorted(per_sale):
        VoucherSale.objects.filter(pk=sale_id).update(reserved=F("reserved") - per_sale[sale_id])
    for (sale_id, user_id), units in sorted(per_holding.items()):
        VoucherHolding.objects.filter(sale_id=sale_id, user_id=user_id).update(units=F("units") - units)


def _reservation_new(*, sale: VoucherSale, user, units: int, key: str, fingerprint: str, expires_at):
    return VoucherReservation.objects.create(
        sale=sale,
        user=user,
        units=units,
        amount_due=units * sale.price,
        face_total=units * sale.face_value,
        idempotency_key=key,
        request_hash=fingerprint,
        expires_at=expires_at,
    )


# --- Lottery -----------------------------------------------------------------------------------------


def voucher_apply(*, user, sale, units) -> VoucherApplication:
    """Apply for `units` in a lottery sale during its window; one application per person."""
    sale = _sale_get(sale)
    if sale.mode != SaleMode.LOTTERY:
        raise WalletError(_("この商品券は先着順で販売しています。"), code="not_a_lottery")
    _eligibility_check(sale, user)
    _window_check(sale, timezone.now())
    units = _units(units, sale)
    try:
        with transaction.atomic():
            return VoucherApplication.objects.create(sale=sale, user=user, units=units)
    except IntegrityError:
        raise WalletError(
            _("この商品券にはすでに申し込んでいます。"), code="already_applied", status=409
        ) from None


def draw_order(*, seed: str, application_ids: list[int]) -> list[int]:
    """The order of the draw: by HMAC-SHA256(seed, id). Anyone with the seed and the ids can recompute it."""

    def rank(pk: int) -> str:
        return hmac.new(seed.encode(), str(pk).encode(), hashlib.sha256).hexdigest()

    return sorted(application_ids, key=rank)


@dataclass
class DrawResult:
    sale: VoucherSale
    winners: int
    losers: int
    units: int


def voucher_draw(*, sale) -> DrawResult:
    """Draw a lottery after its window: a fresh seed from `secrets`, recorded on the sale; once only.

    Winners in draw order get their units while stock lasts (the last one possibly fewer); each winner's
    units are reserved (stock and holding) with a pending reservation to pay until `purchase_until`, all in
    the same database transaction as the draw. Winners and losers are notified.
    """
    sale = _sale_get(sale)
    now = timezone.now()
    if sale.mode != SaleMode.LOTTERY:
        raise WalletError(_("この商品券は抽選ではありません。"), code="not_a_lottery")
    if now < sale.closes_at:
        raise WalletError(_("抽選は受付期間が終わってからです。"), code="draw_too_early", status=409)
    if now >= sale.purchase_until:
        raise WalletError(_("購入期限を過ぎています。"), code="sale_closed", status=409)
    seed = secrets.token_hex(32)
    with transaction.atomic():
        # Claim the draw: of two operators pressing the button, one draws and the other is told.
        claimed = VoucherSale.objects.filter(pk=sale.pk, drawn_at__isnull=True).update(
            draw_seed=seed, drawn_at=now
        )
        if not claimed:
            raise WalletError(_("この商品券は抽選済みです。"), code="already_drawn", status=409)
        sale = VoucherSale.objects.get(pk=sale.pk)
        applications = {
            a.pk: a
            for a in VoucherApplication.objects.filter(
                sale=sale, status=ApplicationStatus.APPLIED
            ).select_related("user")
        }
        left = sale.stock - sale.reserved
        won: list[tuple[VoucherApplication, int]] = []
        lost: list[VoucherApplication] = []
        for pk in draw_order(seed=seed, application_ids=list(applications)):
            application = applications[pk]
            units = min(application.units, left)
            if units > 0:
                won.append((application, units))
                left -= units
            else:
                lost.append(application)
        total = sum(units for _, units in won)
        if total:
            VoucherSale.objects.filter(pk=sale.pk).update(reserved=F("reserved") + total)
        for application, units in sorted(won, key=lambda w: w[0].user_id):
            _holding_take(sale=sale, user_id=application.user_id, units=units)
        for application, units in won:
            reservation = _reservation_new(
                sale=sale,
                user=application.user,
                units=units,
                key=f"voucher-draw:{application.pk}",
                fingerprint=request_hash("voucher-draw", application.pk, units),
                expires_at=sale.purchase_until,
            )
            notify(
                recipient=application.user,
                event="wallet.voucher_won",
                context={
                    "sale_name": sale.name_in(application.user.preferred_language),
                    "units": units,
                    "amount_due": reservation.amount_due,
                    "face_total": reservation.face_total,
                    "purchase_until": _fmt(sale.purchase_until),
                    "reservation_id": str(reservation.pk),
                },
                dedupe_key=f"voucher-won:{application.pk}",
            )
        VoucherApplication.objects.filter(pk__in=[a.pk for a, _ in won]).update(status=ApplicationStatus.WON)
        VoucherApplication.objects.filter(pk__in=[a.pk for a in lost]).update(status=ApplicationStatus.LOST)
        for application in lost:
            notify(
                recipient=application.user,
                event="wallet.voucher_lost",
                context={"sale_name": sale.name_in(application.user.preferred_language)},
                dedupe_key=f"voucher-lost:{application.pk}",
            )
    logger.info("voucher sale %s drawn: %d winners, %d losers", sale.pk, len(won), len(lost))
    return DrawResult(sale=sale, winners=len(won), losers=len(lost), units=total)


# --- First come --------------------------------------------------------------------------------------


def voucher_reserve(*, user, sale, units, idempotency_key) -> VoucherReservation:
    """Reserve `units` of a first-come sale; a retry with the same key returns the first reservation."""
    sale = _sale_get(sale)
    key = resident_key(idempotency_key, user=user)
    fingerprint = request_hash("voucher-reserve", user.pk, sale.pk, units)
    replay = _reservation_replay(key, fingerprint)
    if replay is not None:
        return replay
    if sale.mode != SaleMode.FIRST_COME:
        raise WalletError(_("この商品券は抽選で販売しています。"), code="lottery_sale")
    _eligibility_check(sale, user)
    now = timezone.now()
    _window_check(sale, now)
    units = _units(units, sale)
    try:
        with transaction.atomic():
            # The stock: a conditional update on the sale row, so concurrent buyers can never oversell.
            if not VoucherSale.objects.filter(pk=sale.pk, reserved__lte=F("stock") - units).update(
                reserved=F("reserved") + units
            ):
                raise WalletError(_("売り切れました。"), code="sold_out", status=409)
            _holding_take(sale=sale, user_id=user.pk, units=units)
            return _reservation_new(
                sale=sale,
                user=user,
                units=units,
                key=key,
                fingerprint=fingerprint,
                expires_at=min(now + dt.timedelta(minutes=sale.reservation_minutes), sale.purchase_until),
            )
    except IntegrityError:
        replay = _reservation_replay(key, fingerprint)  # the same key won a concurrent race
        if replay is None:
            raise
        return replay


def _reservation_replay(key: str, fingerprint: str) -> VoucherReservation | None:
    existing = VoucherReservation.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_hash != fingerprint:
        raise WalletError(
            _("この冪等キーは別の内容で使われています。"), code="idempotency_conflict", status=409
        )
    return existing


# --- Payment -----------------------------------------------------------------------------------------


def _pending_for_user(*, user, reservation_id) -> VoucherReservation:
    reservation = (
        VoucherReservation.objects.select_related("sale").filter(pk=reservation_id, user=user).first()
    )
    if reservation is None:
        raise WalletError(_("予約が見つかりません。"), code="unknown_reservation", status=404)
    _payable_check(reservation, timezone.now())
    return reservation


def _payable_check(reservation: VoucherReservation, now: dt.datetime) -> None:
    if reservation.status == ReservationStatus.PAID:
        raise WalletError(_("この予約は支払い済みです。"), code="already_paid", status=409)
    if reservation.status == ReservationStatus.CANCELLED:
        raise WalletError(_("この予約は取り消されています。"), code="reservation_cancelled", status=409)
    if reservation.status in REFUND_STATUSES:
        raise WalletError(
            _("この予約への入金は返金の対象です。もう一度支払うことはできません。"),
            code="refund_due",
            status=409,
        )
    if (
        reservation.status == ReservationStatus.EXPIRED
        or reservation.expires_at <= now
        or reservation.sale.valid_until <= now
    ):
        raise WalletError(
            _("支払い期限を過ぎたため、この商品券は購入できません。"), code="voucher_expired", status=409
        )


def _counter_ref() -> str:
    return f"{secrets.randbelow(10**12):012d}"


def voucher_payment_start(*, user, reservation_id, method: str) -> tuple[VoucherReservation, str | None]:
    """Choose how to pay a pending reservation: the online provider (returns where to pay) or the counter.

    Counter and convenience-store payment gets a 12-digit payment number the operator confirms later.
    """
    if method not in PaymentMethod.values:
        raise WalletError(_("支払い方法を選んでください。"), code="invalid_method")
    reservation = _pending_for_user(user=user, reservation_id=reservation_id)
    if method == PaymentMethod.COUNTER and reservation.method == method and reservation.provider_ref:
        return reservation, None  # the number already given out stays valid
    for _attempt in range(3):
        if method == PaymentMethod.COUNTER:
            ref, url = _counter_ref(), None
        else:
            try:
                checkout = provider_get(method).checkout_start(reservation=reservation)
            except PaymentProviderError:
                raise WalletError(_("この支払い方法は使えません。"), code="invalid_method") from None
            ref, url = checkout.ref, checkout.url
        try:
            with transaction.atomic():
                changed = VoucherReservation.objects.filter(
                    pk=reservation.pk, status=ReservationStatus.PENDING
                ).update(method=method, provider_ref=ref)
        except IntegrityError:  # a reference already given out: draw another
            continue
        if not changed:  # expired or cancelled meanwhile
            current = VoucherReservation.objects.select_related("sale").get(pk=reservation.pk)
            _payable_check(current, timezone.now())
        reservation.refresh_from_db()
        return reservation, url
    raise WalletError(_("もう一度お試しください。"), code="try_again", status=503)


def voucher_payment_confirm(*, reservation_id, confirmed_by=None) -> VoucherReservation:
    """The payment arrived: credit the voucher value once (one VOUCHER transaction keyed by the reservation).

    Issuance gives the price paid, the premium account the premium; the resident gets a lot valid until
    the sale's `valid_until`. Money that has arrived is never turned away: paid after the deadline, it
    still buys the vouchers while they are valid and the units can be taken again as a new purchase would
    (stock, then the per-person cap); otherwise, and always after the resident cancelled, the reservation
    becomes `refund_due`, the resident is told, and the operator's desk lists it until the refund is
    recorded (`voucher_refund_record`). Another notice of the same payment returns the reservation as is.
    """
    now = timezone.now()
    with transaction.atomic():
        reservation = (
            VoucherReservation.objects.select_for_update(of=("self",))
            .select_related("sale", "user")
            .filter(pk=reservation_id)
            .first()
        )
        if reservation is None:
            raise WalletError(_("予約が見つかりません。"), code="unknown_reservation", status=404)
        if reservation.status == ReservationStatus.PAID or reservation.status in REFUND_STATUSES:
            return reservation
        reason = _units_hold_for_payment(reservation, now)
        if reason:
            _refund_due_record(reservation, reason=reason, now=now, confirmed_by=confirmed_by)
        else:
            _voucher_credit(reservation, now=now, confirmed_by=confirmed_by)
    logger.info("voucher reservation %s %s (%s)", reservation.pk, reservation.status, reservation.method)
    return reservation


def _units_hold_for_payment(reservation: VoucherReservation, now: dt.datetime) -> str:
    """Make sure the reservation's units are held for a payment that arrived; the refund reason if not.

    A pending reservation still holds its units (even past its deadline, until the sweep ends it). An
    expired one gave them back: they are taken again under the same conditions as a purchase, in a
    savepoint so that a refusal leaves stock and holding as they were. The caller holds the reservation
    row, so the sale and holding rows are taken in the module's lock order.
    """
    sale = reservation.sale
    if reservation.user_id is None:  # the account was deleted: nobody to hand the vouchers to
        return RefundReason.ACCOUNT_DELETED
    if reservation.status == ReservationStatus.CANCELLED:
        return RefundReason.CANCELLED
    if sale.valid_until <= now:
        if reservation.status == ReservationStatus.PENDING:
            _release([(sale.pk, reservation.user_id, reservation.units)])
        return RefundReason.SALE_ENDED
    if reservation.status == ReservationStatus.PENDING:
        return ""
    units = reservation.units
    try:
        with transaction.atomic():
            if not VoucherSale.objects.filter(pk=sale.pk, reserved__lte=F("stock") - units).update(
                reserved=F("reserved") + units
            ):
                return RefundReason.SOLD_OUT
            _holding_take(sale=sale, user_id=reservation.user_id, units=units)
    except WalletError:
        return RefundReason.CAP_REACHED
    return ""


def _voucher_credit(reservation: VoucherReservation, *, now: dt.datetime, confirmed_by) -> None:
    sale = reservation.sale
    premium = reservation.face_total - reservation.amount_due
    legs = [
        (system_account(AccountKind.ISSUANCE), -reservation.amount_due),
        (system_account(AccountKind.PREMIUM), -premium),
        (resident_account(user=reservation.user), reservation.face_total),
    ]
    tx = ledger_post(
        kind=TransactionKind.VOUCHER,
        legs=[(account, amount) for account, amount in legs if amount],
        key=f"voucher:{reservation.pk}",
        fingerprint=request_hash("voucher", reservation.pk, reservation.face_total),
        new_lot=NewLot(sale.valid_until, LotSource.VOUCHER),
    )
    reservation.status = ReservationStatus.PAID
    reservation.paid_at = now
    reservation.confirmed_by = confirmed_by
    reservation.transaction = tx
    reservation.save(update_fields=["status", "paid_at", "confirmed_by", "transaction"])
    _holder_notify(
        reservation,
        "wallet.voucher_paid",
        {
            "units": reservation.units,
            "face_total": reservation.face_total,
            "valid_until": _fmt(sale.valid_until),
            "reservation_id": str(reservation.pk),
        },
        dedupe_key=f"voucher-paid:{reservation.pk}",
    )


def _refund_due_record(
    reservation: VoucherReservation, *, reason: str, now: dt.datetime, confirmed_by
) -> None:
    reservation.status = ReservationStatus.REFUND_DUE
    reservation.refund_reason = reason
    reservation.paid_at = now
    reservation.confirmed_by = confirmed_by
    reservation.save(update_fields=["status", "refund_reason", "paid_at", "confirmed_by"])
    logger.warning(
        "voucher reservation %s: payment arrived too late, refund due (%s)", reservation.pk, reason
    )
    _holder_notify(
        reservation,
        "wallet.voucher_refund_due",
        {"amount": reservation.amount_due, "reason": reason, "reservation_id": str(reservation.pk)},
        dedupe_key=f"voucher-refund-due:{reservation.pk}",
    )


def voucher_refund_record(*, operator, reservation_id) -> VoucherReservation:
    """The operator has paid a refund-due payment back (through the provider or at the counter): record
    it once and tell the resident. Of two operators recording the same refund, the second is told."""
    with transaction.atomic():
        recorded = VoucherReservation.objects.filter(
            pk=reservation_id, status=ReservationStatus.REFUND_DUE
        ).update(status=ReservationStatus.REFUNDED, refunded_at=timezone.now(), refunded_by=operator)
        reservation = (
            VoucherReservation.objects.select_related("sale", "user").filter(pk=reservation_id).first()
        )
        if reservation is None:
            raise WalletError(_("予約が見つかりません。"), code="unknown_reservation", status=404)
        if not recorded:
            if reservation.status == ReservationStatus.REFUNDED:
                raise WalletError(
                    _("この返金はすでに記録されています。"), code="already_refunded", status=409
                )
            raise WalletError(_("この予約は返金の対象ではありません。"), code="not_refund_due", status=409)
        _holder_notify(
            reservation,
            "wallet.voucher_refunded",
            {"amount": reservation.amount_due, "reservation_id": str(reservation.pk)},
            dedupe_key=f"voucher-refunded:{reservation.pk}",
        )
    logger.info("voucher reservation %s refunded by %s", reservation.pk, operator.pk)
    return reservation


def voucher_notice_receive(*, provider: str, body: bytes, signature: str) -> VoucherReservation:
    """A payment provider's signed notice: confirm the reservation it names if it says paid."""
    try:
        notice = provider_get(provider).notice_verify(body=body, signature=signature)
    except PaymentProviderError:
        raise WalletError(_("通知を確認できませんでした。"), code="invalid_signature", status=400) from None
    reservation = VoucherReservation.objects.filter(provider_ref=notice.ref, method=provider).first()
    if reservation is None:
        raise WalletError(_("予約が見つかりません。"), code="unknown_reservation", status=404)
    if notice.amount != reservation.amount_due:
        raise WalletError(_("金額が予約と一致しません。"), code="amount_mismatch")
    if not notice.paid:
        return reservation  # declined: still pending, the resident may try again
    return voucher_payment_confirm(reservation_id=reservation.pk)


def voucher_counter_confirm(*, operator, payment_number: str) -> VoucherReservation:
    """The operator confirms a payment made at a counter or convenience store, by its payment number."""
    number = "".join(ch for ch in str(payment_number) if ch.isdigit())
    reservation = VoucherReservation.objects.filter(provider_ref=number, method=PaymentMethod.COUNTER).first()
    if reservation is None or len(number) != 12:
        raise WalletError(_("支払い番号が見つかりません。"), code="unknown_reservation", status=404)
    return voucher_payment_confirm(reservation_id=reservation.pk, confirmed_by=operator)


# --- Ending reservations -----------------------------------------------------------------------------


def voucher_reservation_cancel(*, user, reservation_id) -> VoucherReservation:
    """The resident gives up a pending reservation: its units go back to the stock and the holding."""
    with transaction.atomic():
        cancelled = VoucherReservation.objects.filter(
            pk=reservation_id, user=user, status=ReservationStatus.PENDING
        ).update(status=ReservationStatus.CANCELLED)
        reservation = VoucherReservation.objects.filter(pk=reservation_id, user=user).first()
        if reservation is None:
            raise WalletError(_("予約が見つかりません。"), code="unknown_reservation", status=404)
        if not cancelled:
            if reservation.status == ReservationStatus.CANCELLED:
                return reservation
            raise WalletError(_("この予約は取り消せません。"), code="not_pending", status=409)
        _release([(reservation.sale_id, reservation.user_id, reservation.units)])
    return reservation


def voucher_reservations_expire(
    *,
    now: dt.datetime | None = None,
    batch_size: int = EXPIRE_BATCH_SIZE,
    max_batches: int = EXPIRE_MAX_BATCHES,
) -> int:
    """Expire unpaid reservations past their deadline in bounded batches; their units are released and
    each resident is told (wallet.voucher_reservation_expired).

    Rows another transaction holds (a payment being confirmed) are skipped and seen on the next run.
    """
    now = now or timezone.now()
    done = 0
    for _batch in range(max_batches):
        with transaction.atomic():
            rows = list(
                VoucherReservation.objects.select_for_update(skip_locked=True)
                .filter(status=ReservationStatus.PENDING, expires_at__lte=now)
                .order_by("expires_at", "pk")
                .values_list("pk", "sale_id", "user_id", "units")[:batch_size]
            )
            if not rows:
                break
            VoucherReservation.objects.filter(
                pk__in=[row[0] for row in rows], status=ReservationStatus.PENDING
            ).update(status=ReservationStatus.EXPIRED)
            _release([row[1:] for row in rows])
            _expired_notify([row[0] for row in rows])
        done += len(rows)
        if len(rows) < batch_size:
            break
    if done:
        logger.info("voucher reservations expired: %d", done)
    return done


def _expired_notify(reservation_ids: list[int]) -> None:
    """Tell each resident that their unpaid reservation lapsed (once per reservation)."""
    expired = VoucherReservation.objects.filter(pk__in=reservation_ids).select_related("sale", "user")
    for reservation in expired:
        _holder_notify(
            reservation,
            "wallet.voucher_reservation_expired",
            {"units": reservation.units, "expired_at": _fmt(reservation.expires_at)},
            dedupe_key=f"voucher-expired:{reservation.pk}",
        )


def _holder_notify(reservation: VoucherReservation, event: str, context: dict, *, dedupe_key: str) -> None:
    """Tell the reservation's holder, with the sale's name in their language; nobody if the account was
    deleted (the operator's desk still lists what it must do)."""
    user = reservation.user
    if user is None:
        return
    notify(
        recipient=user,
        event=event,
        context={"sale_name": reservation.sale.name_in(user.preferred_language), **context},
        dedupe_key=dedupe_key,
    )


def register() -> None:
    register_event(
        "wallet.voucher_won",
        template="wallet_voucher_won",
        link=lambda ctx: reverse("wallet:voucher_reservation", args=[ctx["reservation_id"]]),
    )
    register_event(
        "wallet.voucher_lost", template="wallet_voucher_lost", link=lambda ctx: reverse("wallet:vouchers")
    )
    register_event(
        "wallet.voucher_reservation_expired",
        template="wallet_voucher_reservation_expired",
        link=lambda ctx: reverse("wallet:vouchers"),
    )
    register_event(
        "wallet.voucher_refund_due",
        template="wallet_voucher_refund_due",
        link=lambda ctx: reverse("wallet:voucher_reservation", args=[ctx["reservation_id"]]),
    )
    register_event(
        "wallet.voucher_refunded",
        template="wallet_voucher_refunded",
        link=lambda ctx: reverse("wallet:voucher_reservation", args=[ctx["reservation_id"]]),
    )
    register_event(
        "wallet.voucher_paid",
        template="wallet_voucher_paid",
        link=lambda ctx: reverse("wallet:voucher_reservation", args=[ctx["reservation_id"]]),
    )


register()
