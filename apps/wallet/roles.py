"""Who may run the wallet: the wallet-operator role (an auth group) or a superuser."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from apps.identity.constants import Role


def is_wallet_operator(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.groups.filter(name=Role.WALLET_OPERATOR.value).exists()
    )


def wallet_operator_required(view):
    """Operator pages (under /operator/, where the middleware also demands a second factor)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_wallet_operator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
