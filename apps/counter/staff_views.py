"""The staff desk: scan, check identity, correct, print the official form, issue; queue and dashboard.

Each view requires the counter-staff role and then the second factor (apps.core.second_factor; the
strong-auth middleware also demands it under /staff/). A clerk opens a request only after finding it by
its code in this session, so a request id alone (e.g. from history) does not show personal data.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.second_factor import second_factor_refusal
from apps.identity.constants import Role

from . import selectors, services
from .answers import answers
from .constants import CERTIFICATES
from .forms import (
    CopiesCorrectionForm,
    CorrectionForm,
    IdentityCheckForm,
    LookupForm,
    field_labels,
    labelled_corrections,
)
from .services import CORRECTABLE_FIELDS, CounterError

DESK_SESSION_KEY = "counter.desk.request_ids"


def counter_staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or user.groups.filter(name=Role.COUNTER_STAFF.value).exists()):
            raise PermissionDenied
        return second_factor_refusal(request) or view(request, *args, **kwargs)

    return wrapper


def _desk_request(request, pk):
    """The request a clerk found by its code in this session; anything else is a 404."""
    if str(pk) not in request.session.get(DESK_SESSION_KEY, []):
        raise Http404
    return selectors.counter_request_for_desk(pk=pk)


@counter_staff_required
@require_http_methods(["GET", "POST"])
def scan(request):
    form = LookupForm(request.POST or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            found = services.counter_lookup(staff=request.user, code=form.cleaned_data["code"])
        except CounterError as exc:
            problem = exc
        else:
            services.counter_request_scan(staff=request.user, request=found)
            ids = request.session.get(DESK_SESSION_KEY, [])[-50:]
            request.session[DESK_SESSION_KEY] = [*ids, str(found.pk)]
            return redirect("counter_staff:desk", pk=found.pk)
    status = problem.status if problem else (400 if form.errors else 200)
    return render(request, "counter/staff/scan.html", {"form": form, "problem": problem}, status=status)


@counter_staff_required
def desk(request, pk):
    counter_request = _desk_request(request, pk)
    services.counter_request_viewed(staff=request.user, request=counter_request)
    labels = field_labels(counter_request.form)
    fields = [(f, labels.get(f, f)) for f in CORRECTABLE_FIELDS if f in counter_request.data]
    rows = answers(counter_request)
    return render(
        request,
        "counter/staff/desk.html",
        {
            "req": counter_request,
            "rows": rows,
            "differing": [row for row in rows if row.differs_from_card],
            "corrections": labelled_corrections(counter_request),
            "copies": [
                (CERTIFICATES[counter_request.form][c][0], n)
                for c, n in counter_request.data.get("copies", {}).items()
            ],
            "certificates": CERTIFICATES[counter_request.form],
            "correction_form": CorrectionForm(fields=fields),
            "copies_form": _copies_form(counter_request),
            "identity_form": IdentityCheckForm(
                needs_proxy_letter=services.needs_proxy_letter(counter_request)
            ),
            "needs_proxy_letter": services.needs_proxy_letter(counter_request),
        },
    )


def _copies_form(counter_request, data=None) -> CopiesCorrectionForm:
    copies = counter_request.data.get("copies") or {}
    return CopiesCorrectionForm(data, form=counter_request.form, copies=copies)


@counter_staff_required
@require_POST
def correct(request, pk):
    counter_request = _desk_request(request, pk)
    labels = field_labels(counter_request.form)
    fields = [(f, labels.get(f, f)) for f in CORRECTABLE_FIELDS if f in counter_request.data]
    form = CorrectionForm(request.POST, fields=fields)
    if form.is_valid():
        try:
            services.counter_request_correct(staff=request.user, request=counter_request, **form.cleaned_data)
            messages.success(request, _("訂正しました（元の内容は記録に残ります）。"))
        except CounterError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("counter_staff:desk", pk=counter_request.pk)


@counter_staff_required
@require_POST
def correct_copies(request, pk):
    counter_request = _desk_request(request, pk)
    form = _copies_form(counter_request, request.POST)
    if form.is_valid():
        try:
            counter_request = services.counter_request_copies_correct(
                staff=request.user,
                request=counter_request,
                copies=form.copies(),
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("通数を訂正しました。手数料は %(fee)s 円です（元の内容は記録に残ります）。")
                % {"fee": f"{counter_request.fee_yen:,}"},
            )
        except CounterError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("counter_staff:desk", pk=counter_request.pk)


@counter_staff_required
@require_POST
def print_form(request, pk):
    counter_request = _desk_request(request, pk)
    try:
        document = services.counter_request_print(staff=request.user, request=counter_request)
    except CounterError as exc:
        messages.error(request, exc.detail)
        return redirect("counter_staff:desk", pk=counter_request.pk)
    return redirect("documents:detail", pk=document.pk)


@counter_staff_required
@require_POST
def issue(request, pk):
    counter_request = _desk_request(request, pk)
    form = IdentityCheckForm(request.POST, needs_proxy_letter=services.needs_proxy_letter(counter_request))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("counter_staff:desk", pk=counter_request.pk)
    checked = form.cleaned_data["photo_ids"] + form.cleaned_data["other_ids"]
    try:
        services.counter_request_issue(staff=request.user, request=counter_request, identity_checked=checked)
    except CounterError as exc:
        messages.error(request, exc.detail)
        return redirect("counter_staff:desk", pk=counter_request.pk)
    messages.success(request, _("交付済みにしました。"))
    return redirect("counter_staff:scan")


@counter_staff_required
def queue(request):
    return render(request, "counter/staff/queue.html", {"queue": selectors.todays_queue()})


@counter_staff_required
def dashboard(request):
    return render(request, "counter/staff/dashboard.html", {"stats": selectors.dashboard()})
