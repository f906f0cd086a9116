"""The four counter forms with the fields of the paper forms and their rules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.dates import form_date
from apps.core.mynumber import validate_no_my_number

from .constants import (
    CERTIFICATES,
    DATE_FIELDS,
    DIRECT_RELATIONSHIPS,
    MAX_COPIES,
    PURPOSES,
    FormKind,
    Relationship,
)

NAME = {"max_length": 60, "validators": [validate_no_my_number]}
ADDRESS = {"max_length": 200, "validators": [validate_no_my_number]}


def _text(label, *, required=True, **kw):
    return forms.CharField(label=label, required=required, **{**NAME, **kw})


def _date(label, *, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("例: 1980-02-17"),
    )


class CounterRequestForm(forms.Form):
    """Fields every form shares; subclasses add theirs and name their kind."""

    kind: str = ""
    requester_name = _text(_("請求する人の氏名"))
    requester_address = _text(_("請求する人の住所"), **ADDRESS)
    requester_birth_date = _date(_("請求する人の生年月日"))
    requester_phone = forms.RegexField(
        label=_("日中の連絡先（電話番号）"), regex=r"^[0-9０-９\-－ ]{10,15}$", required=False,
        error_messages={"invalid": _("電話番号は数字とハイフンで入力してください。")},
        validators=[validate_no_my_number],  # twelve digits fit the pattern: a My Number would too
    )  # fmt: skip
    relationship = forms.ChoiceField(label=_("証明が必要な人との関係"), choices=Relationship.choices)
    subject_name = _text(_("証明が必要な人の氏名"))
    subject_address = _text(_("証明が必要な人の住所"), **ADDRESS)
    subject_birth_date = _date(_("証明が必要な人の生年月日"), required=False)
    proxy_letter = forms.BooleanField(label=_("委任状を持参します（代理人の場合）"), required=False)
    third_party_reason = forms.CharField(
        label=_("請求の理由（第三者の場合）"),
        help_text=_("権利の行使や義務の履行など、正当な理由を具体的に書いてください。"),
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_no_my_number],
    )  # fmt: skip
    purpose = forms.ChoiceField(label=_("使いみち"), choices=PURPOSES)
    purpose_other = forms.CharField(
        label=_("使いみち（その他の場合）"),
        required=False,
        max_length=100,
        validators=[validate_no_my_number],
    )
    recipient = forms.CharField(
        label=_("提出先"), required=False, max_length=100, validators=[validate_no_my_number]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, (label, _slug) in CERTIFICATES[self.kind].items():
            self.fields[f"copies_{code}"] = forms.IntegerField(
                label=_("%(label)s の通数") % {"label": label},
                min_value=0,
                max_value=MAX_COPIES,
                initial=0,
                required=False,
            )

    def clean_requester_birth_date(self):
        return self._past_date(self.cleaned_data.get("requester_birth_date"))

    def clean_subject_birth_date(self):
        return self._past_date(self.cleaned_data.get("subject_birth_date"))

    @staticmethod
    def _past_date(value):
        if value and (value > timezone.localdate() or value < dt.date(1900, 1, 1)):
            raise forms.ValidationError(_("生年月日を正しく入力してください。"))
        return value

    def clean(self):
        data = super().clean()
        relationship = data.get("relationship")
        if (
            relationship == Relationship.PROXY
            and "proxy_letter" in self.fields
            and not data.get("proxy_letter")
        ):
            self.add_error("proxy_letter", _("代理人が請求するには、本人からの委任状が必要です。"))
        if (
            relationship == Relationship.THIRD_PARTY
            and len((data.get("third_party_reason") or "").strip()) < 10
        ):
            self.add_error(
                "third_party_reason",
                _("第三者が請求するには、正当な理由を具体的に書いてください（10文字以上）。"),
            )
        if relationship and relationship not in DIRECT_RELATIONSHIPS[self.kind] | {
            Relationship.PROXY,
            Relationship.THIRD_PARTY,
        }:
            self.add_error("relationship", _("この証明書は、この関係では請求できません。"))
        if self.kind == FormKind.INKAN and relationship == Relationship.THIRD_PARTY:
            self.add_error("relationship", _("印鑑登録証明書は、本人か代理人だけが請求できます。"))
        if data.get("purpose") == "other" and not (data.get("purpose_other") or "").strip():
            self.add_error("purpose_other", _("使いみちを書いてください。"))
        copies = {code: data.get(f"copies_{code}") or 0 for code in CERTIFICATES[self.kind]}
        if not any(copies.values()):
            self.add_error(None, _("必要な証明書の通数を1通以上入力してください。"))
        data["copies"] = {code: n for code, n in copies.items() if n}
        return data

    def fieldsets(self):
        """Groups of fields, in the order of the paper form."""
        copies = [f"copies_{code}" for code in CERTIFICATES[self.kind]]
        requester = ["requester_name", "requester_address", "requester_birth_date", "requester_phone"]
        subject = [
            "relationship",
            "subject_name",
            "subject_address",
            "subject_birth_date",
            *self.extra_subject_fields,
        ]
        groups = [
            (_("請求する人"), requester),
            (_("証明が必要な人"), subject),
            (_("必要な証明書と通数"), copies + self.option_fields),
            (_("代理人・第三者の場合"), ["proxy_letter", "third_party_reason"]),
            (_("使いみちと提出先"), ["purpose", "purpose_other", "recipient"]),
        ]  # fmt: skip
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in groups]

    extra_subject_fields: list[str] = []
    option_fields: list[str] = []


class JuminhyoForm(CounterRequestForm):
    kind = FormKind.JUMINHYO
    include_head = forms.BooleanField(label=_("世帯主の氏名と続柄を記載する"), required=False)
    include_honseki = forms.BooleanField(label=_("本籍と筆頭者を記載する"), required=False)
    option_fields = ["include_head", "include_honseki"]


class InkanForm(CounterRequestForm):
    kind = FormKind.INKAN
    inkan_card = forms.BooleanField(
        label=_("印鑑登録証（カード）を持参します"), required=True,
        error_messages={"required": _("印鑑登録証明書の交付には、印鑑登録証が必要です。")},
    )  # fmt: skip
    option_fields = ["inkan_card"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A proxy brings the registration card, which stands for the holder's consent: no letter (as the
        # bring list and the desk say, services.needs_proxy_letter).
        del self.fields["proxy_letter"]


class KosekiForm(CounterRequestForm):
    kind = FormKind.KOSEKI
    honseki = _text(_("本籍"), **ADDRESS)
    hittosha = _text(_("筆頭者の氏名"))
    extra_subject_fields = ["honseki", "hittosha"]


def _fiscal_years():
    this = timezone.localdate().year if timezone.localdate().month >= 6 else timezone.localdate().year - 1
    return [
        (str(y), _("%(y)s年度（%(p)s年中の所得）") % {"y": y, "p": y - 1}) for y in range(this, this - 5, -1)
    ]


class ZeishomeiForm(CounterRequestForm):
    kind = FormKind.ZEISHOMEI
    fiscal_year = forms.TypedChoiceField(label=_("年度"), choices=_fiscal_years, coerce=int)
    extra_subject_fields = ["fiscal_year"]


FORMS: dict[str, type[CounterRequestForm]] = {
    FormKind.JUMINHYO: JuminhyoForm,
    FormKind.INKAN: InkanForm,
    FormKind.KOSEKI: KosekiForm,
    FormKind.ZEISHOMEI: ZeishomeiForm,
}


class _Labels(dict):
    choices: dict


def field_labels(form: str) -> _Labels:
    """Labels (and choice labels) of the paper form's fields, as the resident saw them."""
    instance = FORMS[form]()
    labels = _Labels((name, str(field.label)) for name, field in instance.fields.items())
    labels.choices = {
        name: {str(k): str(v) for k, v in field.choices}
        for name, field in instance.fields.items()
        if hasattr(field, "choices")
    }
    return labels


