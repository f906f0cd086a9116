import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.counter import services, tokens
from apps.counter.constants import RequestStatus
from apps.counter.models import CounterAuditEntry, CounterCorrection, CounterRequest
from apps.counter.services import CounterError
from apps.notifications.models import Notification
from tests.identity.factories import UserFactory

from .helpers import create

pytestmark = pytest.mark.django_db


def test_a_request_gets_a_long_random_token_and_an_unambiguous_short_code_stored_hashed():
    created = create(UserFactory())
    assert len(created.token) >= 26 and len(set(created.token)) > 8  # 160 random bits, base32
    assert len(created.short_code) == 8 and not set(created.short_code) & set("0O1IL")
    row = CounterRequest.objects.get(pk=created.request.pk)
    assert created.token not in (row.token_hash, row.token_encrypted)
    assert created.short_code not in (row.short_code_hash, row.short_code_encrypted)
    assert row.expires_at - row.created_at == dt.timedelta(days=7)
    assert row.fee_yen == 350


def test_no_personal_data_in_the_code():
    created = create(UserFactory())
    assert tokens.qr_payload(created.token).startswith("TKMC1:")
    assert "高松" not in created.token and created.token.isalnum()


def test_the_clerk_finds_a_request_by_qr_token_or_short_code_however_typed():
    created = create(UserFactory())
    staff = UserFactory()
    assert (
        services.counter_lookup(staff=staff, code=tokens.qr_payload(created.token)).pk == created.request.pk
    )
    spaced = f" {created.short_code[:4].lower()}-{created.short_code[4:].lower()} "
    assert services.counter_lookup(staff=staff, code=spaced).pk == created.request.pk


@pytest.mark.parametrize(
    ("state", "code"), [("expired", "expired"), ("cancelled", "cancelled"), ("issued", "already_issued")]
)
def test_a_closed_code_shows_a_clear_message_and_nothing_else(state, code):
    user, staff = UserFactory(), UserFactory()
    created = create(user)
    if state == "cancelled":
        services.counter_request_cancel(user=user, pk=created.request.pk)
    elif state == "issued":
        services.counter_request_scan(staff=staff, request=created.request)
        services.counter_request_issue(
            staff=staff, request=created.request, identity_checked=["my_number_card"]
        )
    travel = dt.timedelta(days=8) if state == "expired" else dt.timedelta(0)
    with time_machine.travel(timezone.now() + travel), pytest.raises(CounterError) as err:
        services.counter_lookup(staff=staff, code=created.short_code)
    assert err.value.code == code
    assert "高松" not in err.value.detail


def test_guessing_codes_is_throttled(settings):
    settings.TAKAMATSU_COUNTER_LOOKUP_FAILURES = 5
    created = create(UserFactory())
    staff = UserFactory()
    for i in range(5):
        with pytest.raises(CounterError) as err:
            services.counter_lookup(staff=staff, code=f"ZZZZZZZ{i}")
        assert err.value.code == "not_found"
    with pytest.raises(CounterError) as err:
        services.counter_lookup(staff=staff, code=created.short_code)  # even the right code now waits
    assert err.value.code == "too_many_attempts" and err.value.status == 429


def test_a_correction_keeps_the_original_and_is_audited():
    created = create(UserFactory())
    staff = UserFactory()
    services.counter_request_correct(
        staff=staff,
        request=created.request,
        field="requester_address",
        new_value="香川県高松市番町一丁目8番16号",
        reason="番地の誤り",
    )
    row = CounterRequest.objects.get(pk=created.request.pk)
    assert row.data["requester_address"].endswith("16号")
    correction = CounterCorrection.objects.get(request=row)
    assert (
        correction.old_value.endswith("15号")
        and correction.reason == "番地の誤り"
        and correction.staff == staff
    )
    assert CounterAuditEntry.objects.filter(request=row, action="correct", staff=staff).exists()
    with pytest.raises(CounterError):
        services.counter_request_correct(
            staff=staff, request=row, field="relationship", new_value="x", reason="r"
        )


