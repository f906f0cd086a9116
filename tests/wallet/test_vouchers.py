"""Premium digital vouchers: sale rules, every error code, payment, expiry and the pages (SPEC §3.4)."""

import datetime as dt
import re
import uuid

import pytest
from django.core import mail
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from apps.notifications.models import Notification
from apps.wallet import tasks, vouchers
from apps.wallet.constants import AccountKind, LotSource, SaleEligibility, SaleMode
from apps.wallet.models import (
    Account,
    Lot,
    Transaction,
    VoucherApplication,
    VoucherHolding,
    VoucherReservation,
    VoucherSale,
)
from apps.wallet.payment_providers import SandboxProvider
from apps.wallet.services import WalletError, wallet_reconcile
from apps.wallet.voucher_selectors import voucher_draw_check
from tests.identity.factories import UserFactory
from tests.identity.helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db


def make_sale(code="spring", mode=SaleMode.FIRST_COME, **overrides) -> VoucherSale:
    now = timezone.now()
    values = {
        "name": "春のプレミアム商品券",
        "mode": mode,
        # Stock, caps and payment are what these tests are about: any account may buy (eligibility: below).
        "eligibility": SaleEligibility.ANYONE,
        "price": 10000,
        "premium_rate": 30,
        "stock": 10,
        "per_person_cap": 2,
        "opens_at": now - dt.timedelta(days=1),
        "closes_at": now + dt.timedelta(days=1),
        "purchase_until": now + dt.timedelta(days=2),
        "valid_until": now + dt.timedelta(days=90),
        **overrides,
    }
    return VoucherSale.objects.create(code=code, **values)


def close_window(sale: VoucherSale) -> VoucherSale:
    """Time passes: the application window is over (purchase window still open)."""
    VoucherSale.objects.filter(pk=sale.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    sale.refresh_from_db()
    return sale


def snapshot(sale: VoucherSale) -> tuple:
    sale.refresh_from_db()
    return (
        sale.reserved,
        list(VoucherHolding.objects.order_by("pk").values_list("user_id", "units")),
        list(VoucherReservation.objects.order_by("pk").values_list("pk", "status", "method", "provider_ref")),
        VoucherApplication.objects.count(),
        Transaction.objects.count(),
        list(Account.objects.order_by("pk").values_list("pk", "balance")),
    )


def code_of(fn) -> str:
    with pytest.raises(WalletError) as err:
        fn()
    return err.value.code


# --- First come -----------------------------------------------------------------------------------


def test_a_first_come_purchase_reserves_stock_then_credits_a_voucher_lot_once_paid():
    sale, user = make_sale(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=2, idempotency_key="reserve-0001")
    sale.refresh_from_db()
    assert sale.reserved == 2 and VoucherHolding.objects.get(user=user).units == 2
    assert reservation.status == "pending" and reservation.amount_due == 20000
    assert reservation.face_total == 26000
    assert Account.objects.filter(owner=user, balance__gt=0).count() == 0  # nothing credited before paying

    paid = vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
    again = vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
    assert paid.status == "paid" and again.transaction_id == paid.transaction_id
    assert Transaction.objects.filter(kind="voucher").count() == 1
    assert Account.objects.get(owner=user).balance == 26000
    lot = Lot.objects.get(account__owner=user)
    assert lot.source == LotSource.VOUCHER and lot.amount == 26000 and lot.expires_at == sale.valid_until
    assert Account.objects.get(system_code=AccountKind.ISSUANCE).balance == -20000
    assert Account.objects.get(system_code=AccountKind.PREMIUM).balance == -6000
    assert wallet_reconcile() == []
    assert Account.objects.aggregate(total=Sum("balance"))["total"] == 0
    assert Notification.objects.filter(recipient=user, event="wallet.voucher_paid").count() == 1


def test_a_sale_without_premium_posts_no_zero_leg():
    sale, user = make_sale(premium_rate=0), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="reserve-0002")
    paid = vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
    assert paid.transaction.entries.count() == 2 and wallet_reconcile() == []


@pytest.mark.parametrize(
    "window",
    [
        {
            "opens_at": timezone.now() + dt.timedelta(hours=1),
            "closes_at": timezone.now() + dt.timedelta(days=1),
        },
        {
            "opens_at": timezone.now() - dt.timedelta(days=2),
            "closes_at": timezone.now() - dt.timedelta(days=1),
        },
    ],
    ids=["before", "after"],
)
def test_buying_outside_the_window_is_sale_closed_and_changes_nothing(window):
    sale, user = make_sale(**window), UserFactory()
    before = snapshot(sale)
    assert (
        code_of(lambda: vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="k-closed-1"))
        == "sale_closed"
    )
    assert snapshot(sale) == before


