"""Whole-page caching of public pages for anonymous visitors, keyed by a content version."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language


def cache_public_page(
    version: Callable[[], int],
    timeout_setting: str = "CATALOGUE_CACHE_SECONDS",
    keep_headers: tuple[str, ...] = (),
):
    """Serve anonymous GETs from the cache until `version()` changes.

    Signed-in visitors see their own header, so only anonymous pages are shared; pages carrying a
    one-off message are neither served from nor written to the cache. The `keep_headers` the view set
    are cached with the page, so that code around the cache learns them from a hit too.
    """

    def decorator(view: Callable[..., HttpResponse]):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (
                request.method not in ("GET", "HEAD")
                or request.user.is_authenticated
                or len(messages.get_messages(request))
            ):
                return view(request, *args, **kwargs)
            path_hash = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            # "page2": entries now carry kept headers; during a rolling deploy the previous release's
            # processes, which unpack two parts, must not read them (nor we theirs).
            key = f"page2:{version()}:{get_language()}:{path_hash}"
            hit = cache.get(key)
            if hit is not None:
                content, content_type, kept = hit
                response = HttpResponse(content, content_type=content_type)
                for name, value in kept.items():
                    response[name] = value
                response["X-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response = response.render()
            if response.status_code == 200 and not response.cookies:
                kept = {name: response[name] for name in keep_headers if name in response}
                cache.set(
                    key,
                    (response.content, response["Content-Type"], kept),
                    getattr(settings, timeout_setting),
                )
                response["X-Cache"] = "miss"
            return response

        return wrapper

    return decorator
