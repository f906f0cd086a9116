from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .models import User

DEMO_CARD_LABELS = {
    "takamatsu-resident": _("高松市民のカード（高松　太郎）"),
    "newcomer": _("高松市民のカード（瀬戸　花子）"),
    "marugame-resident": _("丸亀市民のカード（丸亀　一郎）"),
    "expired": _("有効期限切れのカード"),
    "revoked": _("失効したカード"),
    "no-basic-info": _("基本4情報のないカード"),
}


class KeepBasicInfoForm(forms.Form):
    keep_basic_info = forms.BooleanField(
        label=_("氏名・住所・生年月日・性別を保存して、窓口の申請書の事前入力に使う"),
        required=False,  # opt-in: the resident ticks it (consent is never pre-ticked)
    )


class DemoCardForm(KeepBasicInfoForm):
    card = forms.ChoiceField(label=_("デモ用カード"))

    def __init__(self, *args, cards: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = [(name, DEMO_CARD_LABELS.get(name, name)) for name in cards]


class LanguageForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("お知らせのメールと書類（PDF）の言語"),
        choices=User._meta.get_field("preferred_language").choices,
        error_messages={"invalid_choice": _("日本語か English を選んでください。")},
    )


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("アカウントと保存された情報をすべて削除することを確認しました"), required=True
    )


class SecurityKeyForm(AddWebAuthnForm):
    """allauth's form that adds a security key or passkey (WebAuthn), with a label residents and staff read.

    allauth leaves the key's name unlabelled (Django then shows "Name" untranslated); the name is free text,
    so it gets the My Number guard as well.
    """

    name = forms.CharField(
        label=_("キーの名前"),
        help_text=_("あとで見分けるための名前です（例：窓口PCのUSBキー）。"),
        required=False,
        max_length=64,
        validators=[validate_no_my_number],
    )
