"""Every e-mail the portal sends names the portal and the city, in the recipient's language (issue 16, item 11).

A mail that greets "こんにちは、 です!" and says an account was registered "on  " reads like phishing.
"""

import pytest
from django.core import mail

from apps.notifications import services
from apps.notifications.constants import Channel
from apps.notifications.registry import events
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db

NAMED = {
    "ja": ("[たかまつデジタル市役所]", ["たかまつデジタル市役所", "高松市", "087-839-2011"]),
    "en": (
        "[Takamatsu Digital City Hall]",
        ["Takamatsu Digital City Hall", "Takamatsu City", "087-839-2011"],
    ),
}


def assert_names_the_portal(message, language):
    prefix, words = NAMED[language]
    assert message.subject.startswith(prefix), message.subject
    assert message.subject.count(prefix) == 1
    for word in words:
        assert word in message.body, (word, message.body)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_sign_up_confirmation_names_the_portal_and_the_city(
    client, language, django_capture_on_commit_callbacks
):
    prefix = "" if language == "ja" else "/en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{prefix}/accounts/signup/",
            {"email": "new@example.jp", "password1": "seto-inland-sea-42", "password2": "seto-inland-sea-42"},
        )
    (message,) = mail.outbox
    assert_names_the_portal(message, language)
    assert "testserver" in message.body  # the site the account was registered on is named
    assert " です!" not in message.body and "from !" not in message.body and " on ." not in message.body


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "event",
    sorted(
        code for code, e in events().items() if Channel.EMAIL in e.channels and not code.startswith("test.")
    ),
)
def test_every_notification_mail_names_the_portal_and_the_city(
    event, language, django_capture_on_commit_callbacks
):
    user = UserFactory(preferred_language=language)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=user, event=event, context={})
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert_names_the_portal(message, language)


def test_the_inbox_keeps_the_plain_subject(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=user, event="identity.verified", context={})
    assert not services.message_render(notification).subject.startswith("[")