def test_issuing_notifies_the_resident_and_records_the_timings():
    user, staff = UserFactory(), UserFactory()
    created = create(user)
    services.counter_request_scan(staff=staff, request=created.request)
    services.counter_request_print(staff=staff, request=created.request)
    services.counter_request_issue(staff=staff, request=created.request, identity_checked=["driving_licence"])
    row = CounterRequest.objects.get(pk=created.request.pk)
    assert row.status == RequestStatus.ISSUED and row.scanned_at <= row.printed_at <= row.issued_at
    assert Notification.objects.filter(recipient=user, event="counter.issued").exists()
    assert list(row.audit_entries.values_list("action", flat=True)) == ["print", "issue"]
    with pytest.raises(CounterError):
        services.counter_request_issue(staff=staff, request=row, identity_checked=[])


def test_a_reprint_after_issue_keeps_the_request_issued_and_the_first_print_time():
    user, staff = UserFactory(), UserFactory()
    created = create(user)
    services.counter_request_scan(staff=staff, request=created.request)
    services.counter_request_print(staff=staff, request=created.request)
    first_print = CounterRequest.objects.get(pk=created.request.pk).printed_at
    services.counter_request_issue(staff=staff, request=created.request, identity_checked=["passport"])
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        services.counter_request_print(staff=staff, request=created.request)
    row = CounterRequest.objects.get(pk=created.request.pk)
    assert row.status == RequestStatus.ISSUED and row.printed_at == first_print
    assert list(row.audit_entries.values_list("action", flat=True)) == ["print", "issue", "print"]
    with pytest.raises(CounterError):  # issued once: a second issue (and a second notice) is refused
        services.counter_request_issue(staff=staff, request=row, identity_checked=["passport"])
    assert Notification.objects.filter(recipient=user, event="counter.issued").count() == 1

    waiting = create(user, "inkan")  # not yet at the counter: nothing to print
    with pytest.raises(CounterError) as excinfo:
        services.counter_request_print(staff=staff, request=waiting.request)
    assert excinfo.value.code == "not_printable"
    assert CounterRequest.objects.get(pk=waiting.request.pk).printed_at is None


def test_the_purge_removes_personal_data_after_the_retention_period(settings):
    user, staff = UserFactory(), UserFactory()
    done, waiting = create(user), create(user, "inkan")
    services.counter_request_scan(staff=staff, request=done.request)
    services.counter_request_correct(
        staff=staff, request=done.request, field="recipient", new_value="高松市役所", reason="誤記"
    )
    services.counter_request_issue(staff=staff, request=done.request, identity_checked=["passport"])
    with time_machine.travel(
        timezone.now() + dt.timedelta(days=settings.TAKAMATSU_COUNTER_RETENTION_DAYS - 1)
    ):
        assert services.counter_requests_purge() == 0
    with time_machine.travel(
        timezone.now() + dt.timedelta(days=settings.TAKAMATSU_COUNTER_RETENTION_DAYS + 8)
    ):
        assert services.counter_requests_purge() == 2  # the issued one and the long-expired one
    for row in CounterRequest.objects.filter(user=user):
        assert row.data == {} and row.purged_at and not row.token_encrypted
    assert CounterCorrection.objects.get().old_value == ""
    del waiting


def test_residents_are_reminded_before_an_unused_code_expires_once():
    created = create(UserFactory())
    with time_machine.travel(created.request.expires_at - dt.timedelta(hours=12)):
        assert services.counter_expiry_reminders_send() == 1
        assert services.counter_expiry_reminders_send() == 0


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("1980-2-18", "1980-02-18"), ("１９８０／０２／１８", "1980-02-18"), ("1980年2月18日", "1980-02-18")],
)
def test_a_birth_date_is_corrected_as_a_clerk_types_it(typed, kept):
    created = create(UserFactory())
    services.counter_request_correct(
        staff=UserFactory(),
        request=created.request,
        field="requester_birth_date",
        new_value=typed,
        reason="誤記",
    )
    row = CounterRequest.objects.get(pk=created.request.pk)
    assert row.data["requester_birth_date"] == kept
    assert CounterCorrection.objects.get(request=row).old_value == "1980-02-17"


