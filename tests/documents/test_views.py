import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from apps.documents import services
from apps.documents.constants import DocumentStatus
from apps.documents.models import Document

from ..identity.factories import UserFactory
from .conftest import BROKEN, SAMPLE
from .factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    return UserFactory()


@pytest.fixture
def ready(resident, django_capture_on_commit_callbacks) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(owner=resident, kind=SAMPLE, params={})
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    return document


def _urls(document: Document) -> list[str]:
    return ["/documents/", f"/documents/{document.pk}/", f"/documents/{document.pk}/download/"]


def test_the_owner_sees_the_ready_document_and_downloads_the_pdf(client, resident, ready):
    client.force_login(resident)
    response = client.get(f"/documents/{ready.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "サンプル文書" in html and "作成済み" in html
    assert f'href="/documents/{ready.pk}/download/"' in html
    assert 'http-equiv="refresh"' not in html
    assert "no-store" in response["Cache-Control"]

    response = client.get(f"/documents/{ready.pk}/download/")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="sample.pdf"'
    assert hashlib.sha256(body).hexdigest() == ready.checksum


def test_the_identity_record_downloads_under_its_japanese_name(client, django_capture_on_commit_callbacks):
    from apps.identity.documents import verification_record_request

    resident = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        document = verification_record_request(user=resident)
    client.force_login(resident)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert "filename*=utf-8''%E6%9C%AC%E4%BA%BA" in response["Content-Disposition"]  # 本人…


def test_a_queued_document_page_refreshes_itself_without_javascript(client, resident):
    document = DocumentFactory(owner=resident)
    client.force_login(resident)

    html = client.get(f"/documents/{document.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'role="status"' in html and "作成待ち" in html
    assert "<script" not in html and "style=" not in html  # CSP: nothing inline
    assert "/download/" not in html

    html = client.get(f"/documents/{document.pk}/?refresh=off").content.decode()
    assert 'http-equiv="refresh"' not in html
    assert "自動更新を再開する" in html


def test_a_document_taking_too_long_stops_refreshing_and_says_so(client, resident):
    document = DocumentFactory(owner=resident, created_at=timezone.now() - dt.timedelta(minutes=10))
    client.force_login(resident)
    html = client.get(f"/documents/{document.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in html
    assert "時間がかかっています" in html


def test_a_failed_document_says_so_clearly(client, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(owner=resident, kind=BROKEN, params={})
    client.force_login(resident)
    html = client.get(f"/documents/{document.pk}/").content.decode()
    assert "作成できませんでした" in html and "もう一度お申し込みください" in html
    assert "RendererBroke" not in html  # the technical reason stays in the admin
    assert client.get(f"/documents/{document.pk}/download/")["Location"] == f"/documents/{document.pk}/"


def test_the_list_shows_my_documents_only(client, resident, ready):
    someone_else = DocumentFactory(kind=SAMPLE)
    client.force_login(resident)
    html = client.get("/documents/").content.decode()
    assert f"/documents/{ready.pk}/" in html
    assert f"/documents/{someone_else.pk}/" not in html


def test_the_list_without_documents_says_so(client, resident):
    client.force_login(resident)
    assert "作成した文書はまだありません" in client.get("/documents/").content.decode()


def test_another_residents_document_is_not_found(client, ready):
    client.force_login(UserFactory())
    assert client.get(f"/documents/{ready.pk}/").status_code == 404
    assert client.get(f"/documents/{ready.pk}/download/").status_code == 404
    assert client.get("/documents/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_the_pages_need_login(client, ready):
    for url in _urls(ready):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_the_pages_only_answer_get(client, resident, ready):
    client.force_login(resident)
    for url in _urls(ready):
        assert client.post(url).status_code == 405, url


def test_a_ready_document_whose_file_is_gone_is_not_found(client, resident, ready):
    ready.file.storage.delete(ready.file.name)
    client.force_login(resident)
    assert client.get(f"/documents/{ready.pk}/download/").status_code == 404


def test_the_english_pages_work_too(client, resident, ready):
    client.force_login(resident)
    assert client.get(f"/en/documents/{ready.pk}/").status_code == 200
    assert client.get("/en/documents/").status_code == 200
