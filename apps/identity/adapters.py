from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.core.mynumber import validate_no_my_number
from apps.notifications.services import notify_rendered_email

from .constants import Role

# Where each role works: signed in without a ?next=, staff land on their own page, not the resident home.
ROLE_HOMES = (
    (Role.COUNTER_STAFF, "counter_staff:scan"),
    (Role.WALLET_OPERATOR, "wallet:operator_campaigns"),
    (Role.MERCHANT, "wallet:merchant"),
    (Role.CATALOGUE_ADMIN, "admin:index"),
)


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        roles = set(request.user.groups.values_list("name", flat=True))
        for role, url_name in ROLE_HOMES:
            if role.value in roles:
                return reverse(url_name)
        return super().get_login_redirect_url(request)

    def pre_authenticate(self, request, **credentials):
        """A sign-in held up by the failed-login limit (of the account or of the address) is answered 429
        with the portal's page (templates/429.html), as allauth answers its other limits, not a form error
        with 200; AccountMiddleware turns the ImmediateHttpResponse into the response."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:
            if exc.code != "too_many_login_attempts":
                raise
            raise ImmediateHttpResponse(respond_429(request)) from exc

    def send_mail(self, template_prefix, email, context):
        """allauth's mails (confirmation, password reset…) go through our outbox like every notification.

        They name the portal and the host the resident used, not the placeholder row of django.contrib.sites;
        the outbox adds the portal's subject prefix and footer to every e-mail.
        """
        request = allauth_context.request
        host = request.get_host() if request else ""
        site = SimpleNamespace(name=gettext("たかまつデジタル市役所"), domain=host)
        message = self.render_mail(
            template_prefix, email, {"request": request, "email": email, "current_site": site, **context}
        )
        html = next((body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), "")
        user = context.get("user")
        notify_rendered_email(
            recipient=user if getattr(user, "pk", None) else None,
            address=email,
            event=f"account.{template_prefix.rsplit('/', 1)[-1]}",
            subject=message.subject,
            text=message.body,
            html=html,
        )

    def clean_email(self, email):
        """Sign-up and e-mail changes: an address is kept and shown to staff, so it may not carry a number."""
        email = super().clean_email(email)
        validate_no_my_number(email)
        return email

    def save_user(self, request, user, form, commit=True):
        """Everyone who signs up is a resident; other roles are given by the city. Their e-mails and PDFs
        start in the language they signed up in (/en/ or not); マイページ changes it."""
        language = translation.get_language()
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            group, _ = Group.objects.get_or_create(name=Role.RESIDENT.value)
            user.groups.add(group)
        return user
