import pytest

from apps.notifications import services
from apps.notifications.models import Notification
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_the_inbox_lists_my_notifications_and_the_header_counts_the_unread(client, resident):
    services.notify(recipient=resident, event="identity.verified", context={"resident": True})
    services.notify(recipient=UserFactory(), event="identity.verified", context={"resident": False})
    html = client.get("/notifications/").content.decode()
    assert html.count('class="inbox-item unread"') == 1
    assert "本人確認が完了しました" in html
    assert 'class="count-badge">1' in html


def test_marking_read_clears_the_count(client, resident):
    n = services.notify(recipient=resident, event="identity.verified", context={"resident": True})
    assert client.get(f"/notifications/{n.pk}/read/").status_code == 405
    response = client.post(f"/notifications/{n.pk}/read/")
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None
    assert "count-badge" not in client.get("/notifications/").content.decode()


def test_another_residents_notification_is_a_404(client, resident):
    other = services.notify(recipient=UserFactory(), event="identity.verified", context={"resident": True})
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/notifications/")["Location"].startswith("/accounts/login/")


def test_preferences_save_and_refuse_a_webhook_without_an_id(client, resident):
    response = client.post("/notifications/settings/", {"webhook": "on"})
    assert response.status_code == 200 and "受け取りIDが必要です" in response.content.decode()
    assert not resident.channel_preferences.exists()
    client.post("/notifications/settings/", {"webhook": "on", "webhook_address": "line-42"})
    prefs = {p.channel: p for p in resident.channel_preferences.all()}
    assert prefs["webhook"].enabled and prefs["webhook"].address == "line-42" and not prefs["email"].enabled


def test_the_header_count_costs_one_query(client, resident, django_assert_num_queries):
    for _ in range(5):
        services.notify(recipient=resident, event="identity.verified", context={"resident": True})
    client.get("/accessibility/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/accessibility/")
    for _ in range(20):
        services.notify(recipient=resident, event="identity.verified", context={"resident": True})
    with CaptureQueriesContext(connection) as many:
        client.get("/accessibility/")
    assert len(few.captured_queries) == len(many.captured_queries)
