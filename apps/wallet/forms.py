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

    def __init__(self, *args, balance: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.balance = balance
        if balance is not None:  # the browser can tell before sending; the server says it either way
            self.fields["amount"].widget.attrs["max"] = max(balance, 1)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if self.balance is not None and amount > self.balance:
            raise forms.ValidationError(
                _("ポイント残高（%(balance)s ポイント）を超えています。残高以内の金額を入力してください。"),
                code="insufficient_balance",
                params={"balance": f"{self.balance:,}"},
            )
        return amount


class RefundForm(forms.Form):
    amount = forms.IntegerField(label=_("返金する金額"), min_value=1, max_value=MAX_PAYMENT)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=100)
