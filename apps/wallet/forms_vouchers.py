from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .constants import PaymentMethod
from .models import VoucherSale


class UnitsForm(forms.Form):
    units = forms.IntegerField(
        label=_("冊数"), min_value=1, max_value=1000,
        error_messages={"invalid": _("冊数は整数で入力してください。"),
                        "required": _("冊数を入力してください。")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    idempotency_key = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=100)

    def __init__(self, *args, cap: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        # Above the cap is the service's refusal (`cap_reached`), with its own message.
        self.fields["units"].widget.attrs["max"] = cap
        self.fields["units"].help_text = _("1人あたり%(cap)d冊まで") % {"cap": cap}


class PaymentMethodForm(forms.Form):
    method = forms.ChoiceField(
        label=_("支払い方法"), choices=PaymentMethod.choices, widget=forms.RadioSelect,
        error_messages={"required": _("支払い方法を選んでください。"),
                        "invalid_choice": _("支払い方法を選んでください。")},
    )  # fmt: skip


class PaymentNumberForm(forms.Form):
    payment_number = forms.CharField(
        label=_("支払い番号（12桁）"), max_length=20,
        error_messages={"required": _("支払い番号を入力してください。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip


class VoucherSaleAdminForm(forms.ModelForm):
    """The operator's sale form: names refuse an individual number; the dates follow each other."""

    class Meta:
        model = VoucherSale
        fields = [
            "code", "name", "name_en", "mode", "eligibility", "price", "premium_rate", "stock",
            "per_person_cap", "opens_at", "closes_at", "purchase_until", "reservation_minutes", "valid_until",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "name_en"):
            self.fields[name].validators.append(validate_no_my_number)
        if self.instance.pk and self.instance.reserved:
            # Units were sold at these terms: they stay as they were sold.
            for name in ("mode", "eligibility", "price", "premium_rate", "per_person_cap", "valid_until"):
                self.fields[name].disabled = True

    def clean_stock(self):
        stock = self.cleaned_data["stock"]
        if stock < self.instance.reserved:
            raise forms.ValidationError(
                _("予約・販売済みの冊数（%(n)d）より少なくはできません。") % {"n": self.instance.reserved}
            )
        return stock

    def clean_reservation_minutes(self):
        minutes = self.cleaned_data["reservation_minutes"]
        if minutes < 1:
            raise forms.ValidationError(_("1分以上にしてください。"))
        return minutes

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        until, valid = data.get("purchase_until"), data.get("valid_until")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("受付終了は受付開始より後にしてください。"))
        if closes and until and until < closes:
            self.add_error("purchase_until", _("購入期限は受付終了より後にしてください。"))
        if until and valid and valid <= until:
            self.add_error("valid_until", _("有効期限は購入期限より後にしてください。"))
        return data
