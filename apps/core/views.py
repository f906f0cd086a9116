from django.http import JsonResponse
from django.shortcuts import render


def healthz(request):
    return JsonResponse({"status": "ok"})


def accessibility(request):
    return render(request, "core/accessibility.html")


def csrf_failure(request, reason=""):
    """A refused form in the portal's own page and language (Django's default is a bare English page);
    the reason stays in the log, not on the page."""
    return render(request, "403_csrf.html", status=403)
