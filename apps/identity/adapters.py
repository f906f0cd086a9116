from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.translation import gettext

from apps.notifications.services import notify_rendered_email

from .constants import Role


class AccountAdapter(DefaultAccountAdapter):
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
