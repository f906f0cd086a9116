"""The real PDF: Japanese text comes back out of it and the embedded font is the one we ship."""

import re
import shutil
import subprocess

import pytest

from apps.demo.services import demo_accounts_load
from apps.documents.constants import DocumentStatus
from apps.documents.models import Document
from apps.identity.documents import verification_record_request
from apps.identity.models import User

from ..conftest import missing

pytestmark = pytest.mark.django_db


@pytest.fixture
def poppler():
    if not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")):
        missing("poppler-utils (pdftotext, pdffonts)")


def _record_for(email: str, django_capture_on_commit_callbacks) -> Document:
    user = User.objects.get(email=email)
    with django_capture_on_commit_callbacks(execute=True):
        document = verification_record_request(user=user)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    return document


def _text(path: str) -> str:
    """The text in reading order, runs of white space as one space (poppler writes U+3000 as a space)."""
    out = subprocess.run(["pdftotext", "-raw", path, "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"[\s\u3000]+", " ", out)


def _fonts(path: str) -> list[str]:
    out = subprocess.run(["pdffonts", path], check=True, capture_output=True, text=True).stdout
    return out.splitlines()[2:]  # after the two header lines


def test_the_verification_record_of_a_verified_resident_is_japanese_text_in_the_embedded_font(
    poppler, django_capture_on_commit_callbacks
):
    demo_accounts_load()
    document = _record_for("resident@example.jp", django_capture_on_commit_callbacks)

    text = _text(document.file.path)
    assert "本人確認情報の控え" in text
    assert "本人確認" in text and "確認済み" in text
    assert "高松 太郎 様" in text  # the kept name 高松　太郎, its U+3000 read back as a space
    assert "氏名 高松 太郎" in text
    assert "住所 香川県高松市" in text
    assert "公印省略" in text

    fonts = _fonts(document.file.path)
    assert fonts, "no font in the PDF"
    # Every font is the shipped IPAexGothic, embedded (a subset): no system fallback font, so no tofu.
    for line in fonts:
        assert "IPAexGothic" in line, line
        assert " yes " in line, line
        columns = line.split()
        assert columns[-5] == "yes", line  # the "emb" column

    info = subprocess.run(["pdfinfo", document.file.path], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), "the record is one A4 page"
    assert "pts (A4)" in info

    with open(document.file.path, "rb") as f:
        assert len(f.read()) < 200_000  # a subset, not the 6 MB font


def test_a_resident_without_kept_basic_information_gets_a_record_without_it(
    poppler, django_capture_on_commit_callbacks
):
    demo_accounts_load()
    document = _record_for("newcomer@example.jp", django_capture_on_commit_callbacks)

    text = _text(document.file.path)
    assert "まだ行っていません" in text
    assert "氏名・住所・生年月日・性別は保存していません" in text
    assert "太郎" not in text
