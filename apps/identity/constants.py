from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles are auth groups; the value is the group name."""

    RESIDENT = "resident", _("市民")
    COUNTER_STAFF = "counter_staff", _("窓口職員")
    CATALOGUE_ADMIN = "catalogue_admin", _("手続き一覧の管理者")
    MERCHANT = "merchant", _("加盟店")
    WALLET_OPERATOR = "wallet_operator", _("デジタル財布の運用者")


# Model permissions each role holds, as "app_label.codename".
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CATALOGUE_ADMIN: [
        f"catalogue.{action}_{model}"
        for model in ("procedure", "procedurelifeevent", "section", "lifeevent", "category")
        for action in ("add", "change", "delete", "view")
    ]
    # The portal's admins see how notifications were delivered (SPEC §3.5), read-only, without their text.
    + ["notifications.view_delivery"],
}

# Roles whose pages need a second factor (SPEC §3.2).
STRONG_AUTH_ROLES = {Role.COUNTER_STAFF, Role.CATALOGUE_ADMIN, Role.MERCHANT, Role.WALLET_OPERATOR}


# What a resident reads for each result code of a verification attempt, with what to do next.
RESULT_MESSAGES: dict[str, str] = {
    "verified": _("確認できました"),
    "challenge_expired": _("時間切れです（5分以内に読み取ってください）。もう一度お試しください。"),
    "challenge_used": _("同じ読み取りが2回送られました。もう一度最初からお試しください。"),
    "challenge_not_found": _("読み取りの情報が見つかりません。もう一度最初からお試しください。"),
    "signature_invalid": _(
        "カードの署名を確認できませんでした。暗証番号を確かめて、もう一度お試しください。"
    ),
    "certificate_untrusted": _(
        "このカードの電子証明書は確認できません。マイナンバーカードの署名用電子証明書を使ってください。"
    ),
    "certificate_expired": _(
        "電子証明書の有効期限が切れています。市役所の窓口で電子証明書を更新してください。"
    ),
    "certificate_revoked": _(
        "電子証明書が失効しています（住所や氏名の変更、紛失の届出などで失効します）。市役所の窓口で新しい電子証明書の発行を受けてください。"
    ),
    "certificate_unsupported": _(
        "このカードの電子証明書には対応していません。署名用電子証明書を使ってください。"
    ),
    "certificate_malformed": _("カードの情報を正しく読み取れませんでした。もう一度お試しください。"),
    "invalid_encoding": _("カードの情報を正しく読み取れませんでした。もう一度お試しください。"),
    "card_in_use": _("このカードは別のアカウントの本人確認に使われています。"),
    "oidc_denied": _("デジタル認証アプリでの確認が取り消されました。"),
    "oidc_state_mismatch": _("確認の途中で情報が一致しなくなりました。最初からやり直してください。"),
    "oidc_token_invalid": _(
        "デジタル認証アプリからの確認結果を検証できませんでした。最初からやり直してください。"
    ),
    "oidc_token_failed": _(
        "デジタル認証アプリから確認結果を受け取れませんでした。時間をおいてお試しください。"
    ),
    "oidc_unavailable": _("デジタル認証アプリと接続できません。時間をおいてお試しください。"),
    "verification_unavailable": _("現在、本人確認を行えません。時間をおいてお試しください。"),
}


def result_message(code: str) -> str:
    return str(RESULT_MESSAGES.get(code, _("本人確認できませんでした。もう一度お試しください。")))
