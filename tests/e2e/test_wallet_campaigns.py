"""A resident earns points from campaigns on the phone; the operator sees the budgets (SPEC §3.4)."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.demo.services import DEMO_PASSWORD, demo_accounts_load
from apps.wallet.constants import CampaignKind
from apps.wallet.models import Account, Campaign

from .conftest import assert_accessible, log_in_with_totp
from .test_identity_journeys import log_in


def _campaign(**fields) -> Campaign:
    now = timezone.now()
    return Campaign.objects.create(
        starts_at=now - dt.timedelta(days=3), ends_at=now + dt.timedelta(days=30), budget=100_000, **fields
    )


def test_a_resident_earns_points_by_walking_and_at_an_event(phone: Page, live_server, transactional_db):
    demo_accounts_load()
    _campaign(
        code="walk", name="歩いてポイント", kind=CampaignKind.HEALTH, points=10, per_person_cap=300,
        steps_threshold=8000,
    )  # fmt: skip
    _campaign(
        code="udon-fes", name="さぬきうどん祭り", kind=CampaignKind.EVENT, points=200, per_person_cap=200,
        event_code="UDON2025",
    )  # fmt: skip
    start = Account.objects.get(owner__email="resident@example.jp").balance

    log_in(phone, "resident@example.jp", DEMO_PASSWORD)
    phone.goto("/wallet/")
    phone.get_by_role("link", name="ポイントがもらえるキャンペーン").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("ポイントがもらえるキャンペーン")
    assert_accessible(phone)

    walk = phone.get_by_role("region", name="歩いてポイント")
    walk.get_by_label("その日の歩数").fill("9500")
    walk.get_by_role("button", name="歩数を記録する").click()
    expect(phone.locator(".messages")).to_contain_text("10 ポイントを受け取りました")
    assert_accessible(phone)

    fes = phone.get_by_role("region", name="さぬきうどん祭り")
    fes.get_by_label("参加コード").fill("udon-2024")
    fes.get_by_role("button", name="参加コードで受け取る").click()
    expect(phone.locator(".messages")).to_contain_text("参加コードが違います")
    assert_accessible(phone)
    fes = phone.get_by_role("region", name="さぬきうどん祭り")
    fes.get_by_label("参加コード").fill("udon-2025")
    fes.get_by_role("button", name="参加コードで受け取る").click()
    expect(phone.locator(".messages")).to_contain_text("200 ポイントを受け取りました")
    expect(phone.get_by_role("region", name="さぬきうどん祭り")).to_contain_text("受け取り済み")
    assert Account.objects.get(owner__email="resident@example.jp").balance == start + 210


def test_the_operator_sees_every_campaign_budget(desktop: Page, live_server, transactional_db):
    demo_accounts_load()
    _campaign(
        code="mynumber",
        name="本人確認ボーナス",
        kind=CampaignKind.VERIFICATION,
        points=500,
        per_person_cap=500,
    )
    log_in_with_totp(desktop, "admin@example.jp", next_path="/operator/campaigns/")
    desktop.goto("/operator/campaigns/")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("ポイントキャンペーンの状況")
    expect(desktop.locator("table")).to_contain_text("本人確認ボーナス")
    assert_accessible(desktop)
