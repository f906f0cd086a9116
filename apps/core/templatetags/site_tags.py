from django import template
from django.urls import translate_url

from apps.core.dates import form_date as format_form_date

register = template.Library()


@register.simple_tag(takes_context=True)
def switch_language_url(context, language: str) -> str:
    """The current page in another language (i18n_patterns prefix), keeping the query string."""
    request = context["request"]
    return translate_url(request.get_full_path(), language)


@register.filter
def yen(value) -> str:
    if value is None or value == "":
        return ""
    return f"{int(value):,}"


@register.filter
def form_date(value) -> str:
    """A date (or an ISO date string) as forms print it: 昭和55年（1980年）2月17日 in Japanese."""
    return format_form_date(value)
