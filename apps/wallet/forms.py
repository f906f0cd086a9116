from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import MAX_PAYMENT


class AmountForm(forms.Form):
    amount = forms.IntegerField(
        label=_("支払う金額（ポイント）"), min_value=1, max_value=MAX_PAYMENT,
        error_messages={"invalid": _("金額は整数で入力してください。")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    idempotency_key = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=100)


class RefundForm(forms.Form):
    amount = forms.IntegerField(label=_("返金する金額"), min_value=1, max_value=MAX_PAYMENT)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=100)
