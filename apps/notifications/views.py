import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .constants import Channel
from .forms import PreferencesForm
from .models import ChannelPreference
from .registry import get_event

logger = logging.getLogger(__name__)


@login_required
def inbox(request):
    page = Paginator(selectors.inbox_list(user=request.user), 20).get_page(request.GET.get("page"))
    items = []
    for n in page.object_list:
        try:
            message = services.message_render(n, language=request.LANGUAGE_CODE)
            link = get_event(n.event).link
            items.append({"notification": n, "message": message, "link": link(n.context) if link else ""})
        except Exception:  # a broken template must not hide the rest of the inbox
            logger.warning("notification %s cannot be shown", n.pk, exc_info=True)
            continue
    return render(request, "notifications/inbox.html", {"page": page, "items": items})


@login_required
@require_POST
def mark_read(request, pk):
    marked = services.notification_mark_read(user=request.user, pk=pk)
    if not marked and not selectors.inbox_list(user=request.user).filter(pk=pk).exists():
        raise Http404
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("すべて既読にしました。"))
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    current = {p.channel: p for p in ChannelPreference.objects.filter(user=request.user)}
    initial = {
        "email": current[Channel.EMAIL].enabled if Channel.EMAIL in current else True,
        "webhook": current[Channel.WEBHOOK].enabled if Channel.WEBHOOK in current else False,
        "webhook_address": current[Channel.WEBHOOK].address if Channel.WEBHOOK in current else "",
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.channel_preference_set(user=request.user, channel=Channel.EMAIL, enabled=data["email"])
        services.channel_preference_set(
            user=request.user,
            channel=Channel.WEBHOOK,
            enabled=data["webhook"],
            address=data["webhook_address"],
        )
        messages.success(request, _("通知の設定を保存しました。"))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