@pytest.mark.parametrize("typed", ["1980-02-30", "昭和55年2月17日", "2999-01-01", ""])
def test_a_date_that_is_not_one_or_in_the_future_is_refused_and_changes_nothing(typed):
    created = create(UserFactory())
    with pytest.raises(CounterError) as refused:
        services.counter_request_correct(
            staff=UserFactory(),
            request=created.request,
            field="subject_birth_date",
            new_value=typed,
            reason="r",
        )
    assert refused.value.code == "invalid_value"
    assert CounterRequest.objects.get(pk=created.request.pk).data["subject_birth_date"] == "1980-02-17"
    assert not CounterCorrection.objects.exists()


def test_other_numbers_of_copies_change_the_fee_and_are_recorded():
    created = create(UserFactory())
    staff = UserFactory()
    services.counter_request_copies_correct(
        staff=staff, request=created.request, copies={"juminhyo_all": 2, "kisai": 1}, reason="申し出"
    )
    row = CounterRequest.objects.get(pk=created.request.pk)
    assert row.data["copies"] == {"juminhyo_all": 2, "kisai": 1}
    assert row.fee_yen == services.fee_total(form="juminhyo", copies={"juminhyo_all": 2, "kisai": 1}) > 350
    correction = CounterCorrection.objects.get(request=row)
    assert (correction.field, correction.old_value) == ("copies", "住民票の写し（世帯全員） 1通")
    assert correction.new_value == "住民票の写し（世帯全員） 2通、住民票記載事項証明書 1通"
    assert CounterAuditEntry.objects.filter(request=row, action="correct", staff=staff).exists()


@pytest.mark.parametrize(
    ("copies", "code"),
    [
        ({"juminhyo_all": 0}, "no_copies"),
        ({"juminhyo_all": 11}, "invalid_value"),
        ({"juminhyo_all": -1}, "invalid_value"),
        ({"inkan": 1}, "invalid_value"),  # a certificate of another form
        ({"juminhyo_all": 1}, "unchanged"),
    ],
)
def test_bad_numbers_of_copies_are_refused_and_change_nothing(copies, code):
    created = create(UserFactory())
    with pytest.raises(CounterError) as refused:
        services.counter_request_copies_correct(
            staff=UserFactory(), request=created.request, copies=copies, reason="r"
        )
    assert refused.value.code == code
    row = CounterRequest.objects.get(pk=created.request.pk)
    assert (row.data["copies"], row.fee_yen) == ({"juminhyo_all": 1}, 350)
    assert not CounterCorrection.objects.exists()


def test_an_issued_request_keeps_its_copies():
    created = create(UserFactory())
    staff = UserFactory()
    services.counter_request_scan(staff=staff, request=created.request)
    services.counter_request_issue(staff=staff, request=created.request, identity_checked=["my_number_card"])
    with pytest.raises(CounterError) as refused:
        services.counter_request_copies_correct(
            staff=staff, request=created.request, copies={"juminhyo_all": 3}, reason="r"
        )
    assert refused.value.code == "closed"


def test_a_request_whose_uuid_holds_a_valid_looking_number_prints(django_capture_on_commit_callbacks):
    # About 0.23 % of UUIDs hold a 12-digit run with a valid check digit: ids the code makes are not
    # people's text, so the guard must not refuse them as document references.
    import uuid

    from apps.documents.constants import DocumentStatus

    user, staff = UserFactory(), UserFactory()
    created = create(user)
    odd = uuid.UUID("68ff3b3c-0b5e-4c1a-9d2e-123456789018")
    CounterRequest.objects.filter(pk=created.request.pk).update(id=odd)
    row = CounterRequest.objects.get(pk=odd)
    services.counter_request_scan(staff=staff, request=row)
    with django_capture_on_commit_callbacks(execute=True):
        document = services.counter_request_print(staff=staff, request=row)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
