"""Strong authentication for staff, admin, merchant and operator pages (SPEC §3.2, §5).

Under the role holders' path prefixes, users holding such a role reach a page only in a session that holds
the second factor (apps.core.second_factor, the one rule); without an authenticator they are sent to set one
up first. The role views apply the same rule themselves; this covers the Django admin and is a net for
the rest.
"""

from __future__ import annotations

from django.conf import settings

from apps.core.second_factor import second_factor_refusal

from .selectors import user_needs_second_factor


class StrongAuthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.TAKAMATSU_STRONG_AUTH_PREFIXES)

    def _protected(self, path: str) -> bool:
        for code, _name in settings.LANGUAGES:
            if path.startswith(f"/{code}/"):
                path = path[len(code) + 1 :]
                break
        return path.startswith(self.prefixes)

    def __call__(self, request):
        if self._protected(request.path) and user_needs_second_factor(user=request.user):
            refusal = second_factor_refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)
