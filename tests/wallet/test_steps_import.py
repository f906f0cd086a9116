"""Steps campaigns: the CSV of daily steps a resident exports from a health app and imports (SPEC §3.4)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from apps.notifications.models import Notification
from apps.wallet import campaigns, steps_csv, tasks
from apps.wallet.campaigns import CampaignError
from apps.wallet.constants import CampaignKind
from apps.wallet.models import Campaign, CampaignAward
from tests.identity.factories import UserFactory
from tests.wallet.test_campaigns import assert_ledger_adds_up, balance, make_campaign, verified_user

pytestmark = pytest.mark.django_db


def ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def walking(**fields) -> Campaign:
    values = {
        "code": "walk",
        "points": 10,
        "per_person_cap": 300,
        "budget": 100_000,
        "steps_threshold": 8000,
        "starts_at": timezone.now() - dt.timedelta(days=30),
        **fields,
    }
    return make_campaign(CampaignKind.HEALTH, **values)


def csv_bytes(rows, *, header="日付,歩数", encoding="utf-8", newline="\r\n") -> bytes:
    lines = [header] + [f'{day},"{steps}"' for day, steps in rows]
    return newline.join(lines).encode(encoding) + newline.encode()


def refs(user) -> list[str]:
    return sorted(CampaignAward.objects.filter(user=user).values_list("reference", flat=True))


# -- reading the file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        '日付,歩数\r\n2026-04-01,9000\r\n2026/04/02,"8,000"\r\n'.encode(),
        '\ufeff日付,歩数\r\n2026-04-01,9000\r\n2026/04/02,"8,000"\r\n'.encode(),
        '日付,歩数\r\n2026-04-01,9000\r\n2026/04/02,"8,000"\r\n'.encode("cp932"),
        "歩数データ（高松　花子）\n日付,歩数（歩）\n2026年4月1日,９０００\n2026-04-02,8000歩\n".encode(
            "cp932"
        ),
    ],
    ids=["utf-8", "utf-8-bom", "cp932", "cp932-title-line-and-units"],
)
def test_japanese_files_are_read_in_every_encoding(data):
    assert steps_csv.steps_csv_read(data) == {dt.date(2026, 4, 1): 9000, dt.date(2026, 4, 2): 8000}


@pytest.mark.parametrize(
    "text",
    [
        "date,steps\n2026-04-01,9000\n",
        "Date,Step Count\n2026-04-01,9000\n",
        "DATE,STEPS\n2026/4/1,9000\n",
        # Google Fit's daily summary: the steps column far to the right, other columns ignored
        "Date,Move Minutes count,Calories (kcal),Distance (m),Heart Points intensity,Step count\n"
        "2026-04-01,35,1800.5,6200.1,12,9000\n",
        "開始日時,終了日時,歩数\n2026-04-01 08:00:00,2026-04-01 09:00:00,9000\n",
        "startDate,endDate,Steps (count)\n2026-04-01T08:00:00+09:00,2026-04-01T09:00:00+09:00,9000\n",
        "日付;歩数\n2026-04-01;9000\n",
        "Date\tSteps\n2026-04-01\t9000\n",
    ],
)
def test_the_common_headers_of_health_apps_are_understood(text):
    assert steps_csv.steps_csv_read(text.encode()) == {dt.date(2026, 4, 1): 9000}


def test_an_empty_steps_cell_is_a_day_without_data():
    assert steps_csv.steps_csv_read(b"Date,Step count\n2026-04-01,\n") == {dt.date(2026, 4, 1): 0}


def test_rows_of_the_same_day_are_summed():
    data = b"date,source,steps\n2026-04-01,phone,5000\n2026-04-01 13:00,watch,3500\n2026-04-02,phone,100\n"
    assert steps_csv.steps_csv_read(data) == {dt.date(2026, 4, 1): 8500, dt.date(2026, 4, 2): 100}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ["空です"]),
        (b"2026-04-01,9000\n2026-04-02,9000\n", ["見出し"]),  # no header
        (b"date,distance\n2026-04-01,6.2\n", ["見出し"]),  # no steps column
        (b"date,steps\n2026-04-01,9000\n2026-13-01,9000\nyesterday,9000\n", ["3行目", "4行目"]),
        (b"date,steps\n2026-04-01,-5\n", ["2行目"]),
        (b"date,steps\n2026-04-01,8000.5\n", ["2行目"]),
        (b"date,steps\n2026-04-01,many\n", ["2行目"]),
        (b"date,steps\n2026-04-01,100001\n", ["2行目"]),
        (b"date,steps\n" + b"x,1\n" * 8, ["2行目", "6行目", "ほか 3 行"]),
        (b'date,steps\n2026-04-01,"9000\n', ["CSV として読み込めません"]),  # unclosed quote
        (b"\xff\xfed\x00a\x00t\x00e\x00", ["文字コード"]),  # UTF-16
        (b"\x89PNG\r\n\x1a\n\x00\x00", ["文字コード"]),
        (b"date,steps\n" + b"2026-04-01,1\n" * (steps_csv.MAX_ROWS + 1), ["行が多すぎます"]),
        (b"date,steps\n" + b"2026-04-01,1" + b" " * steps_csv.MAX_BYTES + b"\n", ["大きすぎます"]),
        (b"date,steps\n\n", ["記録がありません"]),
    ],
)
def test_a_bad_file_is_refused_with_one_message(data, words):
    with pytest.raises(steps_csv.StepsFileError) as err:
        steps_csv.steps_csv_read(data)
    assert err.value.code == "invalid_steps_file"
    for word in words:
        assert word in err.value.detail


# -- the service ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_an_imported_file_awards_each_qualifying_day_once(encoding):
    campaign = walking()
    user = verified_user()
    data = csv_bytes(
        [(ago(3), 9000), (ago(2), "5,000"), (ago(2), 3000), (ago(1), 7999), (ago(0), 12000)],
        encoding=encoding,
    )
    result = campaigns.campaign_steps_import(campaign=campaign, user=user, data=data)
    assert (result.days_read, result.days_qualifying, result.awarded, result.points) == (4, 3, 3, 30)
    assert result.below_threshold == 1 and result.already_awarded == 0 and result.refused == {}
    assert refs(user) == sorted(f"steps:{d.isoformat()}" for d in (ago(3), ago(2), ago(0)))
    assert balance(user) == 30 and Campaign.objects.get(pk=campaign.pk).awarded == 30
    # one notification for the file, not one per day
    notes = Notification.objects.filter(recipient=user, event="wallet.campaign_awarded")
    assert notes.count() == 1 and notes.get().context["points"] == 30
    assert_ledger_adds_up()


def test_importing_the_same_file_again_awards_nothing_new():
    campaign = walking()
    user = verified_user()
    data = csv_bytes([(ago(2), 9000), (ago(1), 9000)], header="Date,Step Count")
    campaigns.campaign_steps_import(campaign=campaign, user=user, data=data)
    again = campaigns.campaign_steps_import(campaign=campaign, user=user, data=data)
    assert (again.days_qualifying, again.awarded, again.already_awarded, again.points) == (2, 0, 2, 0)
    assert balance(user) == 20 and CampaignAward.objects.count() == 2
    assert Notification.objects.filter(recipient=user).count() == 1


def test_days_outside_the_campaign_or_in_the_future_do_not_count():
    campaign = walking(starts_at=timezone.now() - dt.timedelta(days=10))
    user = verified_user()
    first_day = timezone.localdate(campaign.starts_at)
    data = csv_bytes(
        [
            (first_day - dt.timedelta(days=1), 9000),
            (first_day, 9000),
            (ago(-1), 9000),
            (dt.date(2019, 1, 1), 9000),
        ]
    )
    result = campaigns.campaign_steps_import(campaign=campaign, user=user, data=data)
    assert (result.days_read, result.outside_period, result.awarded) == (4, 3, 1)
    assert refs(user) == [f"steps:{first_day.isoformat()}"]


def test_awards_stop_at_the_per_person_cap_and_the_rest_is_reported():
    campaign = walking(per_person_cap=30)
    user = verified_user()
    data = csv_bytes([(ago(n), 10_000) for n in range(5)])
    result = campaigns.campaign_steps_import(campaign=campaign, user=user, data=data)
    assert (result.days_qualifying, result.awarded, result.refused) == (5, 3, {"campaign_cap_reached": 2})
    # the oldest days first
    assert refs(user) == sorted(f"steps:{ago(n).isoformat()}" for n in (2, 3, 4))
    assert balance(user) == 30
    assert_ledger_adds_up()


def test_awards_stop_when_the_budget_runs_out():
    campaign = walking(budget=25)
    user = verified_user()
    result = campaigns.campaign_steps_import(
        campaign=campaign, user=user, data=csv_bytes([(ago(n), 9000) for n in range(4)])
    )
    assert (result.awarded, result.refused) == (2, {"campaign_budget_exhausted": 2})
    assert Campaign.objects.get(pk=campaign.pk).awarded == 20 and balance(user) == 20


@pytest.mark.parametrize(
    "data",
    [
        b"2026-04-01,9000\n",
        "日付,歩数\n{d},9000\nきのう,9000\n",
        "日付,歩数\n{d},9000\n{d},-1\n",
        "日付,歩数\n{d},9000\n{d},9000.5\n",
        "日付,歩数\n{d},9000\n" + "{d},1\n" * steps_csv.MAX_ROWS,
    ],
    ids=["no-header", "bad-date", "negative-steps", "not-an-integer", "too-many-rows"],
)
def test_a_bad_file_awards_nothing_at_all(data):
    campaign = walking()
    user = verified_user()
    campaigns.campaign_steps_record(campaign=campaign, user=user, day=ago(5), steps=9000)
    awards, start = CampaignAward.objects.count(), balance(user)
    if isinstance(data, str):
        data = data.format(d=ago(1).isoformat()).encode()
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_steps_import(campaign=campaign, user=user, data=data)
    assert err.value.code == "invalid_steps_file" and err.value.detail
    assert CampaignAward.objects.count() == awards and balance(user) == start == 10


def test_only_a_verified_person_and_a_steps_campaign_take_a_file():
    data = csv_bytes([(ago(1), 9000)])
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_steps_import(campaign=walking(), user=UserFactory(), data=data)
    assert err.value.code == "verification_required"
    event = make_campaign(CampaignKind.EVENT, event_code="FES")
    with pytest.raises(CampaignError) as err:
        campaigns.campaign_steps_import(campaign=event, user=verified_user(), data=data)
    assert err.value.code == "campaign_wrong_kind"
    assert not CampaignAward.objects.exists()


def test_a_day_typed_on_the_page_and_the_same_day_in_a_file_are_one_award():
    campaign = walking()
    user = verified_user()
    # The window is the same for both: a day three weeks ago in the campaign counts either way.
    typed = campaigns.campaign_steps_record(campaign=campaign, user=user, day=ago(21), steps=9000)
    result = campaigns.campaign_steps_import(
        campaign=campaign, user=user, data=csv_bytes([(ago(21), 9000), (ago(20), 9000)])
    )
    assert not typed.replayed and (result.awarded, result.already_awarded) == (1, 1)
    assert balance(user) == 20


# -- the page ------------------------------------------------------------------------------------------------


def upload(name="steps.csv", data=b"", content_type="text/csv"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_resident_uploads_the_file_on_the_campaign_page(client):
    campaign = walking()
    user = verified_user()
    client.force_login(user)
    page = client.get("/wallet/campaigns/").content.decode()
    assert "歩数のCSVファイル" in page and 'enctype="multipart/form-data"' in page
    assert f'action="/wallet/campaigns/{campaign.code}/steps/import/"' in page
    data = csv_bytes([(ago(2), 9000), (ago(1), 100)], header="Date,Step Count", encoding="utf-8-sig")
    response = client.post(
        f"/wallet/campaigns/{campaign.code}/steps/import/", {"walk-file": upload(data=data)}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "歩数の取り込み結果" in html
    assert "今回ポイントを付与した日数" in html and "1 日（10 ポイント）" in html
    assert "基準の歩数に届かなかった日数" in html
    assert balance(user) == 10
    again = client.post(f"/wallet/campaigns/{campaign.code}/steps/import/", {"walk-file": upload(data=data)})
    assert "0 日（0 ポイント）" in again.content.decode() and balance(user) == 10


def test_a_bad_upload_shows_the_error_and_changes_nothing(client):
    campaign = walking()
    user = verified_user()
    client.force_login(user)
    url = f"/wallet/campaigns/{campaign.code}/steps/import/"
    bad = client.post(url, {"walk-file": upload(data=f"日付,歩数\n{ago(1)},たくさん\n".encode("cp932"))})
    assert bad.status_code == 400 and "2行目" in bad.content.decode()
    missing = client.post(url, {})
    assert missing.status_code == 400 and "CSVファイルを選んでください" in missing.content.decode()
    huge = client.post(url, {"walk-file": upload(data=b"date,steps\n" + b"0" * steps_csv.MAX_BYTES)})
    assert huge.status_code == 400 and "大きすぎます" in huge.content.decode()
    assert balance(user) == 0 and not CampaignAward.objects.exists()


def test_the_upload_needs_login_post_and_a_running_steps_campaign(client):
    campaign = walking()
    ended = walking(code="ended", ends_at=timezone.now() - dt.timedelta(days=1))
    event = make_campaign(CampaignKind.EVENT, code="fes", event_code="FES")
    url = f"/wallet/campaigns/{campaign.code}/steps/import/"
    data = {"walk-file": upload(data=csv_bytes([(ago(1), 9000)]))}
    assert client.post(url, data)["Location"].startswith("/accounts/login/")
    client.force_login(verified_user())
    assert client.get(url).status_code == 405
    assert client.post(f"/wallet/campaigns/{ended.code}/steps/import/").status_code == 404
    assert client.post("/wallet/campaigns/no-such/steps/import/").status_code == 404
    wrong = client.post(
        f"/wallet/campaigns/{event.code}/steps/import/",
        {"fes-file": upload(data=csv_bytes([(ago(1), 9000)]))},
        follow=True,
    )
    assert "歩数を記録できません" in wrong.content.decode()
    assert not CampaignAward.objects.exists()


# -- the ledger check ----------------------------------------------------------------------------------------


def test_the_reconcile_command_and_task_report_campaign_problems(capsys):
    campaign = walking()
    campaigns.campaign_steps_import(campaign=campaign, user=verified_user(), data=csv_bytes([(ago(1), 9000)]))
    call_command("wallet_reconcile")
    assert "ledger reconciled" in capsys.readouterr().out
    assert tasks.reconcile() == 0
    Campaign.objects.filter(pk=campaign.pk).update(awarded=F("awarded") + 10)
    with pytest.raises(CommandError) as err:
        call_command("wallet_reconcile")
    assert "1 problem" in str(err.value)
    assert f"campaign #{campaign.pk}: awarded 20 != awards 10" in capsys.readouterr().err
    assert tasks.reconcile() == 1 and tasks.reconcile() == 1


# -- demo data -----------------------------------------------------------------------------------------------


def test_the_demo_campaigns_load_twice_without_duplicates():
    from apps.demo.services import demo_accounts_load

    demo_accounts_load()
    demo_accounts_load()
    codes = ["demo-mynumber-bonus", "demo-online-procedure", "demo-walking", "demo-sanuki-event"]
    demo = {c.code: c for c in Campaign.objects.filter(code__startswith="demo-")}
    assert sorted(demo) == sorted(codes)
    running = {c.code for c in campaigns.campaigns_running()}
    assert set(codes) <= running
    walk = demo["demo-walking"]
    assert (walk.steps_threshold, walk.points, walk.per_person_cap) == (8000, 10, 300)
    assert demo["demo-sanuki-event"].event_code == "SANUKI2026" and demo["demo-mynumber-bonus"].points == 1000
    assert all(c.budget > 0 for c in demo.values())
    assert all(c.starts_at < timezone.now() - dt.timedelta(days=28) for c in demo.values())
    assert all(c.ends_at > timezone.now() + dt.timedelta(days=28) for c in demo.values())
