"""One reference (受付番号) for a counter request everywhere it is shown (issue 16, item 6).

The resident is given the short code; the printed form, the desk, the queue, the resident's list and the
notifications must show that same code, never another number (the form used to print the request's UUID).
"""

import re
import shutil
import subprocess

import pytest
from django.core import mail

from apps.counter.models import CounterRequest
from apps.demo.services import demo_accounts_load
from apps.documents.models import Document
from apps.identity.models import User
from tests.identity.helpers import log_in_with_second_factor

from ..conftest import missing
from .helpers import create

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def pdf_text(document: Document) -> str:
    if not shutil.which("pdftotext"):
        missing("poppler-utils (pdftotext)")
    document.refresh_from_db()
    assert document.file, document.error
    out = subprocess.run(
        ["pdftotext", "-raw", document.file.path, "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"[\s\u3000]+", " ", out)


def test_the_short_code_is_the_one_reference_on_every_screen_the_form_and_the_mail(
    client, demo, django_capture_on_commit_callbacks
):
    created = create(demo["resident"])
    reference = f"{created.short_code[:4]}-{created.short_code[4:]}"
    uuid_prefix = str(created.request.pk)[:8].upper()
    request_id = created.request.pk

    resident = client.__class__()
    resident.force_login(demo["resident"])
    assert reference in resident.get(f"/counter/requests/{request_id}/").content.decode()
    assert reference in resident.get("/counter/").content.decode()

    log_in_with_second_factor(client, "staff@example.jp")
    assert client.post("/staff/counter/", {"code": created.short_code}).status_code == 302
    desk = f"/staff/counter/requests/{request_id}/"
    assert reference in client.get(desk).content.decode()
    assert reference in client.get("/staff/counter/queue/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        printed = client.post(desk + "print/")
    assert printed.status_code == 302
    form = Document.objects.get(owner=demo["staff"])
    text = pdf_text(form)
    assert f"受付番号 {reference}" in text, text[:300]
    assert uuid_prefix not in text

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(desk + "issue/", {"photo_ids": ["my_number_card"]})
    assert CounterRequest.objects.get(pk=request_id).status == "issued"
    issued = [m for m in mail.outbox if demo["resident"].email in m.to and "証明書を交付しました" in m.subject]
    assert len(issued) == 1
    assert reference in issued[0].body

    # After the issue the code no longer opens anything, but it stays the resident's reference.
    html = resident.get(f"/counter/requests/{request_id}/").content.decode()
    assert reference in html and uuid_prefix not in html


def test_the_staff_api_gives_the_same_reference(client, demo):
    created = create(demo["resident"])
    log_in_with_second_factor(client, "staff@example.jp")
    body = client.get(f"/api/v1/counter/requests/{created.token}").json()
    assert body["reference"] == f"{created.short_code[:4]}-{created.short_code[4:]}"
