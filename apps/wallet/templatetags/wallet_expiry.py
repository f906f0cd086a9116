"""`{% wallet_expiring user as expiring %}`: the points of /wallet/ that expire within 30 days."""

from django import template

from apps.wallet import selectors

register = template.Library()


@register.simple_tag
def wallet_expiring(user) -> list[dict]:
    return selectors.wallet_expiring(user=user) if user.is_authenticated else []
