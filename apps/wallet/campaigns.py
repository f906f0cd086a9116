"""Point campaigns (SPEC §3.4): the wallet's public interface for giving points by rule.

A campaign gives `points` for one reason at a time (the My Number verification, a completed procedure, a
day of steps, attending an event), within its period, its budget and each person's cap. The limits are
held by the database: the budget by a conditional `UPDATE` of the campaign row (and its CHECK
`awarded <= budget`), the cap by a conditional `UPDATE` of the person's participant row (CHECK
`total <= cap`), and "never twice for the same reason" by the unique (campaign, user, reference) of the
award. The points themselves are a ledger transaction from the city's issuance account, written in the
same database transaction, so an award and its points exist together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import unicodedata
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.dispatch import receiver
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.signals import identity_verified, procedure_completed
from apps.identity.models import IdentityVerification
from apps.notifications.registry import register_event
from apps.notifications.services import notify

from .constants import AccountKind, CampaignKind, TransactionKind
from .models import Campaign, CampaignAward, CampaignParticipant, Entry
from .services import (
    NewLot,
    WalletError,
    ledger_post,
    lot_expiry,
    request_hash,
    resident_account,
    system_account,
)
from .steps_csv import StepsFileError, steps_csv_read

logger = logging.getLogger(__name__)

MAX_STEPS = 100_000  # more in one day is a typing error
CODE_TRIES_PER_HOUR = 10  # wrong participation codes per person and campaign, against guessing
VERIFICATION_REFERENCE = "verification"
CODE_REFERENCE = "code"


class CampaignError(WalletError):
    code = "campaign_error"


@dataclass
class AwardResult:
    award: CampaignAward
    replayed: bool = False


@dataclass
class StepsImportResult:
    """What an imported file of steps gave: days are counted once each, whatever the rows per day."""

    days_read: int = 0
    days_qualifying: int = 0  # in the window and at or above the threshold
    awarded: int = 0  # days awarded by this import
    points: int = 0  # points awarded by this import
    already_awarded: int = 0  # qualifying days that had been awarded before (a re-import)
    below_threshold: int = 0
    outside_period: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # error code -> qualifying days not awarded

    @property
    def refused_other(self) -> int:
        """Days refused for a reason the page does not name (the campaign closed meanwhile, ...)."""
        named = ("campaign_cap_reached", "campaign_budget_exhausted")
        return sum(n for code, n in self.refused.items() if code not in named)


# -- rules -----------------------------------------------------------------------------------------------


def campaign_is_running(campaign: Campaign, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return campaign.starts_at <= now < campaign.ends_at


def _eligible(user) -> None:
    # One card verifies one account (identity refuses a card in use), so points cannot be farmed with
    # throw-away accounts.
    if not IdentityVerification.objects.filter(user=user).exists():
        raise CampaignError(
            _("ポイントを受け取るには、マイナンバーカードでの本人確認が必要です。"),
            code="verification_required",
            status=403,
        )


def campaign_award(
    *, campaign: Campaign, user, reference: str, now: dt.datetime | None = None, notify_user: bool = True
) -> AwardResult:
    """Give the campaign's points to `user` once for `reference`; a repeat returns the first award.

    Refused (CampaignError) outside the period, without My Number verification, past the budget or past
    the person's cap; nothing is written then. `notify_user=False` is for a caller that sends one
    notification for many awards (an imported file of steps).
    """
    now = now or timezone.now()
    reference = str(reference)[:64]
    existing = CampaignAward.objects.filter(campaign=campaign, user=user, reference=reference).first()
    if existing is not None:
        return AwardResult(existing, replayed=True)
    campaign = Campaign.objects.get(pk=campaign.pk)  # the operator may have changed it since it was read
    if not campaign_is_running(campaign, now=now):
        raise CampaignError(_("このキャンペーンは実施期間外です。"), code="campaign_closed")
    _eligible(user)
    amount, cap = campaign.points, campaign.per_person_cap
    try:
        with transaction.atomic():
            # The campaign row is locked by this update until commit: awards of one campaign take the
            # budget one after the other, and the CHECK awarded <= budget backs the condition.
            if not Campaign.objects.filter(pk=campaign.pk, awarded__lte=F("budget") - amount).update(
                awarded=F("awarded") + amount
            ):
                raise CampaignError(
                    _("予算の上限に達したため、このキャンペーンのポイント付与は終了しました。"),
                    code="campaign_budget_exhausted",
                    status=409,
                )
            participant, _created = CampaignParticipant.objects.get_or_create(
                campaign=campaign, user=user, defaults={"cap": cap}
            )
            # The cap follows the campaign's current setting; the new total never exceeds it.
            if not CampaignParticipant.objects.filter(pk=participant.pk, total__lte=cap - amount).update(
                total=F("total") + amount, cap=cap
            ):
                raise CampaignError(
                    _("このキャンペーンで受け取れるポイントの上限に達しています。"),
                    code="campaign_cap_reached",
                    status=409,
                )
            expires_at = lot_expiry(days=campaign.validity_days, now=now)
            tx = ledger_post(
                kind=TransactionKind.AWARD,
                legs=[(system_account(AccountKind.ISSUANCE), -amount), (resident_account(user=user), amount)],
                key=f"campaign:{campaign.pk}:{user.pk}:{reference}",
                fingerprint=request_hash("campaign", campaign.pk, user.pk, reference, amount),
                new_lot=NewLot(expires_at),
            )
            award = CampaignAward.objects.create(
                campaign=campaign, user=user, reference=reference, amount=amount, transaction=tx
            )
            if notify_user:
                _notify_awarded(
                    campaign=campaign,
                    user=user,
                    points=amount,
                    expires_at=expires_at,
                    key=f"award:{award.pk}",
                )
    except IntegrityError:
        # The same award was being made at the same moment (a double submit): the first one stands.
        existing = CampaignAward.objects.filter(campaign=campaign, user=user, reference=reference).first()
        if existing is None:
            raise
        return AwardResult(existing, replayed=True)
    logger.info("campaign %s: award %s of %s points", campaign.pk, award.pk, amount)
    return AwardResult(award)


def _notify_awarded(*, campaign: Campaign, user, points: int, expires_at: dt.datetime, key: str) -> None:
    notify(
        recipient=user,
        event="wallet.campaign_awarded",
        context={
            "campaign": campaign.name,
            "campaign_en": campaign.name_en or campaign.name,
            "points": points,
            "expires_on": timezone.localdate(expires_at).isoformat(),
        },
        dedupe_key=f"campaign-{key}",
    )


def campaign_verification_claim(*, campaign: Campaign, user) -> AwardResult:
    """The My Number verification bonus, for a resident verified before the campaign or whose award failed."""
    if campaign.kind != CampaignKind.VERIFICATION:
        raise CampaignError(_("このキャンペーンでは受け取れません。"), code="campaign_wrong_kind")
    return campaign_award(campaign=campaign, user=user, reference=VERIFICATION_REFERENCE)


def campaign_steps_record(
    *, campaign: Campaign, user, day: dt.date, steps: int, now: dt.datetime | None = None
) -> AwardResult:
    """A day of walking: the campaign's points once per day that reached its threshold of steps."""
    now = now or timezone.now()
    _check_steps_campaign(campaign)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise CampaignError(
            _("歩数は0〜%(max)sの整数で入力してください。") % {"max": f"{MAX_STEPS:,}"}, code="invalid_steps"
        )
    first, last = steps_days_window(campaign=campaign, now=now)
    if not first <= day <= last:
        raise CampaignError(
            _("記録できるのは、キャンペーンの開始日から今日までの日です。"),
            code="invalid_day",
        )
    if steps < campaign.steps_threshold:
        raise CampaignError(
            _("この日の歩数は基準（%(threshold)s歩）に届いていません。")
            % {"threshold": f"{campaign.steps_threshold:,}"},
            code="steps_below_threshold",
        )
    return campaign_award(campaign=campaign, user=user, reference=f"steps:{day.isoformat()}", now=now)


