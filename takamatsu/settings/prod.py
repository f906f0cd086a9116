"""Production: every secret and service from the environment; demo features cannot be enabled."""

from .base import *  # noqa: F403
from .base import env, env_secret

DEBUG = False
TAKAMATSU_DEMO = False  # fixed: demo cards and demo accounts never exist in production
TAKAMATSU_DEMO_CARDS_DIR = ""
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "apps.demo"]  # noqa: F405
