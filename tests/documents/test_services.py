import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from apps.core.mynumber import check_digit
from apps.documents import services, tasks
from apps.documents.constants import MAX_ATTEMPTS, DocumentStatus
from apps.documents.models import Document
from apps.documents.registry import UnknownDocumentKind, get_renderer, register_renderer
from apps.documents.services import RenderOutcome

from ..identity.factories import UserFactory
from .conftest import BROKEN, MISSING_TEMPLATE, SAMPLE
from .factories import DocumentFactory

pytestmark = pytest.mark.django_db


def _sha256(document: Document) -> str:
    with document.file.open("rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _request(django_capture_on_commit_callbacks, *, kind: str = SAMPLE, owner=None) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(owner=owner or UserFactory(), kind=kind, params={"id": 1})
    document.refresh_from_db()
    return document


def test_a_requested_document_is_rendered_after_commit_with_the_checksum_of_its_file(
    django_capture_on_commit_callbacks,
):
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = services.document_request(owner=owner, kind=SAMPLE, params={"procedure": "juminhyo"})
    assert document.status == DocumentStatus.QUEUED and len(callbacks) == 1  # nothing before commit
    assert document.expires_at > timezone.now() + dt.timedelta(days=29)
    callbacks[0]()

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.attempts == 1 and document.error == "" and document.rendered_at
    assert document.file.name == f"documents/{document.pk}.pdf"
    assert document.checksum == _sha256(document)
    with document.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"


def test_running_the_render_task_twice_renders_once(django_capture_on_commit_callbacks):
    document = _request(django_capture_on_commit_callbacks)
    checksum, rendered_at = document.checksum, document.rendered_at

    assert tasks.render_document.delay(str(document.pk)).get() == RenderOutcome.SKIPPED
    assert tasks.render_document.delay(str(document.pk)).get() == RenderOutcome.SKIPPED

    document.refresh_from_db()
    assert (document.attempts, document.checksum, document.rendered_at) == (1, checksum, rendered_at)
    assert _sha256(document) == checksum


def test_it_refuses_an_unknown_kind_and_keeps_nothing():
    with pytest.raises(UnknownDocumentKind) as excinfo:
        services.document_request(owner=UserFactory(), kind="nobody.registered_this", params={})
    assert excinfo.value.code == "unknown_document_kind"
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"name": "高松　太郎" * 20},  # free text, not a reference
        {"nested": {"id": 1}},
        {"ids": [1, 2]},
        {"ref": "12345678901" + str(check_digit("12345678901"))},  # an individual number
        {"ref": int("12345678901" + str(check_digit("12345678901")))},
        ["id", 1],
    ],
)
def test_it_refuses_params_that_are_not_references(params):
    with pytest.raises(services.DocumentParamsInvalid):
        services.document_request(owner=UserFactory(), kind=SAMPLE, params=params)
    assert not Document.objects.exists()


def test_a_renderer_that_raises_fails_with_its_reason_after_a_bounded_number_of_attempts(
    django_capture_on_commit_callbacks,
):
    document = _request(django_capture_on_commit_callbacks, kind=BROKEN)

    assert document.status == DocumentStatus.FAILED
    assert document.attempts == MAX_ATTEMPTS
    assert document.error == "renderer_error: RendererBroke"  # the class, never the message
    assert not document.file and not document.checksum

    assert tasks.render_document.delay(str(document.pk)).get() == RenderOutcome.SKIPPED
    document.refresh_from_db()
    assert document.attempts == MAX_ATTEMPTS and document.status == DocumentStatus.FAILED


def test_a_missing_template_fails_at_once_without_retrying(django_capture_on_commit_callbacks):
    document = _request(django_capture_on_commit_callbacks, kind=MISSING_TEMPLATE)
    assert (document.status, document.attempts) == (DocumentStatus.FAILED, 1)
    assert document.error == "template_error: TemplateDoesNotExist"


def test_a_kind_unregistered_after_the_request_fails_at_once():
    document = DocumentFactory(kind="retired.kind")
    assert services.document_render(pk=document.pk) == RenderOutcome.FAILED
    document.refresh_from_db()
    assert (document.status, document.attempts, document.error) == (
        DocumentStatus.FAILED, 1, "template_error: UnknownDocumentKind",
    )  # fmt: skip


def test_a_render_of_a_vanished_document_does_nothing():
    assert services.document_render(pk="7f1b6c9e-4a3e-4b8e-9a55-0d5d0e6b8f10") == RenderOutcome.SKIPPED


def test_a_worker_whose_claim_went_stale_does_not_overwrite_the_one_that_took_over(settings):
    document = DocumentFactory()
    slow = services._claim(document.pk)  # worker A claims, then hangs
    assert slow is not None and services._claim(document.pk) is None  # a second claim is refused
    with time_machine.travel(
        timezone.now() + dt.timedelta(seconds=settings.TAKAMATSU_STUCK_AFTER_SECONDS + 1)
    ):
        assert services.document_render(pk=document.pk) == RenderOutcome.READY  # worker B takes over
    document.refresh_from_db()
    checksum = document.checksum

    assert services._store(slow, b"%PDF-1.7 stale") == RenderOutcome.SKIPPED  # A wakes up, too late
    document.refresh_from_db()
    assert (document.attempts, document.checksum) == (2, checksum)
    assert _sha256(document) == checksum