def test_stock_and_the_per_person_cap_are_refused_with_their_codes_and_change_nothing():
    sale = make_sale(stock=3, per_person_cap=2)
    alice, bob = UserFactory(), UserFactory()
    vouchers.voucher_reserve(user=alice, sale=sale, units=2, idempotency_key="alice-0001")
    before = snapshot(sale)
    assert code_of(
        lambda: vouchers.voucher_reserve(user=bob, sale=sale, units=2, idempotency_key="bob-00001")
    ) == ("sold_out")
    assert code_of(
        lambda: vouchers.voucher_reserve(user=alice, sale=sale, units=1, idempotency_key="alice-0002")
    ) == ("cap_reached")
    assert code_of(
        lambda: vouchers.voucher_reserve(user=bob, sale=sale, units=3, idempotency_key="bob-00002")
    ) == ("cap_reached")
    for bad in (0, -1, "2", 1.5, True):
        assert (
            code_of(
                lambda bad=bad: vouchers.voucher_reserve(
                    user=bob, sale=sale, units=bad, idempotency_key="bob-00003"
                )
            )
            == "invalid_units"
        )
    assert snapshot(sale) == before
    vouchers.voucher_reserve(user=bob, sale=sale, units=1, idempotency_key="bob-00004")
    sale.refresh_from_db()
    assert sale.reserved == 3


def test_a_retry_returns_the_first_reservation_and_another_request_under_its_key_is_refused():
    sale, user = make_sale(), UserFactory()
    first = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="retry-key-1")
    assert (
        vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="retry-key-1").pk == first.pk
    )
    with pytest.raises(WalletError) as err:
        vouchers.voucher_reserve(user=user, sale=sale, units=2, idempotency_key="retry-key-1")
    assert err.value.code == "idempotency_conflict" and err.value.status == 409
    sale.refresh_from_db()
    assert sale.reserved == 1 and VoucherReservation.objects.count() == 1


def test_a_lottery_sale_is_not_sold_first_come_and_vice_versa():
    lottery, first_come, user = make_sale("lot", SaleMode.LOTTERY), make_sale("fc"), UserFactory()
    assert code_of(
        lambda: vouchers.voucher_reserve(user=user, sale=lottery, units=1, idempotency_key="x" * 10)
    ) == ("lottery_sale")
    assert code_of(lambda: vouchers.voucher_apply(user=user, sale=first_come, units=1)) == "not_a_lottery"
    assert VoucherReservation.objects.count() == 0 and VoucherApplication.objects.count() == 0


# --- Lottery --------------------------------------------------------------------------------------


def test_applications_follow_the_window_one_per_person_and_the_cap():
    sale, user = make_sale("lot", SaleMode.LOTTERY, per_person_cap=2), UserFactory()
    assert code_of(lambda: vouchers.voucher_apply(user=user, sale=sale, units=3)) == "cap_reached"
    assert code_of(lambda: vouchers.voucher_apply(user=user, sale=sale, units=0)) == "invalid_units"
    vouchers.voucher_apply(user=user, sale=sale, units=2)
    assert code_of(lambda: vouchers.voucher_apply(user=user, sale=sale, units=1)) == "already_applied"
    close_window(sale)
    assert code_of(lambda: vouchers.voucher_apply(user=UserFactory(), sale=sale, units=1)) == "sale_closed"
    assert VoucherApplication.objects.count() == 1
    assert VoucherApplication.objects.get().units == 2


def test_the_draw_records_its_seed_reserves_for_winners_notifies_everyone_and_can_be_rechecked(
    django_capture_on_commit_callbacks,
):
    sale = make_sale("lot", SaleMode.LOTTERY, stock=5, per_person_cap=2)
    users = [UserFactory() for _ in range(6)]
    for user in users:
        vouchers.voucher_apply(user=user, sale=sale, units=2)
    assert code_of(lambda: vouchers.voucher_draw(sale=sale)) == "draw_too_early"
    assert VoucherSale.objects.get(pk=sale.pk).draw_seed == ""
    close_window(sale)

    with django_capture_on_commit_callbacks(execute=True):
        result = vouchers.voucher_draw(sale=sale)
    sale.refresh_from_db()
    assert re.fullmatch(r"[0-9a-f]{64}", sale.draw_seed) and sale.drawn_at is not None
    assert (result.winners, result.losers, result.units) == (3, 3, 5)  # 2 + 2 + the last unit
    assert sale.reserved == 5
    assert sorted(VoucherReservation.objects.values_list("units", flat=True)) == [1, 2, 2]
    assert set(VoucherReservation.objects.values_list("status", flat=True)) == {"pending"}
    assert set(VoucherReservation.objects.values_list("expires_at", flat=True)) == {sale.purchase_until}
    assert sorted(VoucherHolding.objects.values_list("units", flat=True)) == [1, 2, 2]
    assert VoucherApplication.objects.filter(status="won").count() == 3
    assert Notification.objects.filter(event="wallet.voucher_won").count() == 3
    assert Notification.objects.filter(event="wallet.voucher_lost").count() == 3
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects.count("[たかまつデジタル市役所] 春のプレミアム商品券 の抽選に当選しました") == 3
    assert subjects.count("[たかまつデジタル市役所] 春のプレミアム商品券 の抽選結果") == 3

    # The order follows from the recorded seed alone.
    assert voucher_draw_check(sale=sale)
    order = vouchers.draw_order(
        seed=sale.draw_seed, application_ids=sorted(a.pk for a in sale.applications.all())
    )
    assert [VoucherApplication.objects.get(pk=pk).status for pk in order] == ["won"] * 3 + ["lost"] * 3
    VoucherApplication.objects.filter(pk=order[-1]).update(status="won")
    assert not voucher_draw_check(sale=sale)

    before = snapshot(sale)
    assert code_of(lambda: vouchers.voucher_draw(sale=sale)) == "already_drawn"
    assert snapshot(sale) == before and VoucherSale.objects.get(pk=sale.pk).draw_seed == sale.draw_seed


