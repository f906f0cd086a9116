from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("identity/verify/", views.verify, name="verify"),
    path("identity/verify/demo-card/", views.verify_with_demo_card, name="verify_demo_card"),
    path("identity/oidc/start/", views.oidc_start, name="oidc_start"),
    path("identity/oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("profile/", views.profile, name="profile"),
    path("profile/language/", views.language_set, name="language_set"),
    path("profile/record/", views.verification_record_pdf, name="verification_record"),
    path("profile/basic-info/delete/", views.basic_info_delete, name="basic_info_delete"),
    path("profile/delete/", views.account_delete, name="account_delete"),
]

# allauth pages the portal answers itself, mounted under accounts/ before allauth's own (by allauth's names,
# not namespaced, so that allauth's templates and redirects find them).
allauth_overrides = [
    path("2fa/webauthn/keys/<int:pk>/remove/", views.security_key_remove, name="mfa_remove_webauthn"),
]
