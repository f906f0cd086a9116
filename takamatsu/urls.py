from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from apps.catalogue import views as catalogue_views
from apps.core import views as core_views
from apps.counter.urls import staff_patterns as counter_staff_patterns
from apps.identity.urls import allauth_overrides

from .api import api

# The admin signs in through allauth, so that its second factor applies to the admin too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", catalogue_views.home, name="home"),
    path("", include("apps.catalogue.urls")),
    path("accessibility/", core_views.accessibility, name="accessibility"),
    path("accounts/", include(allauth_overrides)),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.identity.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.documents.urls")),
    path("", include("apps.counter.urls")),
    path("", include("apps.wallet.urls")),
    path("", include(counter_staff_patterns)),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
# Media (PDFs) are never served as plain files, not even in development: only through the owner-checked
# download view of apps.documents.