def labelled_corrections(req) -> list:
    """The request's corrections, labelled for display (label_corrections)."""
    return label_corrections(req.form, list(req.corrections.all()))


def label_corrections(form: str, corrections: list) -> list:
    """Each correction with `field_label` (the field's label on the form, not its key) and `old_shown` /
    `new_shown` (the values as the form prints them: dates in Japanese)."""
    labels = field_labels(form)
    labels["copies"] = str(_("請求する証明書と通数"))
    for correction in corrections:
        correction.field_label = labels.get(correction.field, correction.field)
        shown = form_date if correction.field in DATE_FIELDS else str
        correction.old_shown, correction.new_shown = shown(correction.old_value), shown(correction.new_value)
    return corrections


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=_("訂正する項目"))
    new_value = forms.CharField(label=_("正しい内容"), max_length=200, validators=[validate_no_my_number])
    reason = forms.CharField(label=_("訂正の理由"), max_length=300, validators=[validate_no_my_number])

    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = fields


class CopiesCorrectionForm(forms.Form):
    """The numbers of copies of each certificate on the request's form, changed at the counter."""

    reason = forms.CharField(
        label=_("通数を訂正する理由"), max_length=300, initial=_("窓口で請求者の申し出により変更"),
        validators=[validate_no_my_number],
    )  # fmt: skip

    def __init__(self, *args, form: str, copies: dict[str, int], **kwargs):
        # Its own prefix: on the desk page beside the other correction form, ids and names stay unique.
        super().__init__(*args, prefix="copies", **kwargs)
        for code, (label, _slug) in CERTIFICATES[form].items():
            self.fields[f"copies_{code}"] = forms.IntegerField(
                label=_("%(label)s の通数") % {"label": label},
                min_value=0,
                max_value=MAX_COPIES,
                initial=copies.get(code, 0),
            )
        self.order_fields([f"copies_{code}" for code in CERTIFICATES[form]])  # the reason last

    def copies(self) -> dict[str, int]:
        return {
            name.removeprefix("copies_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("copies_")
        }


class IdentityCheckForm(forms.Form):
    PHOTO = [
        ("my_number_card", _("マイナンバーカード")),
        ("driving_licence", _("運転免許証")),
        ("passport", _("パスポート")),
    ]
    NO_PHOTO = [
        ("health_insurance", _("健康保険の資格確認書")),
        ("pension_book", _("年金手帳")),
        ("other", _("その他の書類")),
    ]
    photo_ids = forms.MultipleChoiceField(
        label=_("顔写真付きの本人確認書類（1点）"),
        choices=PHOTO,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_ids = forms.MultipleChoiceField(
        label=_("顔写真のない本人確認書類（2点）"),
        choices=NO_PHOTO,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    proxy_letter_seen = forms.BooleanField(label=_("委任状を確認した"), required=False)

    def __init__(self, *args, needs_proxy_letter: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_proxy_letter = needs_proxy_letter

    def clean(self):
        data = super().clean()
        if not data.get("photo_ids") and len(data.get("other_ids") or []) < 2:
            raise forms.ValidationError(
                _("顔写真付きの書類1点、または顔写真のない書類2点を確認してください。")
            )
        if self.needs_proxy_letter and not data.get("proxy_letter_seen"):
            self.add_error("proxy_letter_seen", _("代理人の請求です。委任状を確認してください。"))
        return data


class LookupForm(forms.Form):
    code = forms.CharField(label=_("QRコードまたは受付番号"), max_length=80)
