from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("メールでも受け取る"), required=False)
    webhook = forms.BooleanField(label=_("LINE などのメッセージでも受け取る"), required=False)
    webhook_address = forms.CharField(
        label=_("メッセージの受け取りID"),
        help_text=_("高松市の LINE 公式アカウントで表示される連携IDを入力してください。"),
        required=False,
        max_length=100,
        validators=[validate_no_my_number],
    )

    def clean(self):
        data = super().clean()
        if data.get("webhook") and not data.get("webhook_address"):
            self.add_error("webhook_address", _("メッセージで受け取るには、受け取りIDが必要です。"))
        return data