def _check_steps_campaign(campaign: Campaign) -> None:
    if campaign.kind != CampaignKind.HEALTH or not campaign.steps_threshold:
        raise CampaignError(_("このキャンペーンでは歩数を記録できません。"), code="campaign_wrong_kind")


def steps_days_window(*, campaign: Campaign, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The days whose steps count: from the campaign's first day up to today (never a future day).

    The same for a day typed on the page and for an imported file, so that neither is a way around the
    other; a day's points are given once (reference "steps:<day>") whichever way it came.
    """
    today = timezone.localdate(now or timezone.now())
    first = timezone.localdate(campaign.starts_at)
    last = min(today, timezone.localdate(campaign.ends_at - dt.timedelta(microseconds=1)))
    return first, last


def campaign_steps_import(
    *, campaign: Campaign, user, data: bytes, now: dt.datetime | None = None
) -> StepsImportResult:
    """Days of steps from a health app's CSV export: each day of the window at the threshold, once.

    The file is checked whole before anything is given (CampaignError "invalid_steps_file" names the
    first bad lines). Days are awarded oldest first; when the person's cap or the budget is reached the
    import stops quietly and the remaining days are reported as refused with that reason. Importing the
    same file again gives nothing new. One notification tells the total.
    """
    now = now or timezone.now()
    _check_steps_campaign(campaign)
    if not campaign_is_running(campaign, now=now):
        raise CampaignError(_("このキャンペーンは実施期間外です。"), code="campaign_closed")
    _eligible(user)
    try:
        days = steps_csv_read(data)
    except StepsFileError as exc:
        raise CampaignError(exc.detail, code=exc.code) from None
    result = StepsImportResult(days_read=len(days))
    first, last = steps_days_window(campaign=campaign, now=now)
    qualifying = []
    for day, steps in sorted(days.items()):
        if not first <= day <= last:
            result.outside_period += 1
        elif steps < campaign.steps_threshold:
            result.below_threshold += 1
        else:
            qualifying.append(day)
    result.days_qualifying = len(qualifying)
    done = set(
        CampaignAward.objects.filter(
            campaign=campaign, user=user, reference__in=[f"steps:{d.isoformat()}" for d in qualifying]
        ).values_list("reference", flat=True)
    )
    stopped = ""
    last_award = None
    for day in qualifying:
        reference = f"steps:{day.isoformat()}"
        if reference in done:
            result.already_awarded += 1
            continue
        if not stopped:
            try:
                award = campaign_award(
                    campaign=campaign, user=user, reference=reference, now=now, notify_user=False
                )
            except CampaignError as exc:
                stopped = exc.code  # the cap, the budget, or the campaign closed meanwhile
            else:
                if award.replayed:  # the same file sent twice at once
                    result.already_awarded += 1
                else:
                    result.awarded += 1
                    result.points += award.award.amount
                    last_award = award.award
                continue
        result.refused[stopped] = result.refused.get(stopped, 0) + 1
    if last_award is not None:
        _notify_awarded(
            campaign=campaign,
            user=user,
            points=result.points,
            expires_at=lot_expiry(days=campaign.validity_days, now=now),
            key=f"steps-import:{last_award.pk}",
        )
    logger.info(
        "campaign %s: steps import, %s days read, %s awarded", campaign.pk, result.days_read, result.awarded
    )
    return result


def _normalise_code(value: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", str(value)).upper() if ch.isalnum())


def campaign_code_redeem(*, campaign: Campaign, user, code: str) -> AwardResult:
    """Attendance (an event, a health check-up): the code handed out there gives the points once."""
    if not campaign.event_code:
        raise CampaignError(_("このキャンペーンでは参加コードを使いません。"), code="campaign_wrong_kind")
    tries_key = f"wallet:campaign-code-tries:{campaign.pk}:{user.pk}"
    if (cache.get(tries_key) or 0) >= CODE_TRIES_PER_HOUR:
        raise CampaignError(
            _(
                "参加コードの入力を続けて間違えたため、しばらく入力できません。1時間ほどおいてお試しください。"
            ),
            code="too_many_tries",
            status=429,
        )
    given, expected = _normalise_code(code), _normalise_code(campaign.event_code)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        cache.add(tries_key, 0, timeout=3600)
        try:
            cache.incr(tries_key)
        except ValueError:  # expired between add and incr
            cache.set(tries_key, 1, timeout=3600)
        raise CampaignError(
            _("参加コードが違います。会場や案内に書かれたコードを確かめてください。"), code="wrong_code"
        )
    return campaign_award(campaign=campaign, user=user, reference=CODE_REFERENCE)


# -- awards triggered by other apps (identity, counter) ----------------------------------------------------


def _award_quietly(*, kind: str, user, reference: str) -> None:
    """Award every running campaign of `kind`; never make the sender (a verification, an issue) fail."""
    for campaign in campaigns_running(kind=kind):
        try:
            with transaction.atomic():
                campaign_award(campaign=campaign, user=user, reference=reference)
        except CampaignError as exc:
            logger.info("campaign %s: no award (%s)", campaign.pk, exc.code)
        except Exception:
            logger.exception("campaign %s: award failed", campaign.pk)


@receiver(identity_verified, dispatch_uid="wallet.campaigns.verification")
def _on_identity_verified(sender, *, user, **kwargs) -> None:
    _award_quietly(kind=CampaignKind.VERIFICATION, user=user, reference=VERIFICATION_REFERENCE)


@receiver(procedure_completed, dispatch_uid="wallet.campaigns.procedure")
def _on_procedure_completed(sender, *, user, reference: str, **kwargs) -> None:
    _award_quietly(kind=CampaignKind.PROCEDURE, user=user, reference=reference)


# -- reads -------------------------------------------------------------------------------------------------


def campaigns_running(*, kind: str | None = None, now: dt.datetime | None = None) -> list[Campaign]:
    now = now or timezone.now()
    qs = Campaign.objects.filter(starts_at__lte=now, ends_at__gt=now)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("ends_at", "pk"))


def campaign_running_or_404(*, code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None or not campaign_is_running(campaign):
        raise Http404
    return campaign


def campaigns_for_user(*, user, now: dt.datetime | None = None) -> list[dict]:
    """Running campaigns with what this person has received from each (three queries)."""
    campaigns = campaigns_running(now=now)
    totals = dict(
        CampaignParticipant.objects.filter(user=user, campaign__in=campaigns).values_list("campaign", "total")
    )
    references: dict[int, set[str]] = {}
    for campaign_id, reference in CampaignAward.objects.filter(user=user, campaign__in=campaigns).values_list(
        "campaign", "reference"
    ):
        references.setdefault(campaign_id, set()).add(reference)
    rows = []
    for campaign in campaigns:
        total = totals.get(campaign.pk, 0)
        rows.append(
            {
                "campaign": campaign,
                "total": total,
                "cap_reached": total + campaign.points > campaign.per_person_cap,
                "budget_exhausted": campaign.awarded + campaign.points > campaign.budget,
                "claimed": bool(
                    references.get(campaign.pk, set()) & {VERIFICATION_REFERENCE, CODE_REFERENCE}
                ),
            }
        )
    return rows


def campaign_awards_for_user(*, user, limit: int = 20) -> list[CampaignAward]:
    return list(
        CampaignAward.objects.filter(user=user).select_related("campaign").order_by("-created_at")[:limit]
    )


def campaigns_overview() -> list[Campaign]:
    """Every campaign with its number of participants and awards, for the wallet operator."""
    return list(
        Campaign.objects.annotate(
            participant_count=Count("participants", distinct=True), award_count=Count("awards", distinct=True)
        ).order_by("-starts_at", "pk")
    )


def campaigns_reconcile() -> list[str]:
    """What does not add up between campaigns and the ledger: budgets, caps and award transactions."""
    problems = []
    by_campaign = dict(
        CampaignAward.objects.values("campaign")
        .annotate(total=Sum("amount"))
        .values_list("campaign", "total")
    )
    for pk, awarded in Campaign.objects.values_list("pk", "awarded"):
        if awarded != (by_campaign.get(pk) or 0):
            problems.append(f"campaign #{pk}: awarded {awarded} != awards {by_campaign.get(pk) or 0}")
    by_person = {
        (row["campaign"], row["user"]): row["total"]
        for row in CampaignAward.objects.values("campaign", "user").annotate(total=Sum("amount"))
    }
    for pk, campaign_id, user_id, total in CampaignParticipant.objects.values_list(
        "pk", "campaign", "user", "total"
    ).iterator(chunk_size=2000):
        if total != (by_person.get((campaign_id, user_id)) or 0):
            problems.append(f"campaign participant #{pk}: total {total} != awards")
    credited = dict(
        Entry.objects.filter(
            transaction__campaign_award__isnull=False,
            transaction__kind=TransactionKind.AWARD,
            account__kind=AccountKind.RESIDENT,
        ).values_list("transaction__campaign_award", "amount")
    )
    for pk, amount in CampaignAward.objects.values_list("pk", "amount"):
        if credited.get(pk) != amount:
            problems.append(f"campaign award #{pk}: its transaction credits {credited.get(pk)} != {amount}")
    return problems


register_event(
    "wallet.campaign_awarded",
    template="wallet_campaign_awarded",
    link=lambda ctx: reverse("wallet:campaigns"),
)
