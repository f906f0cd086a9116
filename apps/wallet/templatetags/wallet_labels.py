"""`{{ code|refund_reason_label }}`: the label of a RefundReason code in the language being rendered (for
notices, whose context keeps the code so that each is written in its recipient's language)."""

from django import template

from apps.wallet.constants import RefundReason

register = template.Library()


@register.filter
def refund_reason_label(code: str) -> str:
    try:
        return str(RefundReason(code).label)
    except ValueError:
        return ""