def test_a_draw_after_the_purchase_window_is_refused():
    sale = make_sale("lot", SaleMode.LOTTERY)
    vouchers.voucher_apply(user=UserFactory(), sale=sale, units=1)
    VoucherSale.objects.filter(pk=sale.pk).update(
        closes_at=timezone.now() - dt.timedelta(hours=2),
        purchase_until=timezone.now() - dt.timedelta(hours=1),
    )
    assert code_of(lambda: vouchers.voucher_draw(sale=sale)) == "sale_closed"
    assert VoucherReservation.objects.count() == 0


# --- Payment --------------------------------------------------------------------------------------


def expire(reservation: VoucherReservation, *, sweep: bool = True) -> None:
    """Time passes: the reservation's payment deadline is over (and the sweep has ended it)."""
    VoucherReservation.objects.filter(pk=reservation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    if sweep:
        assert vouchers.voucher_reservations_expire() >= 1


def test_a_payment_after_the_deadline_still_buys_the_vouchers_while_there_is_stock():
    sale, user = make_sale(stock=3), UserFactory()
    late = vouchers.voucher_reserve(user=user, sale=sale, units=2, idempotency_key="late-key-01")
    expire(late, sweep=False)  # the sweep has not run: the units are still held
    assert vouchers.voucher_payment_confirm(reservation_id=late.pk).status == "paid"

    swept = vouchers.voucher_reserve(user=UserFactory(), sale=sale, units=1, idempotency_key="late-key-02")
    expire(swept)  # the sweep gave its unit back; the payment takes it again
    assert snapshot(sale)[0] == 2
    paid = vouchers.voucher_payment_confirm(reservation_id=swept.pk)
    assert paid.status == "paid" and paid.refund_reason == ""
    assert snapshot(sale)[0] == 3 and VoucherHolding.objects.get(user=swept.user).units == 1
    assert Transaction.objects.filter(kind="voucher").count() == 2
    assert wallet_reconcile() == []


@pytest.mark.parametrize("taken_by", ["another_buyer", "the_same_person"])
def test_a_late_payment_the_vouchers_are_gone_for_is_refund_due_and_changes_no_stock(
    taken_by, django_capture_on_commit_callbacks
):
    stock = 2 if taken_by == "another_buyer" else 4
    sale, user = make_sale(stock=stock, per_person_cap=2), UserFactory(preferred_language="en")
    late = vouchers.voucher_reserve(user=user, sale=sale, units=2, idempotency_key="gone-key-01")
    late, _ = vouchers.voucher_payment_start(user=user, reservation_id=late.pk, method="counter")
    expire(late)
    buyer = UserFactory() if taken_by == "another_buyer" else user
    units = 2 if taken_by == "another_buyer" else 1  # sold out, or (3 left) the person's cap of 2 reached
    vouchers.voucher_reserve(user=buyer, sale=sale, units=units, idempotency_key="gone-key-02")
    before = snapshot(sale)

    with django_capture_on_commit_callbacks(execute=True):
        due = vouchers.voucher_payment_confirm(reservation_id=late.pk)
        again = vouchers.voucher_counter_confirm(operator=UserFactory(), payment_number=late.provider_ref)
    assert due.status == again.status == "refund_due" and due.paid_at is not None
    assert due.refund_reason == ("sold_out" if taken_by == "another_buyer" else "cap_reached")
    after = snapshot(sale)
    assert after[0:2] == before[0:2] and after[4:] == before[4:]  # stock, holdings, ledger untouched
    notices = Notification.objects.filter(event="wallet.voucher_refund_due")
    assert [n.recipient_id for n in notices] == [user.pk]  # the second notice of the payment tells no one
    message = [m for m in mail.outbox if m.to == [user.email]][-1]
    assert "refund" in message.subject.lower() and "20000" in message.body
    reason = "vouchers were sold out" if taken_by == "another_buyer" else "per-person limit had been reached"
    assert f"Reason: the payment arrived after the deadline, when the {reason}." in message.body
    assert code_of(
        lambda: vouchers.voucher_payment_start(user=user, reservation_id=late.pk, method="counter")
    ) == ("refund_due")


def test_a_payment_after_the_resident_cancelled_is_refund_due():
    sale, user = make_sale(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="cxl-key-001")
    vouchers.voucher_reservation_cancel(user=user, reservation_id=reservation.pk)
    due = vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
    assert due.status == "refund_due" and due.refund_reason == "cancelled"
    assert snapshot(sale)[0] == 0 and Transaction.objects.count() == 0


def test_the_operator_records_a_refund_once_and_the_resident_is_told(django_capture_on_commit_callbacks):
    sale, user, operator = make_sale(), UserFactory(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="rfd-key-001")
    assert code_of(
        lambda: vouchers.voucher_refund_record(operator=operator, reservation_id=reservation.pk)
    ) == ("not_refund_due")
    vouchers.voucher_reservation_cancel(user=user, reservation_id=reservation.pk)
    vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
    with django_capture_on_commit_callbacks(execute=True):
        refunded = vouchers.voucher_refund_record(operator=operator, reservation_id=reservation.pk)
    assert refunded.status == "refunded" and refunded.refunded_by == operator and refunded.refunded_at
    assert code_of(
        lambda: vouchers.voucher_refund_record(operator=operator, reservation_id=reservation.pk)
    ) == ("already_refunded")
    assert vouchers.voucher_payment_confirm(reservation_id=reservation.pk).status == "refunded"
    assert Notification.objects.filter(event="wallet.voucher_refunded", recipient=user).count() == 1
    assert "10000 円を返金しました" in [m for m in mail.outbox if m.to == [user.email]][-1].body


def test_a_lapsed_reservation_is_told_to_its_resident_once_in_their_language(
    django_capture_on_commit_callbacks,
):
    sale, user = make_sale(), UserFactory(preferred_language="en")
    other = UserFactory()
    lapsed = vouchers.voucher_reserve(user=user, sale=sale, units=2, idempotency_key="lapse-key-1")
    vouchers.voucher_reserve(user=other, sale=sale, units=1, idempotency_key="lapse-key-2")  # still in time
    VoucherReservation.objects.filter(pk=lapsed.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert vouchers.voucher_reservations_expire() == 1
        assert vouchers.voucher_reservations_expire() == 0  # a second run finds nothing, tells nobody again
    notices = Notification.objects.filter(event="wallet.voucher_reservation_expired")
    assert [n.recipient_id for n in notices] == [user.pk]
    assert notices[0].context["units"] == 2 and notices[0].context["sale_name"] == sale.name
    message = [m for m in mail.outbox if m.to == [user.email]][-1]
    assert "payment deadline" in message.subject and "No payment was taken" in message.body


def test_a_payment_after_the_vouchers_validity_is_refund_due_and_gives_the_units_back():
    sale, user = make_sale(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="valid-key-1")
    VoucherSale.objects.filter(pk=sale.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))
    assert code_of(
        lambda: vouchers.voucher_payment_start(user=user, reservation_id=reservation.pk, method="counter")
    ) == ("voucher_expired")
    due = vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
    assert due.status == "refund_due" and due.refund_reason == "sale_ended"
    assert snapshot(sale)[0] == 0 and VoucherHolding.objects.get(user=user).units == 0
    assert Transaction.objects.count() == 0


def test_the_sandbox_confirms_only_a_signed_notice_of_the_right_amount():
    sale, user = make_sale(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="sbx-key-01")
    reservation, url = vouchers.voucher_payment_start(
        user=user, reservation_id=reservation.pk, method="sandbox"
    )
    assert url == f"/wallet/vouchers/sandbox/{reservation.provider_ref}/"
    provider = SandboxProvider()
    before = snapshot(sale)

    body, signature = provider.notice_make(ref=reservation.provider_ref, amount=10000, paid=True)
    forged = body.replace(b"10000", b"1")
    assert code_of(
        lambda: vouchers.voucher_notice_receive(provider="sandbox", body=forged, signature=signature)
    ) == ("invalid_signature")
    wrong, wrong_sig = provider.notice_make(ref=reservation.provider_ref, amount=1, paid=True)
    assert code_of(
        lambda: vouchers.voucher_notice_receive(provider="sandbox", body=wrong, signature=wrong_sig)
    ) == ("amount_mismatch")
    declined = provider.notice_make(ref=reservation.provider_ref, amount=10000, paid=False)
    assert vouchers.voucher_notice_receive(
        provider="sandbox", body=declined[0], signature=declined[1]
    ).status == ("pending")
    assert snapshot(sale) == before

    assert (
        vouchers.voucher_notice_receive(provider="sandbox", body=body, signature=signature).status == "paid"
    )
    assert (
        vouchers.voucher_notice_receive(provider="sandbox", body=body, signature=signature).status == "paid"
    )
    assert Account.objects.get(owner=user).balance == 13000
    assert Transaction.objects.filter(kind="voucher").count() == 1


def test_counter_payment_gets_a_number_the_operator_confirms():
    sale, user, operator = make_sale(), UserFactory(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=2, idempotency_key="ctr-key-01")
    reservation, url = vouchers.voucher_payment_start(
        user=user, reservation_id=reservation.pk, method="counter"
    )
    assert url is None and re.fullmatch(r"\d{12}", reservation.provider_ref)
    again, _ = vouchers.voucher_payment_start(user=user, reservation_id=reservation.pk, method="counter")
    assert again.provider_ref == reservation.provider_ref
    assert code_of(
        lambda: vouchers.voucher_payment_start(user=user, reservation_id=reservation.pk, method="cash")
    ) == ("invalid_method")
    assert code_of(
        lambda: vouchers.voucher_counter_confirm(operator=operator, payment_number="000000000000")
    ) == ("unknown_reservation")
    ref = reservation.provider_ref
    paid = vouchers.voucher_counter_confirm(
        operator=operator, payment_number=f"{ref[:4]}-{ref[4:8]}-{ref[8:]}"
    )
    assert paid.status == "paid" and paid.confirmed_by == operator
    assert Account.objects.get(owner=user).balance == 26000


# --- Ending reservations --------------------------------------------------------------------------


def test_a_resident_cancels_a_pending_reservation_and_its_units_come_back():
    sale, user, other = make_sale(stock=2), UserFactory(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=2, idempotency_key="cancel-key-1")
    assert code_of(
        lambda: vouchers.voucher_reservation_cancel(user=other, reservation_id=reservation.pk)
    ) == ("unknown_reservation")
    vouchers.voucher_reservation_cancel(user=user, reservation_id=reservation.pk)
    vouchers.voucher_reservation_cancel(user=user, reservation_id=reservation.pk)  # twice: one effect
    sale.refresh_from_db()
    assert sale.reserved == 0 and VoucherHolding.objects.get(user=user).units == 0
    assert VoucherReservation.objects.get().status == "cancelled"
    assert code_of(
        lambda: vouchers.voucher_payment_start(user=user, reservation_id=reservation.pk, method="counter")
    ) == ("reservation_cancelled")
    vouchers.voucher_reserve(user=other, sale=sale, units=2, idempotency_key="cancel-key-2")

    paid = vouchers.voucher_reserve(user=user, sale=make_sale("b"), units=1, idempotency_key="cancel-key-3")
    vouchers.voucher_payment_confirm(reservation_id=paid.pk)
    assert (
        code_of(lambda: vouchers.voucher_reservation_cancel(user=user, reservation_id=paid.pk))
        == "not_pending"
    )


def test_the_expiry_task_releases_unpaid_reservations_in_batches_and_twice_is_one_effect():
    sale = make_sale(stock=10, per_person_cap=2)
    users = [UserFactory() for _ in range(5)]
    made = [
        vouchers.voucher_reserve(user=u, sale=sale, units=2, idempotency_key=f"expire-key-{i}")
        for i, u in enumerate(users)
    ]
    VoucherReservation.objects.filter(pk__in=[r.pk for r in made[:4]]).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert vouchers.voucher_reservations_expire(batch_size=3, max_batches=1) == 3  # bounded
    assert tasks.vouchers_expire.delay().get() == 1
    assert tasks.vouchers_expire.delay().get() == 0
    sale.refresh_from_db()
    assert sale.reserved == 2
    assert sorted(VoucherReservation.objects.values_list("status", flat=True)) == ["expired"] * 4 + [
        "pending"
    ]
    assert sorted(VoucherHolding.objects.values_list("units", flat=True)) == [0, 0, 0, 0, 2]


# --- Pages ----------------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def buy(client, code, units):
    page = client.get(f"/wallet/vouchers/sale/{code}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    confirm = client.post(f"/wallet/vouchers/sale/{code}/", {"units": units, "idempotency_key": key})
    return confirm, client.post(
        f"/wallet/vouchers/sale/{code}/", {"units": units, "idempotency_key": key, "confirm": "1"}
    )


def test_a_resident_buys_first_come_vouchers_and_pays_in_the_sandbox(client, demo):
    client.force_login(demo["resident"])
    listing = client.get("/wallet/vouchers/").content.decode()
    assert "高松市プレミアム付きデジタル商品券（先着順）" in listing and "先着順で販売中" in listing
    confirm, response = buy(client, "demo-first-come", 2)
    assert "10,000" in confirm.content.decode() and "12,000" in confirm.content.decode()
    assert response.status_code == 302
    reservation = VoucherReservation.objects.get(user=demo["resident"])
    assert response["Location"] == f"/wallet/vouchers/reservations/{reservation.pk}/"
    assert "支払い方法を選ぶ" in client.get(response["Location"]).content.decode()

    to_sandbox = client.post(f"/wallet/vouchers/reservations/{reservation.pk}/pay/", {"method": "sandbox"})
    assert to_sandbox.status_code == 302 and "/wallet/vouchers/sandbox/sbx_" in to_sandbox["Location"]
    assert "カード決済（テスト環境）" in client.get(to_sandbox["Location"]).content.decode()
    assert client.get(to_sandbox["Location"] + "?decision=pay").status_code == 200  # a GET never pays
    assert Account.objects.get(owner=demo["resident"]).balance == 3000
    result = client.post(to_sandbox["Location"], {"decision": "pay"}, follow=True)
    assert "購入が完了しました" in result.content.decode() and "12,000" in result.content.decode()
    assert Account.objects.get(owner=demo["resident"]).balance == 3000 + 12000


def test_a_lottery_application_goes_through_its_confirmation_page(client, demo):
    client.force_login(demo["resident"])
    confirm, response = buy(client, "demo-lottery", 2)
    assert "抽選の結果はお知らせでお伝えします" in confirm.content.decode()
    assert response.status_code == 302 and response["Location"] == "/wallet/vouchers/"
    assert VoucherApplication.objects.get(user=demo["resident"]).units == 2
    assert "申込済み" in client.get("/wallet/vouchers/").content.decode()


def test_bad_input_and_closed_sales_show_an_error_and_change_nothing(client, demo):
    client.force_login(demo["resident"])
    sale = VoucherSale.objects.get(code="demo-first-come")
    before = snapshot(sale)
    for units in ("0", "-1", "abc", "1.5", ""):
        response = client.post(
            "/wallet/vouchers/sale/demo-first-come/",
            {"units": units, "idempotency_key": "k" * 16, "confirm": "1"},
        )
        assert response.status_code == 400 and "errorlist" in response.content.decode()
    response = client.post(
        "/wallet/vouchers/sale/demo-first-come/", {"units": "3", "idempotency_key": "k" * 16, "confirm": "1"}
    )
    assert response.status_code == 409 and "1人あたり2冊までです" in response.content.decode()
    VoucherSale.objects.filter(pk=sale.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(
        "/wallet/vouchers/sale/demo-first-come/", {"units": "1", "idempotency_key": "k" * 16, "confirm": "1"}
    )
    assert response.status_code == 409 and "受付期間外です" in response.content.decode()
    assert snapshot(sale) == before
    assert client.get("/wallet/vouchers/sale/no-such-sale/").status_code == 404


def test_another_residents_reservation_is_a_404_everywhere(client, demo):
    sale = VoucherSale.objects.get(code="demo-first-come")
    reservation = vouchers.voucher_reserve(
        user=demo["resident"], sale=sale, units=1, idempotency_key="own-key-01"
    )
    reservation, url = vouchers.voucher_payment_start(
        user=demo["resident"], reservation_id=reservation.pk, method="sandbox"
    )
    client.force_login(demo["newcomer"])
    base = f"/wallet/vouchers/reservations/{reservation.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "result/").status_code == 404
    assert client.post(base + "pay/", {"method": "counter"}).status_code == 404
    assert client.post(base + "cancel/").status_code == 404
    assert client.get(url).status_code == 404 and client.post(url, {"decision": "pay"}).status_code == 404
    assert VoucherReservation.objects.get().status == "pending"
    assert VoucherReservation.objects.get().method == "sandbox"


def test_resident_pages_need_a_login_and_writes_need_a_post(client, demo):
    assert client.get("/wallet/vouchers/").status_code == 302
    assert "/accounts/login/" in client.get("/wallet/vouchers/sale/demo-lottery/")["Location"]
    client.force_login(demo["resident"])
    sale = VoucherSale.objects.get(code="demo-first-come")
    reservation = vouchers.voucher_reserve(
        user=demo["resident"], sale=sale, units=1, idempotency_key="meth-key-1"
    )
    base = f"/wallet/vouchers/reservations/{reservation.pk}/"
    assert client.get(base + "pay/").status_code == 405
    assert client.get(base + "cancel/").status_code == 405
    assert client.get("/wallet/vouchers/notices/sandbox/").status_code == 405
    response = client.post(base + "cancel/")
    assert response.status_code == 302 and VoucherReservation.objects.get().status == "cancelled"


def test_the_sandbox_notice_endpoint_checks_the_signature(client, demo):
    sale = VoucherSale.objects.get(code="demo-first-come")
    reservation = vouchers.voucher_reserve(
        user=demo["resident"], sale=sale, units=1, idempotency_key="hook-key-1"
    )
    reservation, _ = vouchers.voucher_payment_start(
        user=demo["resident"], reservation_id=reservation.pk, method="sandbox"
    )
    body, signature = SandboxProvider().notice_make(ref=reservation.provider_ref, amount=5000, paid=True)
    bad = client.post("/wallet/vouchers/notices/sandbox/", body, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_signature" and bad.json()["detail"]
    assert VoucherReservation.objects.get().status == "pending"
    good = client.post(
        "/wallet/vouchers/notices/sandbox/",
        body,
        content_type="application/json",
        headers={"X-Sandbox-Signature": signature},
    )
    assert good.status_code == 200 and good.json()["status"] == "paid"


@override_settings(TAKAMATSU_DEMO=False)
def test_the_sandbox_does_not_exist_outside_demo_settings(client, demo):
    sale = VoucherSale.objects.get(code="demo-first-come")
    reservation = vouchers.voucher_reserve(
        user=demo["resident"], sale=sale, units=1, idempotency_key="prod-key-1"
    )
    assert code_of(
        lambda: vouchers.voucher_payment_start(
            user=demo["resident"], reservation_id=reservation.pk, method="sandbox"
        )
    ) == ("invalid_method")
    client.force_login(demo["resident"])
    assert (
        client.post("/wallet/vouchers/notices/sandbox/", b"{}", content_type="application/json").status_code
        == 404
    )
    assert (
        "オンライン決済"
        not in client.get(f"/wallet/vouchers/reservations/{reservation.pk}/").content.decode()
    )


def test_operator_pages_need_the_role_and_a_second_factor(client, demo):
    client.force_login(demo["resident"])
    assert client.get("/operator/vouchers/").status_code == 403
    assert client.post("/operator/vouchers/demo-lottery/draw/").status_code == 403
    client.force_login(demo["admin"])  # the operator without a second factor in this session
    assert "/accounts/reauthenticate/" in client.get("/operator/vouchers/")["Location"] or (
        "/accounts/2fa/" in client.get("/operator/vouchers/")["Location"]
    )
    assert VoucherSale.objects.get(code="demo-lottery").drawn_at is None


def test_the_operator_draws_and_confirms_a_counter_payment(client, demo):
    lottery = VoucherSale.objects.get(code="demo-lottery")
    vouchers.voucher_apply(user=demo["resident"], sale=lottery, units=1)
    log_in_with_second_factor(client, "admin@example.jp")
    page = client.get("/operator/vouchers/").content.decode()
    assert "商品券の運用" in page and "0 / 1000" in page and "を抽選する" not in page
    close_window(lottery)
    assert "を抽選する" in client.get("/operator/vouchers/").content.decode()
    response = client.post("/operator/vouchers/demo-lottery/draw/", follow=True)
    assert "抽選しました（当選 1 人、落選 0 人" in response.content.decode()
    reservation = VoucherReservation.objects.get(user=demo["resident"])
    reservation, _ = vouchers.voucher_payment_start(
        user=demo["resident"], reservation_id=reservation.pk, method="counter"
    )
    assert reservation.provider_ref in client.get("/operator/vouchers/").content.decode()
    response = client.post(
        "/operator/vouchers/confirm/", {"payment_number": reservation.provider_ref}, follow=True
    )
    assert "入金を確認しました" in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == "paid" and reservation.confirmed_by == demo["admin"]
    assert Account.objects.get(owner=demo["resident"]).balance == 3000 + 13000
    response = client.post("/operator/vouchers/confirm/", {"payment_number": "123"}, follow=True)
    assert "支払い番号が見つかりません" in response.content.decode()
    assert client.get("/operator/vouchers/confirm/").status_code == 405


def test_the_operator_sees_a_late_counter_payment_as_refund_due_and_records_the_refund(client, demo):
    sale = VoucherSale.objects.get(code="demo-first-come")
    reservation = vouchers.voucher_reserve(
        user=demo["resident"], sale=sale, units=1, idempotency_key="desk-key-01"
    )
    reservation, _ = vouchers.voucher_payment_start(
        user=demo["resident"], reservation_id=reservation.pk, method="counter"
    )
    vouchers.voucher_reservation_cancel(user=demo["resident"], reservation_id=reservation.pk)
    log_in_with_second_factor(client, "admin@example.jp")
    assert "返金が必要な入金はありません" in client.get("/operator/vouchers/").content.decode()
    response = client.post(
        "/operator/vouchers/confirm/", {"payment_number": reservation.provider_ref}, follow=True
    )
    page = response.content.decode()
    assert "商品券はお渡しできません（予約を取り消した後に入金がありました）" in page
    assert 'id="refunds-due"' in page and reservation.provider_ref in page

    refund_url = f"/operator/vouchers/refunds/{reservation.pk}/"
    assert client.get(refund_url).status_code == 405
    page = client.post(refund_url, follow=True).content.decode()
    assert "返金を記録しました" in page and "返金が必要な入金はありません" in page
    page = client.post(refund_url, follow=True).content.decode()
    assert "この返金はすでに記録されています" in page
    reservation.refresh_from_db()
    assert reservation.status == "refunded" and reservation.refunded_by == demo["admin"]
    # The same payment number entered again: the desk says it was refunded, not that it is to be
    page = client.post(
        "/operator/vouchers/confirm/", {"payment_number": reservation.provider_ref}, follow=True
    ).content.decode()
    assert "返金済みです" in page and "返金の対象です" not in page
    reservation.refresh_from_db()
    assert reservation.status == "refunded"

    client.force_login(demo["resident"])
    assert client.post(refund_url).status_code == 403  # a resident cannot record refunds
    page = client.get(f"/wallet/vouchers/reservations/{reservation.pk}/").content.decode()
    assert "返金しました" in page and "予約を取り消した後に入金がありました" in page
    client.force_login(demo["newcomer"])
    assert client.get(f"/wallet/vouchers/reservations/{reservation.pk}/").status_code == 404


def test_english_readers_get_the_sales_english_name_on_pages_and_in_notices(
    client, demo, django_capture_on_commit_callbacks
):
    client.force_login(demo["resident"])
    page = client.get("/en/wallet/vouchers/").content.decode()
    assert "Takamatsu premium digital vouchers (first come)" in page and "（先着順）" not in page
    assert "高松市プレミアム付きデジタル商品券（先着順）" in client.get("/wallet/vouchers/").content.decode()

    lottery = VoucherSale.objects.get(code="demo-lottery")
    english = verified(resident=True, preferred_language="en")
    japanese = verified(resident=True, preferred_language="ja")
    for user in (english, japanese):
        vouchers.voucher_apply(user=user, sale=lottery, units=1)
    with django_capture_on_commit_callbacks(execute=True):
        vouchers.voucher_draw(sale=close_window(lottery))
    names = dict(
        Notification.objects.filter(event="wallet.voucher_won").values_list("recipient", "context__sale_name")
    )
    assert names == {english.pk: lottery.name_en, japanese.pk: lottery.name}
    assert lottery.name_en in [m for m in mail.outbox if m.to == [english.email]][-1].subject


# --- Who may buy ----------------------------------------------------------------------------------------


def verified(*, resident: bool, **fields) -> User:
    from apps.identity.models import IdentityVerification

    user = UserFactory(**fields)
    IdentityVerification.objects.create(
        user=user, method="jpki", verified_at=timezone.now(), is_takamatsu_resident=resident
    )
    return user


def test_a_residents_sale_is_only_for_card_verified_takamatsu_residents():
    sale = make_sale(eligibility=SaleEligibility.RESIDENTS)
    before = snapshot(sale)
    for buyer, words in ((UserFactory(), "マイページから本人確認"), (verified(resident=False), "高松市外")):
        with pytest.raises(WalletError) as refused:
            vouchers.voucher_reserve(user=buyer, sale=sale, units=1, idempotency_key=uuid.uuid4().hex)
        assert (refused.value.code, refused.value.status) == ("not_eligible", 403)
        assert words in refused.value.detail
    assert snapshot(sale) == before
    reservation = vouchers.voucher_reserve(
        user=verified(resident=True), sale=sale, units=1, idempotency_key=uuid.uuid4().hex
    )
    assert reservation.units == 1


def test_a_verified_sale_takes_any_card_verified_person_into_the_lottery():
    sale = make_sale(mode=SaleMode.LOTTERY, eligibility=SaleEligibility.VERIFIED)
    assert code_of(lambda: vouchers.voucher_apply(user=UserFactory(), sale=sale, units=1)) == "not_eligible"
    assert not VoucherApplication.objects.exists()
    assert vouchers.voucher_apply(user=verified(resident=False), sale=sale, units=1).units == 1


def test_the_sale_page_says_who_may_buy_and_leads_an_unverified_resident_to_verification(client):
    sale = make_sale(code="residents", eligibility=SaleEligibility.RESIDENTS)
    client.force_login(UserFactory())
    page = client.get("/wallet/vouchers/sale/residents/").content.decode()
    assert "マイナンバーカードで本人確認をした高松市民" in page and 'href="/identity/verify/"' in page
    assert 'name="units"' not in page
    for step in ({}, {"confirm": "1"}):
        response = client.post(
            "/wallet/vouchers/sale/residents/", {"units": 1, "idempotency_key": uuid.uuid4().hex, **step}
        )
        assert response.status_code == 403 and "マイページから本人確認" in response.content.decode()
    assert snapshot(sale)[0] == 0 and not VoucherReservation.objects.exists()
    english = client.get("/en/wallet/vouchers/sale/residents/").content.decode()
    assert "Takamatsu residents" in english and "verified" in english

    client.force_login(verified(resident=True))
    page = client.get("/wallet/vouchers/sale/residents/").content.decode()
    assert 'name="units"' in page and 'href="/identity/verify/"' not in page
