from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "apps.wallet"
    label = "wallet"
    verbose_name = "わたしのデジタル財布 (Wallet)"

    def ready(self) -> None:
        # Each part registers its notification events, PDF renderers and signal receivers at import.
        from . import account_deletion, campaigns, expiry, merchants, statements, vouchers  # noqa: F401
