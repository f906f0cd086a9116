"""Who may run the wallet and the shops' pages: the wallet-operator role (an auth group) or a superuser,
and the owner of an active shop; both pages then need the second factor (apps.core.second_factor)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from apps.core.second_factor import second_factor_refusal
from apps.identity.constants import Role

from .selectors import merchant_for_user


def is_wallet_operator(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.groups.filter(name=Role.WALLET_OPERATOR.value).exists()
    )


def wallet_operator_required(view):
    """Operator pages: the role, then the second factor (the middleware also demands it under /operator/)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_wallet_operator(request.user):
            raise PermissionDenied
        return second_factor_refusal(request) or view(request, *args, **kwargs)

    return wrapper


def merchant_required(view):
    """A shop's pages: the owner of an active shop, then the second factor (also under /merchant/)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if merchant_for_user(user=request.user) is None:
            raise PermissionDenied
        return second_factor_refusal(request) or view(request, *args, **kwargs)

    return wrapper
