from django.http import JsonResponse
from django.shortcuts import render


def healthz(request):
    return JsonResponse({"status": "ok"})


def accessibility(request):
    return render(request, "core/accessibility.html")
