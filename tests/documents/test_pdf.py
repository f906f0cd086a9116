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


def test_the_counter_official_form_is_one_page_of_japanese_text_in_the_embedded_font(poppler, tmp_path):

    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from apps.counter.forms import label_corrections
    from apps.counter.models import CounterCorrection, CounterRequest
    from apps.counter.registrations import _labels
    from apps.documents.rendering import render_pdf

    data = {
        "relationship": "proxy", "requester_name": "瀬戸　花子", "requester_address": "香川県高松市屋島西町2278番地",
        "requester_birth_date": "1985-06-01", "requester_phone": "087-839-2011", "subject_name": "高松　太郎",
        "subject_address": "香川県高松市番町一丁目8番15号", "subject_birth_date": "1980-02-17",
        "copies": {"juminhyo_all": 1, "kisai": 2}, "include_head": True, "include_honseki": False,
        "purpose": "employment", "purpose_other": "", "recipient": "株式会社さぬき商事",
    }  # fmt: skip
    req = CounterRequest(form="juminhyo", data=data, fee_yen=900, created_at=timezone.now())
    corrections = [
        CounterCorrection(
            field="requester_address", old_value="番町1-8-15", new_value="番町一丁目8番15号", reason="表記"
        ),
        CounterCorrection(
            field="subject_birth_date", old_value="1980-02-18", new_value="1980-02-17", reason="誤記"
        ),
    ]
    with translation.override("ja"):
        html = render_to_string(
            "pdf/counter_official_form.html",
            {
                "req": req,
                "data": data,
                **_labels(req),
                "corrections": label_corrections("juminhyo", corrections),
            },
        )
    path = tmp_path / "form.pdf"
    path.write_bytes(render_pdf(html))

    text = _text(str(path))
    assert "住民票の写し等交付請求書" in text.replace(" ", "")  # the title is letter-spaced
    for expected in (
        "請求者", "氏名 瀬戸 花子", "必要な人", "住所 香川県高松市番町一丁目8番15号",
        "請求者との関係 代理人", "種類と通数 ■ 住民票の写し（世帯全員） 1通", "■ 住民票記載事項証明書 2通",
        "使いみち 就職・勤務先への提出", "提出先 株式会社さぬき商事", "委任状 ■ あり", "本人確認", "手数料 900円",
        "生年月日 昭和60年（1985年）6月1日", "生年月日 昭和55年（1980年）2月17日",
        "職員による訂正: 請求する人の住所「番町1-8-15」→「番町一丁目8番15号」（表記）",
    ):  # fmt: skip
        assert expected in text, expected
    # the corrections wrap to a second line, where pdftotext may put a space
    assert (
        "証明が必要な人の生年月日「昭和55年（1980年）2月18日」→「昭和55年（1980年）2月17日」（誤記）"
        in text.replace(" ", "")
    )
    for line in _fonts(str(path)):  # the check boxes too come from IPAexGothic: no fallback font
        assert "IPAexGothic" in line and line.split()[-5] == "yes", line
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)


def test_the_counter_official_form_is_the_japanese_paper_form_whatever_the_clerks_language(poppler, tmp_path):
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from apps.counter.models import CounterRequest
    from apps.counter.registrations import _labels
    from apps.documents.rendering import render_pdf

    data = {
        "relationship": "self",
        "requester_name": "高松　太郎",
        "purpose": "employment",
        "copies": {"juminhyo_all": 1},
    }
    req = CounterRequest(form="juminhyo", data=data, fee_yen=300, created_at=timezone.now())
    with translation.override("en"):
        html = render_to_string("pdf/counter_official_form.html", {"req": req, "data": data, **_labels(req)})
        assert translation.get_language() == "en"  # the template's language block did not leak out
    path = tmp_path / "form.pdf"
    path.write_bytes(render_pdf(html))

    text = _text(str(path))
    assert "住民票の写し等交付請求書" in text.replace(" ", "")
    for expected in (
        "高松市長 様",
        "氏名 高松 太郎",
        "請求者との関係 本人",
        "使いみち 就職・勤務先への提出",
        "手数料 300円",
    ):
        assert expected in text, expected
    assert "Mayor" not in text and "Request" not in text


def test_no_text_is_laid_out_with_opentype_features_which_weasyprint_leaks_per_line():
    """weasyprint 70 leaks a Pango attribute list for every line laid out with OpenType features, and its
    UA stylesheet gives list markers tabular-nums: a worker rendering lists kept growing. The base stylesheet
    turns that off, and no PDF template asks for features."""
    from pathlib import Path

    from django.conf import settings

    from apps.documents import rendering

    html = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"></head><body>
    <ol><li>一</li><li>二</li></ol><ul><li>三</li></ul><p>四</p></body></html>"""
    rendering.render_pdf(html)
    assert rendering._get_engine().font_config.font_features == {}  # where weasyprint keeps what it made

    for template in (Path(settings.BASE_DIR) / "templates" / "pdf").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"font-(variant|feature-settings|kerning)", text), template.name


def test_the_embedded_font_is_subset_by_harfbuzz_not_by_the_slow_fonttools_fallback(caplog):
    """Without libharfbuzz-subset0 weasyprint re-reads the 6 MB font in Python for every PDF (ten times
    slower, memory not flat). .ci/run installs it; a machine without it says so in `check --deploy`."""
    from apps.documents import rendering

    if rendering.font_subsetter() != "harfbuzz":
        missing("libharfbuzz-subset0 (PDF font subsetting)")
    with caplog.at_level("WARNING", logger="weasyprint"):
        rendering.render_pdf('<!DOCTYPE html><html lang="ja"><body><p>高松</p></body></html>')
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()]


def test_the_deploy_check_warns_when_fonts_would_be_subset_by_fonttools(monkeypatch):
    from weasyprint.text import ffi

    from apps.documents.checks import check_font_subsetter

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    assert [m.id for m in check_font_subsetter()] == ["documents.W001"]
