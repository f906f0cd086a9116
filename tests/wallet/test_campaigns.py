"""Point campaigns: verification bonus, online procedures, steps and event codes within budget, cap and period."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.counter import services as counter
from apps.demo.services import demo_accounts_load
from apps.identity.models import IdentityVerification, User
from apps.identity.services import oidc_verification_record
from apps.notifications.models import Notification
from apps.wallet import campaigns, services
from apps.wallet.campaigns import CampaignError
from apps.wallet.constants import CampaignKind
from apps.wallet.forms_campaigns import CampaignAdminForm
from apps.wallet.models import Account, Campaign, CampaignAward, CampaignParticipant, Lot, Transaction
from tests.counter.helpers import create as counter_request_create
from tests.identity.factories import UserFactory
from tests.identity.helpers import log_in_with_second_factor
from tests.wallet.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db


def make_campaign(kind=CampaignKind.VERIFICATION, **fields) -> Campaign:
    now = timezone.now()
    values = {
        "code": f"c-{kind}-{Campaign.objects.count()}",
        "name": "テストキャンペーン",
        "kind": kind,
        "points": 100,
        "budget": 10_000,
        "per_person_cap": 100,
        "starts_at": now - dt.timedelta(days=1),
        "ends_at": now + dt.timedelta(days=30),
        **fields,
    }
    return Campaign.objects.create(**values)


def verified_user(**fields):
    user = UserFactory(**fields)
    IdentityVerification.objects.create(user=user, method="demo_card", verified_at=timezone.now())
    return user


def balance(user) -> int:
    account = Account.objects.filter(owner=user).first()
    return account.balance if account else 0


def assert_ledger_adds_up():
    assert services.wallet_reconcile() == []
    assert campaigns.campaigns_reconcile() == []


# -- services ------------------------------------------------------------------------------------------------


def test_verifying_with_my_number_gives_the_bonus_once_with_a_notification():
    campaign = make_campaign(points=500, per_person_cap=500)
    user = UserFactory()
    claims = {"iss": "https://auth.example", "sub": "abc-1", "name": "高松　花子"}
    oidc_verification_record(user=user, claims=claims)
    oidc_verification_record(user=user, claims=claims)  # verifying again gives nothing more
    assert balance(user) == 500
    award = CampaignAward.objects.get(user=user)
    assert award.reference == "verification" and award.transaction.kind == "award"
    assert Campaign.objects.get(pk=campaign.pk).awarded == 500
    assert Notification.objects.filter(recipient=user, event="wallet.campaign_awarded").count() == 1
    assert_ledger_adds_up()


def test_a_refused_bonus_never_breaks_the_verification():
    make_campaign(points=500, per_person_cap=500, budget=500, awarded=500)  # the budget is spent
    user = UserFactory()
    verification = oidc_verification_record(user=user, claims={"iss": "https://auth.example", "sub": "x"})
    assert verification.pk and balance(user) == 0 and not CampaignAward.objects.exists()


def test_the_points_expire_after_the_campaigns_validity():
    campaign = make_campaign(validity_days=90)
    user = verified_user()
    campaigns.campaign_award(campaign=campaign, user=user, reference="verification")
    lot = Lot.objects.get(account__owner=user)
    assert lot.amount == lot.remaining == 100
    assert timezone.localdate(lot.expires_at) == timezone.localdate() + dt.timedelta(days=90)


def test_an_unverified_person_gets_nothing():
    campaign = make_campaign()
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_award(campaign=campaign, user=UserFactory(), reference="verification")
    assert err.value.code == "verification_required" and "本人確認" in err.value.detail
    assert not Transaction.objects.exists() and not CampaignParticipant.objects.exists()


@pytest.mark.parametrize(
    "period",
    [
        {
            "starts_at": timezone.now() + dt.timedelta(days=1),
            "ends_at": timezone.now() + dt.timedelta(days=2),
        },
        {
            "starts_at": timezone.now() - dt.timedelta(days=2),
            "ends_at": timezone.now() - dt.timedelta(days=1),
        },
    ],
)
def test_nothing_is_given_outside_the_period(period):
    campaign = make_campaign(**period)
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_award(campaign=campaign, user=verified_user(), reference="verification")
    assert err.value.code == "campaign_closed"
    assert Campaign.objects.get(pk=campaign.pk).awarded == 0 and not Transaction.objects.exists()


def test_the_budget_is_never_exceeded():
    campaign = make_campaign(points=100, budget=250)
    first, second, third = verified_user(), verified_user(), verified_user()
    campaigns.campaign_award(campaign=campaign, user=first, reference="verification")
    campaigns.campaign_award(campaign=campaign, user=second, reference="verification")
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_award(campaign=campaign, user=third, reference="verification")
    assert err.value.code == "campaign_budget_exhausted" and "予算" in err.value.detail
    assert Campaign.objects.get(pk=campaign.pk).awarded == 200
    assert balance(third) == 0 and not CampaignParticipant.objects.filter(user=third).exists()
    assert_ledger_adds_up()


def test_steps_earn_once_a_day_up_to_the_per_person_cap():
    campaign = make_campaign(
        CampaignKind.HEALTH,
        points=10,
        per_person_cap=25,
        steps_threshold=8000,
        starts_at=timezone.now() - dt.timedelta(days=10),
    )
    user = verified_user()
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in range(3)]
    campaigns.campaign_steps_record(campaign=campaign, user=user, day=days[0], steps=8000)
    again = campaigns.campaign_steps_record(campaign=campaign, user=user, day=days[0], steps=12000)
    assert again.replayed
    campaigns.campaign_steps_record(campaign=campaign, user=user, day=days[1], steps=9000)
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_steps_record(campaign=campaign, user=user, day=days[2], steps=9000)
    assert err.value.code == "campaign_cap_reached"
    assert balance(user) == 20 and CampaignParticipant.objects.get(user=user).total == 20
    assert sorted(CampaignAward.objects.values_list("reference", flat=True)) == [
        f"steps:{days[1].isoformat()}",
        f"steps:{days[0].isoformat()}",
    ]
    assert_ledger_adds_up()


@pytest.mark.parametrize(
    ("days_ago", "steps", "code"),
    [
        (0, 7999, "steps_below_threshold"),
        (-1, 9000, "invalid_day"),  # tomorrow
        (21, 9000, "invalid_day"),  # before the campaign (which started 20 days ago)
        (0, -1, "invalid_steps"),
        (0, 100_001, "invalid_steps"),
    ],
)
def test_steps_that_do_not_count_are_refused_and_change_nothing(days_ago, steps, code):
    campaign = make_campaign(
        CampaignKind.HEALTH,
        points=10,
        per_person_cap=100,
        steps_threshold=8000,
        starts_at=timezone.now() - dt.timedelta(days=20),
    )
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_steps_record(
            campaign=campaign,
            user=verified_user(),
            day=timezone.localdate() - dt.timedelta(days=days_ago),
            steps=steps,
        )
    assert err.value.code == code
    assert not Transaction.objects.exists() and Campaign.objects.get(pk=campaign.pk).awarded == 0


def test_a_day_before_the_campaign_does_not_count():
    campaign = make_campaign(CampaignKind.HEALTH, points=10, steps_threshold=8000)  # started yesterday
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_steps_record(
            campaign=campaign,
            user=verified_user(),
            day=timezone.localdate(campaign.starts_at) - dt.timedelta(days=1),
            steps=9000,
        )
    assert err.value.code == "invalid_day"


def test_the_event_code_gives_points_once_however_it_is_typed():
    campaign = make_campaign(CampaignKind.EVENT, points=300, per_person_cap=300, event_code="UDON2025")
    user = verified_user()
    first = campaigns.campaign_code_redeem(campaign=campaign, user=user, code="ｕｄｏｎ-２０２５")
    again = campaigns.campaign_code_redeem(campaign=campaign, user=user, code="udon2025")
    assert not first.replayed and again.replayed and again.award.pk == first.award.pk
    assert balance(user) == 300


def test_wrong_event_codes_are_refused_then_throttled():
    campaign = make_campaign(CampaignKind.EVENT, event_code="UDON2025")
    user = verified_user()
    for _ in range(campaigns.CODE_TRIES_PER_HOUR):
        with pytest.raises(CampaignError) as err:
            campaigns.campaign_code_redeem(campaign=campaign, user=user, code="UDON2024")
        assert err.value.code == "wrong_code"
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_code_redeem(campaign=campaign, user=user, code="UDON2025")  # right, but too late
    assert err.value.code == "too_many_tries"
    assert balance(user) == 0
    other = verified_user()  # the throttle is per person
    campaigns.campaign_code_redeem(campaign=campaign, user=other, code="UDON2025")
    assert balance(other) == 100


def test_issuing_a_counter_request_prepared_online_awards_the_procedure_campaign():
    campaign = make_campaign(CampaignKind.PROCEDURE, points=50, per_person_cap=100)
    user, staff = verified_user(), UserFactory()
    created = counter_request_create(user)
    counter.counter_request_scan(staff=staff, request=created.request)
    assert balance(user) == 0  # nothing for a request that was only prepared
    counter.counter_request_issue(staff=staff, request=created.request, identity_checked=["passport"])
    award = CampaignAward.objects.get(campaign=campaign, user=user)
    assert award.reference == f"counter:{created.request.pk}" and balance(user) == 50
    assert_ledger_adds_up()


def test_changing_the_cap_applies_to_people_who_already_took_part():
    campaign = make_campaign(CampaignKind.HEALTH, points=10, per_person_cap=10, steps_threshold=1)
    user = verified_user()
    today = timezone.localdate()
    campaigns.campaign_steps_record(campaign=campaign, user=user, day=today, steps=5)
    Campaign.objects.filter(pk=campaign.pk).update(per_person_cap=20)
    campaigns.campaign_steps_record(campaign=campaign, user=user, day=today - dt.timedelta(days=1), steps=5)
    assert CampaignParticipant.objects.get(user=user).cap == 20 and balance(user) == 20


# -- admin form ----------------------------------------------------------------------------------------------


def admin_data(**overrides) -> dict:
    now = timezone.localtime()
    return {
        "code": "walk-2025",
        "name": "歩いてポイント",
        "name_en": "Walk and earn",
        "kind": CampaignKind.HEALTH,
        "points": 10,
        "budget": 100_000,
        "per_person_cap": 300,
        "starts_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "ends_at": (now + dt.timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
        "validity_days": 365,
        "event_code": "",
        "steps_threshold": 8000,
        **overrides,
    }


def test_the_admin_form_accepts_a_sound_campaign():
    form = CampaignAdminForm(admin_data())
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"per_person_cap": 5}, "per_person_cap"),
        ({"budget": 5}, "budget"),
        ({"steps_threshold": ""}, "steps_threshold"),
        ({"kind": CampaignKind.EVENT, "steps_threshold": ""}, "event_code"),
        ({"kind": CampaignKind.VERIFICATION, "event_code": "ABC"}, "event_code"),
        ({"ends_at": "2020-01-01 00:00"}, "ends_at"),
        ({"name": "番号 123456789018"}, "name"),
    ],
)
def test_the_admin_form_refuses_an_unsound_campaign(overrides, field):
    form = CampaignAdminForm(admin_data(**overrides))
    assert not form.is_valid() and field in form.errors


# -- pages ---------------------------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def test_a_verified_resident_claims_the_bonus_on_the_campaign_page(client, demo):
    campaign = make_campaign(name="マイナンバーカード登録ボーナス", points=1000, per_person_cap=1000)
    resident = demo["resident"]
    start = balance(resident)
    client.force_login(resident)
    html = client.get("/wallet/campaigns/").content.decode()
    assert "マイナンバーカード登録ボーナス" in html and "ボーナスを受け取る" in html
    response = client.post(f"/wallet/campaigns/{campaign.code}/claim/", follow=True)
    assert "1,000 ポイントを受け取りました" in response.content.decode()
    again = client.post(f"/wallet/campaigns/{campaign.code}/claim/", follow=True).content.decode()
    assert "受け取り済み" in again
    assert balance(resident) == start + 1000 and CampaignAward.objects.count() == 1


def test_an_unverified_resident_is_sent_to_verify(client, demo):
    campaign = make_campaign()
    client.force_login(demo["newcomer"])
    html = client.get("/wallet/campaigns/").content.decode()
    assert "本人確認が必要です" in html and "/identity/verify/" in html
    response = client.post(f"/wallet/campaigns/{campaign.code}/claim/", follow=True)
    assert "本人確認が必要です" in response.content.decode() and not CampaignAward.objects.exists()


def test_steps_are_recorded_on_the_page_and_bad_input_shows_an_error(client, demo):
    campaign = make_campaign(
        CampaignKind.HEALTH, code="walk", points=10, per_person_cap=100, steps_threshold=8000
    )
    resident = demo["resident"]
    start = balance(resident)
    client.force_login(resident)
    assert "歩数を記録する" in client.get("/wallet/campaigns/").content.decode()
    today = timezone.localdate().isoformat()
    bad = client.post(
        f"/wallet/campaigns/{campaign.code}/steps/", {"walk-day": today, "walk-steps": "たくさん"}
    )
    assert bad.status_code == 400 and "歩数は整数で入力してください" in bad.content.decode()
    low = client.post(
        f"/wallet/campaigns/{campaign.code}/steps/", {"walk-day": today, "walk-steps": "100"}, follow=True
    )
    assert "基準（8,000歩）に届いていません" in low.content.decode()
    ok = client.post(
        f"/wallet/campaigns/{campaign.code}/steps/", {"walk-day": today, "walk-steps": "9000"}, follow=True
    )
    assert "10 ポイントを受け取りました" in ok.content.decode()
    assert balance(resident) == start + 10


def test_an_event_code_is_redeemed_on_the_page(client, demo):
    campaign = make_campaign(CampaignKind.EVENT, code="fes", points=200, per_person_cap=200, event_code="FES")
    client.force_login(demo["resident"])
    wrong = client.post(f"/wallet/campaigns/{campaign.code}/join/", {"fes-code": "NOPE"}, follow=True)
    assert "参加コードが違います" in wrong.content.decode()
    right = client.post(f"/wallet/campaigns/{campaign.code}/join/", {"fes-code": "fes"}, follow=True)
    assert "200 ポイントを受け取りました" in right.content.decode()
    assert "参加コードで受け取り済みです" in client.get("/wallet/campaigns/").content.decode()


def test_campaign_pages_need_login_post_and_a_running_campaign(client, demo):
    running = make_campaign()
    ended = make_campaign(
        starts_at=timezone.now() - dt.timedelta(days=9), ends_at=timezone.now() - dt.timedelta(days=1)
    )
    assert client.get("/wallet/campaigns/")["Location"].startswith("/accounts/login/")
    assert client.post(f"/wallet/campaigns/{running.code}/claim/")["Location"].startswith("/accounts/login/")
    client.force_login(demo["resident"])
    assert client.get(f"/wallet/campaigns/{running.code}/claim/").status_code == 405
    assert client.post("/wallet/campaigns/no-such/claim/").status_code == 404
    assert client.post(f"/wallet/campaigns/{ended.code}/claim/").status_code == 404
    assert ended.name not in client.get("/wallet/campaigns/").content.decode() or ended.name == running.name
    assert not CampaignAward.objects.exists()


def test_only_the_wallet_operator_sees_the_campaign_overview(client, demo):
    make_campaign(name="歩いてポイント2025")
    assert client.get("/operator/campaigns/").status_code == 302
    client.force_login(demo["resident"])
    assert client.get("/operator/campaigns/").status_code in (302, 403)
    client.logout()
    log_in_with_second_factor(client, "admin@example.jp")
    html = client.get("/operator/campaigns/").content.decode()
    assert "歩いてポイント2025" in html and "すべて一致しています" in html
    admin_page = client.get("/admin/wallet/campaign/")
    assert admin_page.status_code == 200 and "歩いてポイント2025" in admin_page.content.decode()


# -- concurrency (PostgreSQL, real threads) -------------------------------------------------------------------


def _award_or_code(**kwargs):
    try:
        return campaigns.campaign_award(**kwargs).award.pk
    except CampaignError as exc:
        return exc.code


@pytest.mark.django_db(transaction=True)
def test_many_people_at_once_never_take_more_than_the_budget(postgres):
    campaign = make_campaign(points=100, budget=1000)
    users = [verified_user() for _ in range(40)]
    results = run_at_once(
        40, lambda i: _award_or_code(campaign=campaign, user=users[i], reference="verification")
    )
    assert results.count("campaign_budget_exhausted") == 30
    assert CampaignAward.objects.count() == 10 and Campaign.objects.get(pk=campaign.pk).awarded == 1000
    assert sum(balance(u) for u in users) == 1000
    assert_ledger_adds_up()


@pytest.mark.django_db(transaction=True)
def test_the_same_award_sent_many_times_at_once_is_given_once(postgres):
    campaign = make_campaign(points=100, per_person_cap=1000)
    user = verified_user()
    results = run_at_once(
        20, lambda i: _award_or_code(campaign=campaign, user=user, reference="verification")
    )
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert CampaignAward.objects.count() == 1 and balance(user) == 100
    assert_ledger_adds_up()


@pytest.mark.django_db(transaction=True)
def test_many_days_at_once_never_pass_the_per_person_cap(postgres):
    campaign = make_campaign(points=10, per_person_cap=50)
    user = verified_user()
    results = run_at_once(20, lambda i: _award_or_code(campaign=campaign, user=user, reference=f"day-{i}"))
    assert results.count("campaign_cap_reached") == 15
    assert balance(user) == 50 and CampaignParticipant.objects.get(user=user).total == 50
    assert_ledger_adds_up()
