from django.core.management.base import BaseCommand, CommandError

from apps.identity.constants import Role
from apps.identity.models import User
from apps.identity.services import user_roles_set


class Command(BaseCommand):
    help = (
        "Give an account exactly the roles named (none: take all away), e.g. "
        "`set_roles clerk@city.takamatsu.lg.jp counter_staff`. Roles: " + ", ".join(r.value for r in Role)
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("roles", nargs="*", choices=[r.value for r in Role])

    def handle(self, *args, email, roles, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"no account with the e-mail address {email}")
        user_roles_set(user=user, roles=[Role(r) for r in roles])
        names = ", ".join(roles) or "none"
        self.stdout.write(f"{user.email}: {names}; admin site {'open' if user.is_staff else 'closed'}")
