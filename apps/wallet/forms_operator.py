"""Forms of the wallet operator (merchants, settlements) and of the statement requests."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from . import merchants
from .models import Merchant


def _digits(value: str, *, length: int, label: str, pad: bool = False) -> str:
    value = merchants.digits_normalize(value)
    if pad and value.isdigit() and len(value) < length:
        value = value.zfill(length)
    if not (value.isdigit() and len(value) == length):
        raise forms.ValidationError(
            _("%(label)sは数字%(length)s桁で入力してください。"), params={"label": label, "length": length}
        )
    return value


class MerchantForm(forms.Form):
    """A shop's details; on onboarding also its code and the owner's e-mail address."""

    name = forms.CharField(label=_("店名"), max_length=100, validators=[validate_no_my_number])
    code = forms.CharField(
        label=_("加盟店コード"),
        max_length=50,
        help_text=_(
            "半角英小文字・数字・ハイフン（例: demo-udon）。QR コードの URL に入るため後から変えられません。"
        ),
    )
    address = forms.CharField(label=_("所在地"), max_length=200, validators=[validate_no_my_number])
    contact_email = forms.EmailField(label=_("連絡先メールアドレス"), max_length=254)
    owner_email = forms.EmailField(
        label=_("管理者のメールアドレス"),
        max_length=254,
        help_text=_("登録済みのアカウントがなければ作成し、パスワード設定の案内メールを送ります。"),
    )
    bank_code = forms.CharField(label=_("金融機関コード"), max_length=8, help_text=_("数字4桁"))
    branch_code = forms.CharField(label=_("支店コード"), max_length=8, help_text=_("数字3桁"))
    account_type = forms.ChoiceField(
        label=_("預金種目"), choices=Merchant._meta.get_field("account_type").choices
    )
    account_number = forms.CharField(
        label=_("口座番号"), max_length=12, help_text=_("数字7桁（7桁未満は先頭に0を補います）")
    )
    account_holder = forms.CharField(
        label=_("口座名義（カナ）"),
        max_length=60,
        validators=[validate_no_my_number],
        help_text=_("通帳のとおりカタカナで（例: カ）デモウドン）"),
    )

    def __init__(self, *args, merchant: Merchant | None = None, **kwargs):
        self.merchant = merchant
        if merchant is not None:
            kwargs.setdefault("initial", {name: getattr(merchant, name) for name in merchants.DETAIL_FIELDS})
        super().__init__(*args, **kwargs)
        if merchant is not None:
            # The code is printed in the shop's QR code and the owner has signed in: both stay.
            del self.fields["code"]
            del self.fields["owner_email"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.EmailInput):
                field.widget.attrs.setdefault("autocomplete", "off")
        for name in ("bank_code", "branch_code", "account_number"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().lower()
        if not merchants.CODE_PATTERN.match(code) or code in merchants.RESERVED_CODES:
            raise forms.ValidationError(
                _("加盟店コードは半角英小文字・数字・ハイフンで入力してください（先頭と末尾は英数字）。")
            )
        if Merchant.objects.filter(code=code).exists():
            raise forms.ValidationError(_("この加盟店コードはすでに使われています。"))
        return code

    def clean_bank_code(self) -> str:
        return _digits(self.cleaned_data["bank_code"], length=4, label=_("金融機関コード"))

    def clean_branch_code(self) -> str:
        return _digits(self.cleaned_data["branch_code"], length=3, label=_("支店コード"))

    def clean_account_number(self) -> str:
        return _digits(self.cleaned_data["account_number"], length=7, label=_("口座番号"), pad=True)

    def clean_account_holder(self) -> str:
        holder = merchants.holder_normalize(self.cleaned_data["account_holder"])
        if not merchants.holder_is_valid(holder):
            raise forms.ValidationError(
                _("口座名義はカタカナ（英大文字・数字・記号 ( ) . , - / も可）で入力してください。")
            )
        return holder

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in merchants.DETAIL_FIELDS}


class SettlementPeriodForm(forms.Form):
    """The period of the settlement export: local dates named `from` and `to`, both included, optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the fields are added by name (GET /operator/settlements.csv?from=&to=).
        for name, label in (("from", _("開始日")), ("to", _("終了日"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": _("日付は 2025-04-01 の形で入力してください。")},
            )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            raise forms.ValidationError(_("開始日は終了日より前の日付にしてください。"))
        return cleaned


def statement_months(*, count: int = 12, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The months a statement can be asked for: this month and the `count` before it, newest first."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    months = []
    for _i in range(count + 1):
        months.append(
            (f"{year:04d}-{month:02d}", gettext("%(year)s年%(month)s月") % {"year": year, "month": month})
        )
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


class StatementForm(forms.Form):
    month = forms.ChoiceField(label=_("対象の月"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = statement_months()
        self.fields["month"].choices = months
        self.fields["month"].initial = months[1][0]  # last month: the first complete one
        self.fields["month"].error_messages["invalid_choice"] = _("対象の月を一覧から選んでください。")
