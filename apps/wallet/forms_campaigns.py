"""Forms of the point campaigns (resident pages and the admin)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .campaigns import MAX_STEPS
from .constants import CampaignKind
from .models import Campaign
from .steps_csv import MAX_BYTES


class StepsForm(forms.Form):
    day = forms.DateField(
        label=_("歩いた日"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("日付を正しく入力してください。")},
    )
    steps = forms.IntegerField(
        label=_("その日の歩数"),
        min_value=0,
        max_value=MAX_STEPS,
        error_messages={"invalid": _("歩数は整数で入力してください。")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate()


class StepsImportForm(forms.Form):
    file = forms.FileField(
        label=_("歩数のCSVファイル"),
        help_text=_(
            "健康アプリから書き出した、日付と歩数の列がある CSV（UTF-8 または Shift_JIS、1 MB まで）。"
            "キャンペーンの開始日から今日までの日が対象です。"
        ),
        error_messages={
            "required": _("CSVファイルを選んでください。"),
            "empty": _("ファイルが空です。健康アプリから書き出した歩数の CSV を選んでください。"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        # Refused before it is read: the size Django counted while receiving the file.
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("ファイルが大きすぎます（上限 %(limit)s KB）。期間を短くして書き出してください。"),
                params={"limit": MAX_BYTES // 1024},
            )
        return upload.read()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("参加コード"),
        max_length=32,
        help_text=_("会場や案内に書かれたコードを入力してください。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class CampaignAdminForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "code",
            "name",
            "name_en",
            "kind",
            "points",
            "budget",
            "per_person_cap",
            "starts_at",
            "ends_at",
            "validity_days",
            "event_code",
            "steps_threshold",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "name_en", "event_code"):
            if name in self.fields:
                self.fields[name].validators.append(validate_no_my_number)

    def clean(self):
        data = super().clean()
        # Fields shown read-only in the admin (once points were given) keep the campaign's values.
        kind = data.get("kind", self.instance.kind)
        points = data.get("points", self.instance.points)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("終了は開始より後にしてください。"))
        if points and data.get("per_person_cap") is not None and data["per_person_cap"] < points:
            self.add_error("per_person_cap", _("1人あたりの上限は、1回の付与ポイント以上にしてください。"))
        budget = data.get("budget")
        if budget is not None and budget < max(self.instance.awarded, 0):
            self.add_error(
                "budget",
                _("予算は付与済みポイント（%(n)s）より少なくできません。") % {"n": self.instance.awarded},
            )
        if budget is not None and points and budget < points:
            self.add_error("budget", _("予算は1回の付与ポイント以上にしてください。"))
        if kind == CampaignKind.EVENT and not data.get("event_code"):
            self.add_error("event_code", _("イベント参加のキャンペーンには参加コードが必要です。"))
        if kind == CampaignKind.HEALTH and not (data.get("steps_threshold") or data.get("event_code")):
            self.add_error(
                "steps_threshold",
                _("健康活動のキャンペーンには、1日の歩数の基準か（健診などの）参加コードが必要です。"),
            )
        if kind in (CampaignKind.VERIFICATION, CampaignKind.PROCEDURE) and data.get("event_code"):
            self.add_error("event_code", _("この種類のキャンペーンでは参加コードを使いません。"))
        return data
