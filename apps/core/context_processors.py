from django.conf import settings


def site(request):
    return {"TAKAMATSU_DEMO": getattr(settings, "TAKAMATSU_DEMO", False)}
