"""Delivery status visible to the portal's admins (SPEC §3.5), and the role groups every database gets."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from apps.notifications.models import Delivery, DeliveryStatus, Notification
from tests.identity.factories import UserFactory
from tests.identity.helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db

LIST = "/admin/notifications/delivery/"


@pytest.fixture
def failed_delivery():
    resident = UserFactory(email="taro@example.jp")
    notification = Notification.objects.create(
        recipient=resident, event="identity.verified", context={"resident": True}
    )
    return Delivery.objects.create(
        notification=notification,
        channel="email",
        address="taro@example.jp",
        status=DeliveryStatus.FAILED,
        attempts=1,
        last_error="550 5.1.1 mailbox unavailable",
    )


def test_every_database_gets_the_role_groups_with_their_permissions():
    """No demo data loaded: migrate alone made the groups (a production database needs them too)."""
    group = Group.objects.get(name="catalogue_admin")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert ("notifications", "view_delivery") in codenames
    assert ("catalogue", "change_procedure") in codenames
    assert ("notifications", "change_delivery") not in codenames
    assert Group.objects.filter(name="counter_staff").exists()


def test_the_portal_admin_finds_a_failed_delivery_and_its_reason(admin_client_mfa, failed_delivery):
    page = admin_client_mfa.get(LIST, {"q": "taro@example.jp"}).content.decode()
    assert "550 5.1.1 mailbox unavailable" in page and "identity.verified" in page
    assert (
        admin_client_mfa.get(LIST, {"q": "someone-else@example.jp"}).content.decode().count("550 5.1.1") == 0
    )
    detail = admin_client_mfa.get(f"{LIST}{failed_delivery.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()


def test_the_admin_cannot_change_deliveries_or_read_the_notifications_text(admin_client_mfa, failed_delivery):
    response = admin_client_mfa.post(f"{LIST}{failed_delivery.pk}/change/", {"status": "sent"})
    assert response.status_code == 403
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == DeliveryStatus.FAILED
    assert admin_client_mfa.get("/admin/notifications/notification/").status_code == 403


def test_counter_staff_do_not_see_deliveries(client, failed_delivery):
    demo_accounts_load()
    log_in_with_second_factor(client, "staff@example.jp")
    response = client.get(LIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_set_roles_gives_exactly_the_roles_named():
    user = UserFactory(email="clerk@example.jp")
    call_command("set_roles", "Clerk@example.jp", "counter_staff", "catalogue_admin")
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {"counter_staff", "catalogue_admin"}
    assert user.is_staff
    call_command("set_roles", "clerk@example.jp", "counter_staff")
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["counter_staff"] and not user.is_staff
    with pytest.raises(CommandError, match="no account"):
        call_command("set_roles", "nobody@example.jp", "counter_staff")
    assert User.objects.count() == 1