def test_the_sweeper_resumes_a_render_whose_worker_died(django_capture_on_commit_callbacks, settings):
    long_ago = timezone.now() - dt.timedelta(seconds=settings.TAKAMATSU_STUCK_AFTER_SECONDS + 60)
    died = DocumentFactory(rendering=True, claimed_at=long_ago)
    lost_message = DocumentFactory(created_at=long_ago)
    fresh = DocumentFactory(rendering=True)  # being rendered right now
    just_queued = DocumentFactory()  # its message is on the way

    with django_capture_on_commit_callbacks(execute=True):
        assert services.document_sweep_stuck() == 2

    statuses = {d.pk: d.status for d in Document.objects.all()}
    assert statuses[died.pk] == statuses[lost_message.pk] == DocumentStatus.READY
    assert statuses[fresh.pk] == DocumentStatus.RENDERING
    assert statuses[just_queued.pk] == DocumentStatus.QUEUED


def test_the_sweeper_fails_a_render_that_used_up_its_attempts(django_capture_on_commit_callbacks, settings):
    long_ago = timezone.now() - dt.timedelta(seconds=settings.TAKAMATSU_STUCK_AFTER_SECONDS + 60)
    document = DocumentFactory(rendering=True, claimed_at=long_ago, attempts=MAX_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.document_sweep_stuck() == 0

    document.refresh_from_db()
    assert (document.status, document.error) == (DocumentStatus.FAILED, "worker_lost")


def test_the_sweep_task_run_twice_renders_once(django_capture_on_commit_callbacks, settings):
    long_ago = timezone.now() - dt.timedelta(seconds=settings.TAKAMATSU_STUCK_AFTER_SECONDS + 60)
    document = DocumentFactory(rendering=True, claimed_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_stuck.delay()
        tasks.sweep_stuck.delay()

    document.refresh_from_db()
    assert (document.status, document.attempts) == (DocumentStatus.READY, 2)


def test_purge_deletes_the_file_and_the_row_after_the_retention_period(
    django_capture_on_commit_callbacks, settings
):
    settings.TAKAMATSU_DOCUMENT_RETENTION_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        document = _request(django_capture_on_commit_callbacks)
        kept = DocumentFactory()
    storage = document.file.storage
    assert storage.exists(document.file.name)

    assert services.document_purge_expired(now=start + dt.timedelta(days=29)) == 0
    assert storage.exists(document.file.name)

    with time_machine.travel(start + dt.timedelta(days=30, seconds=1), tick=False):
        assert tasks.purge_expired.delay().get() == 2
        assert tasks.purge_expired.delay().get() == 0  # run twice: one effect

    assert not Document.objects.filter(pk__in=[document.pk, kept.pk]).exists()
    assert not storage.exists(document.file.name)


def test_purge_also_removes_files_whose_row_is_gone(django_capture_on_commit_callbacks):
    document = _request(django_capture_on_commit_callbacks)
    storage, name = document.file.storage, document.file.name
    document.owner.delete()  # account deletion cascades to the rows, not to the files

    services.document_purge_expired()
    assert not storage.exists(name)


def test_deleting_the_documents_of_an_owner_deletes_their_files(django_capture_on_commit_callbacks):
    document = _request(django_capture_on_commit_callbacks)
    other = _request(django_capture_on_commit_callbacks)
    storage = document.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        assert services.document_delete_for_owner(owner=document.owner) == 1

    assert not Document.objects.filter(pk=document.pk).exists()
    assert not storage.exists(document.file.name)
    assert storage.exists(other.file.name)


def test_registering_again_is_harmless_but_a_conflicting_renderer_is_refused():
    renderer = get_renderer(SAMPLE)
    register_renderer(
        SAMPLE,
        template=renderer.template,
        context=renderer.context,
        filename="sample.pdf",
        title="サンプル文書",
    )
    with pytest.raises(ImproperlyConfigured):
        register_renderer(
            SAMPLE, template="pdf/other.html", context=renderer.context, filename="x.pdf", title="x"
        )
    with pytest.raises(ImproperlyConfigured):
        register_renderer(
            "NoDot", template="pdf/x.html", context=renderer.context, filename="x.pdf", title="x"
        )


def test_a_refused_reference_is_told_in_the_active_language():
    from django.utils import translation

    with translation.override("en"), pytest.raises(services.DocumentParamsInvalid) as refused:
        services.document_request(owner=UserFactory(), kind=SAMPLE, params={"ids": [1, 2]})
    assert refused.value.detail == "A document may only refer to IDs and codes."
    with translation.override("ja"), pytest.raises(services.DocumentParamsInvalid) as refused:
        services.document_request(owner=UserFactory(), kind=SAMPLE, params={"ids": [1, 2]})
    assert refused.value.detail == "文書の参照は ID やコードだけにしてください。"
