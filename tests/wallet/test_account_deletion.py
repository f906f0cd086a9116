"""Deleting an account with a wallet: refused while money is in flight, then the records outlive it."""

import pytest

from apps.demo.services import demo_accounts_load
from apps.identity import services as identity_services
from apps.identity.models import User
from apps.wallet import vouchers
from apps.wallet.models import Account, Merchant, VoucherReservation
from apps.wallet.services import wallet_reconcile
from tests.identity.factories import UserFactory

from .test_vouchers import make_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def refused_reasons(user) -> str:
    with pytest.raises(identity_services.AccountDeletionRefused) as err:
        identity_services.account_delete(user=user)
    return err.value.detail


def test_deletion_waits_for_a_pending_payment_and_a_refund_then_keeps_the_records_without_the_person():
    sale, user, operator = make_sale(), UserFactory(), UserFactory()
    paid = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="del-key-0001")
    vouchers.voucher_payment_confirm(reservation_id=paid.pk)
    pending = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="del-key-0002")

    assert "支払い待ちの商品券の予約があります" in refused_reasons(user)
    vouchers.voucher_reservation_cancel(user=user, reservation_id=pending.pk)
    vouchers.voucher_payment_confirm(reservation_id=pending.pk)  # paid after cancelling: refund due
    assert "返金待ちの入金（10,000 円）があります" in refused_reasons(user)
    assert VoucherReservation.objects.filter(user=user).count() == 2  # nothing was deleted
    vouchers.voucher_refund_record(operator=operator, reservation_id=pending.pk)

    account = Account.objects.get(owner=user)
    identity_services.account_delete(user=user)
    assert not type(user).objects.filter(pk=user.pk).exists()
    kept = VoucherReservation.objects.filter(pk__in=[paid.pk, pending.pk])
    assert sorted(kept.values_list("status", flat=True)) == ["paid", "refunded"]
    assert set(kept.values_list("user", flat=True)) == {None}
    account.refresh_from_db()
    assert account.owner is None and account.balance == 13000 and wallet_reconcile() == []


def test_a_payment_arriving_after_the_account_was_deleted_is_refund_due_and_tells_no_one():
    sale, user = make_sale(), UserFactory()
    reservation = vouchers.voucher_reserve(user=user, sale=sale, units=1, idempotency_key="del-key-0003")
    vouchers.voucher_reservation_cancel(user=user, reservation_id=reservation.pk)
    identity_services.account_delete(user=user)
    due = vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
    assert due.status == "refund_due" and due.refund_reason == "account_deleted" and due.user is None
    refunded = vouchers.voucher_refund_record(operator=UserFactory(), reservation_id=reservation.pk)
    assert refunded.status == "refunded"


def test_a_shop_representative_cannot_delete_the_account_until_the_city_changes_it():
    user = UserFactory()
    shop = Merchant.objects.create(code="udon-del", name="さぬきうどん 削除屋", owner=user)
    assert "加盟店「さぬきうどん 削除屋」の代表者" in refused_reasons(user)
    shop.owner = UserFactory()
    shop.save()
    identity_services.account_delete(user=user)
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_the_deletion_page_names_what_is_lost_and_what_must_be_settled_first(client, demo):
    resident = demo["resident"]
    client.force_login(resident)
    page = client.get("/profile/delete/").content.decode()
    assert "財布の残高（ポイント・商品券 3,000 円分）は使えなくなり" in page and 'name="confirm"' in page
    sale = make_sale()
    vouchers.voucher_reserve(user=resident, sale=sale, units=1, idempotency_key="del-page-001")
    page = client.get("/en/profile/delete/").content.decode()
    assert "You cannot delete your account yet" in page and 'name="confirm"' not in page
    response = client.post("/profile/delete/", {"confirm": "on"})  # a form kept open in another tab
    assert response.status_code == 200 and "支払い待ちの商品券の予約があります" in response.content.decode()
    assert type(resident).objects.filter(pk=resident.pk).exists()
    client.force_login(demo["shop"])
    assert "加盟店「" in client.get("/profile/delete/").content.decode()
