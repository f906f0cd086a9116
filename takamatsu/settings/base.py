"""Settings shared by every environment; values come from the environment (django-environ)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A secret may also be given as a file (Docker/Kubernetes secrets): FOO_FILE=/run/secrets/foo.
env.smart_cast = True


def env_secret(name: str, default: str | None = None) -> str | None:
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return env.str(name, default=default)


# GENERAL
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "insecure-dev-key-only-for-local-use")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
ROOT_URLCONF = "takamatsu.urls"
WSGI_APPLICATION = "takamatsu.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "import_export",
    "ninja",
    "apps.core",
    "apps.identity",
    "apps.notifications",
    "apps.documents",
    "apps.catalogue",
    "apps.counter",
    "apps.wallet",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "apps.core.middleware.ApiLanguageMiddleware",
    "apps.core.middleware.ApiErrorsMiddleware",
    "apps.core.middleware.RequestCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.identity.middleware.StrongAuthMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.core.context_processors.site",
                "apps.notifications.context_processors.unread",
            ],
        },
    },
]

# DATABASE
# Embedded default: SQLite in the project folder; the full stack sets DATABASE_URL (PostgreSQL).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one writer at a time: a writer waits for the lock (up to 20 s) instead of failing with
    # "database is locked"; BEGIN IMMEDIATE takes the write lock up front (no deadlock upgrading a read lock),
    # and WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# CACHE
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.redis_cache.PooledRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", default="takamatsu"),
        }
    }
    # Sessions read from Redis, written through to the database (survive a Redis restart).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CATALOGUE_CACHE_SECONDS = env.int("CATALOGUE_CACHE_SECONDS", default=600)

# AUTH
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"
LOGIN_URL = "account_login"

# ALLAUTH
ACCOUNT_ADAPTER = "apps.identity.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_DISPLAY = "apps.identity.models.user_display"  # str(user) is "User #n" for logs
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Failed sign-ins: 5 in 5 minutes lock that account (the key is the e-mail) for a while; per address the limit
# is much higher, against one address trying many accounts, because a household, a city-hall NAT or a
# carrier's CGNAT shares one address and one person's typos must not lock the others out. "login" counts
# every sign-in from an address (allauth's default, 30 a minute, would hold up a NAT at opening time).
# A limit answers 429 (identity's AccountAdapter, templates/429.html).
ACCOUNT_RATE_LIMITS = {"login": "100/m/ip", "login_failed": "50/5m/ip,5/5m/key"}
# Proxies in front of the web processes (the load balancer): the client's address is the one they add to
# X-Forwarded-For; with 0 it is the connection's, which behind a balancer is the balancer's for everyone.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TAKAMATSU_TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""  # the outbox prefixes every e-mail, in its language (notifications)
# A second factor is an authenticator app (TOTP, works without JavaScript) or a security key / passkey
# (WebAuthn: phishing-resistant; the browser needs https or http://localhost, not http://127.0.0.1).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_FORMS = {"add_webauthn": "apps.identity.forms.SecurityKeyForm"}
MFA_TOTP_ISSUER = "Takamatsu Digital City Hall"
# TOTP keys and recovery-code seeds are stored encrypted (apps/identity/mfa.py); the key is derived from
# this secret, or from SECRET_KEY when it is empty. Changing it makes the stored second factors unreadable.
MFA_ADAPTER = "apps.identity.mfa.MFAAdapter"
TAKAMATSU_MFA_ENCRYPTION_KEY = env_secret("TAKAMATSU_MFA_ENCRYPTION_KEY", "")

# IDENTITY (My Number verification)
# PEM bundle path(s), comma-separated: the J-LIS signature CA certificates.
TAKAMATSU_JPKI_TRUST_ANCHORS = env.str("TAKAMATSU_JPKI_TRUST_ANCHORS", default="")
# CRL files (DER or PEM) or http(s) URLs; a URL's list is fetched on beat and kept (apps/identity/crls.py).
TAKAMATSU_JPKI_CRLS = env.list("TAKAMATSU_JPKI_CRLS", default=[])
TAKAMATSU_JPKI_CRL_REFRESH_SECONDS = env.int("TAKAMATSU_JPKI_CRL_REFRESH_SECONDS", default=3600)
TAKAMATSU_JPKI_CRL_TIMEOUT_SECONDS = 10
TAKAMATSU_JPKI_CRL_MAX_BYTES = 64 * 1024 * 1024
TAKAMATSU_JPKI_CHALLENGE_SECONDS = 300
TAKAMATSU_API_MAX_BODY_BYTES = 64 * 1024
TAKAMATSU_CERTIFICATE_REMINDER_DAYS = 30
# Pages that need a second factor for users with a staff, admin, merchant or operator role.
TAKAMATSU_STRONG_AUTH_PREFIXES = ["/admin/", "/staff/", "/merchant/", "/operator/"]
TAKAMATSU_DEMO_CARDS_DIR = ""  # set by dev/test settings only: the demo card button signs with these keys
TAKAMATSU_OIDC = {
    # The national digital authentication app (デジタル認証アプリ), or any OpenID Connect provider.
    "ISSUER": env.str("TAKAMATSU_OIDC_ISSUER", default=""),
    "CLIENT_ID": env.str("TAKAMATSU_OIDC_CLIENT_ID", default=""),
    "CLIENT_SECRET": env_secret("TAKAMATSU_OIDC_CLIENT_SECRET", ""),
    "SCOPES": "openid name address birthdate gender",
}
# Where residents get the city's card-reading app (shown on the verification page; none set: no links, and
# the page says which other ways there are).
TAKAMATSU_APP_STORE_URL = env.str("TAKAMATSU_APP_STORE_URL", default="")
TAKAMATSU_GOOGLE_PLAY_URL = env.str("TAKAMATSU_GOOGLE_PLAY_URL", default="")
# The Digital Agency's page about the national digital authentication app (where to get it, how it works).
TAKAMATSU_AUTH_APP_INFO_URL = env.str(
    "TAKAMATSU_AUTH_APP_INFO_URL", default="https://services.digital.go.jp/auth-app/"
)

# I18N
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

# STATIC
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))

# EMAIL
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@digital.city.takamatsu.example")

# CELERY
# Without a broker, tasks run eagerly in-process (the embedded default needs no services).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Periodic work is scheduled here, from the database's point of view: tasks look up what is due.
CELERY_BEAT_SCHEDULE: dict = {
    "notifications-dispatch-due": {
        "task": "apps.notifications.tasks.dispatch_due",
        "schedule": env.float("TAKAMATSU_DISPATCH_SECONDS", default=10.0),
    },
    "notifications-sweep-stuck": {
        "task": "apps.notifications.tasks.sweep_stuck",
        "schedule": env.float("TAKAMATSU_SWEEP_SECONDS", default=60.0),
    },
    "notifications-purge-old": {
        "task": "apps.notifications.tasks.purge_old",
        "schedule": crontab(hour=3, minute=45),
    },
    "documents-sweep-stuck": {
        "task": "apps.documents.tasks.sweep_stuck",
        "schedule": env.float("TAKAMATSU_SWEEP_SECONDS", default=60.0),
    },
    "documents-purge-expired": {
        "task": "apps.documents.tasks.purge_expired",
        "schedule": crontab(hour=3, minute=15),
    },
    "counter-purge-finished": {
        "task": "apps.counter.tasks.purge_finished",
        "schedule": crontab(hour=2, minute=30),
    },
    "counter-expiry-reminders": {
        "task": "apps.counter.tasks.expiry_reminders",
        "schedule": crontab(hour=10, minute=0),
    },
    "wallet-reconcile": {"task": "apps.wallet.tasks.reconcile", "schedule": crontab(hour=4, minute=0)},
    # Points are valid to the end of their last day: sweep them just after midnight, before reconcile.
    "wallet-points-expire": {
        "task": "apps.wallet.tasks.points_expire",
        "schedule": crontab(hour=0, minute=5),
    },
    "wallet-expiry-reminders": {
        "task": "apps.wallet.tasks.expiry_reminders",
        "schedule": crontab(hour=9, minute=30),
    },
    # Unpaid voucher reservations hold stock: give it back within a minute of their deadline.
    "wallet-vouchers-expire": {"task": "apps.wallet.tasks.vouchers_expire", "schedule": 60.0},
    "identity-refresh-crls": {
        "task": "apps.identity.tasks.refresh_crls",
        "schedule": env.float("TAKAMATSU_CRL_CHECK_SECONDS", default=300.0),
    },
    "identity-challenges-purge": {
        "task": "apps.identity.tasks.challenges_purge",
        "schedule": crontab(hour=3, minute=50),
    },
    "identity-certificate-expiry-reminders": {
        "task": "apps.identity.tasks.certificate_expiry_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # Page views and searches are counted in Redis; this moves them into the database.
    "catalogue-usage-flush": {
        "task": "apps.catalogue.tasks.usage_flush",
        "schedule": env.float("TAKAMATSU_USAGE_FLUSH_SECONDS", default=300.0),
    },
    "catalogue-usage-purge": {
        "task": "apps.catalogue.tasks.usage_purge",
        "schedule": crontab(hour=3, minute=55),
    },
}

# NOTIFICATIONS AND DOCUMENTS
# A delivery or render claimed longer ago than this is taken as lost (its worker died) and retried.
TAKAMATSU_STUCK_AFTER_SECONDS = env.int("TAKAMATSU_STUCK_AFTER_SECONDS", default=300)
TAKAMATSU_DELIVERY_MAX_ATTEMPTS = 6
# The inbox keeps a year of notices; older ones (and their deliveries' addresses) are purged on beat.
TAKAMATSU_NOTIFICATION_RETENTION_DAYS = env.int("TAKAMATSU_NOTIFICATION_RETENTION_DAYS", default=365)
TAKAMATSU_DELIVERY_BACKOFF_SECONDS = env.float("TAKAMATSU_DELIVERY_BACKOFF_SECONDS", default=30.0)
TAKAMATSU_WEBHOOK = {
    # The city's LINE-style messaging gateway: JSON POST signed with HMAC-SHA256.
    "URL": env.str("TAKAMATSU_WEBHOOK_URL", default=""),
    "SECRET": env_secret("TAKAMATSU_WEBHOOK_SECRET", ""),
    "TIMEOUT": env.float("TAKAMATSU_WEBHOOK_TIMEOUT", default=5.0),
}
# COUNTER (書かない窓口)
TAKAMATSU_COUNTER_VALID_DAYS = env.int("TAKAMATSU_COUNTER_VALID_DAYS", default=7)
TAKAMATSU_COUNTER_RETENTION_DAYS = env.int("TAKAMATSU_COUNTER_RETENTION_DAYS", default=30)
TAKAMATSU_COUNTER_LOOKUP_FAILURES = 20  # failed lookups per clerk within the window before a pause
TAKAMATSU_COUNTER_LOOKUP_WINDOW = 600
TAKAMATSU_DOCUMENT_RETENTION_DAYS = env.int("TAKAMATSU_DOCUMENT_RETENTION_DAYS", default=30)
TAKAMATSU_PDF_FONT = BASE_DIR / "static" / "fonts" / "ipaexg.ttf"

# CATALOGUE USAGE FIGURES
# Daily counts only (no user, session or address); what residents searched for is free text and may be
# personal, so every usage row is purged after this many days.
TAKAMATSU_USAGE_RETENTION_DAYS = env.int("TAKAMATSU_USAGE_RETENTION_DAYS", default=90)
# A query that found nothing is shown only when searched at least this often in the period shown: a
# one-off query (perhaps someone's name) never is.
TAKAMATSU_USAGE_QUERY_MIN_COUNT = env.int("TAKAMATSU_USAGE_QUERY_MIN_COUNT", default=3)
# Listings and searches put the procedures viewed most in this many recent days first among equals; each
# process reads the figures again after TAKAMATSU_SEARCH_USAGE_REFRESH_SECONDS (one query).
TAKAMATSU_SEARCH_USAGE_DAYS = env.int("TAKAMATSU_SEARCH_USAGE_DAYS", default=30)
TAKAMATSU_SEARCH_USAGE_REFRESH_SECONDS = env.float("TAKAMATSU_SEARCH_USAGE_REFRESH_SECONDS", default=3600.0)

# IMPORT / EXPORT
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
CATALOGUE_IMPORT_MAX_BYTES = env.int("CATALOGUE_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)

# SECURITY
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)  # absolute, from sign-in
SESSION_IDLE_SECONDS = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_my_number": {"()": "apps.core.mynumber.MyNumberMaskingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_my_number"]}
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},  # every render step at INFO drowns the worker's log
        "fontTools": {"level": "WARNING"},
    },
}
