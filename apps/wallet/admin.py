"""Admin of the wallet: each part registers its models in its own module."""

from . import admin_campaigns, admin_merchants, admin_vouchers  # noqa: F401
