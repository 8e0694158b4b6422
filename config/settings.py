"""Settings for postsale, read from the environment (12-factor).

Out of the box it runs on a SQLite file under var/, with Celery's messages and a shared cache in
files under var/ too; DATABASE_URL and REDIS_URL switch it to PostgreSQL and Redis.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp import constants as csp

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    # A self-hosted trial must not ship a known key: without SECRET_KEY we make one
    # on first start and keep it under var/, so sessions survive restarts.
    if key := env.str("SECRET_KEY", default=""):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where people reach this installation; links in emails start with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# How long an emailed invitation link works; sending it again starts the time afresh.
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "axes",
    "tenancy",
    "core",
    "workspace",
    "accounts",
    "activities",
    "journeys",
    "health",
    "renewals",
    "communications",
    "playbooks",
    "dashboard",
    # Last: the demo (seed_demo) reads every app above; nothing imports it.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenancy.middleware.TenantScopeMiddleware",
    # Last, so that it sees failed logins after authentication ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "workspace.context_processors.tenancy",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'postsale.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for the lock instead of failing,
    # and take the write lock up front so two writers never deadlock on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # A cache that is down is a miss, not a 500 (tenancy/cache.py); it is given up on within a second.
            "BACKEND": "tenancy.cache.OptionalRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # The embedded default works like production without Redis: the web server queues tasks as files under
    # var/celery/ for the worker and beat that `make run` starts beside it, and the processes share a cache
    # of files under var/cache/ (a backtest's progress and result cross from the worker to the page there).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
            # A backtest keeps one entry per day read: the default 300 would cull a build's own inputs.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
    CELERY_BROKER_URL = "filesystem://localhost/"  # the host only silences kombu's "No hostname" warning
    CELERY_RESULT_BACKEND = None  # nothing waits on a result: tasks record their outcome in the database
    CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
# Redis redelivers anything unacknowledged after this long; no task may run longer.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# The visibility timeout must outlast the hard time limit, or Redis hands a
# still-running task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(CELERY_VISIBILITY_TIMEOUT, 2 * CELERY_TASK_TIME_LIMIT)}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    # The result backend retries 20 times a second apart by default, and a web request sending a task
    # while Redis was down waited 19 s for it: twice, briefly, then the sender hears of it.
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
}
# Sending a task gives up within a second or two when the broker is down: the work stays queued in its
# row, the page says so, and the sweeps on the beat send it once the broker is back (tenancy/queue.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2


def filesystem_broker_options(folder: Path) -> dict:
    """kombu's filesystem transport in `folder`: every process reads and writes one message folder."""
    messages, control = folder / "messages", folder / "control"
    for path in (messages, control):
        path.mkdir(parents=True, exist_ok=True)
    return {"data_folder_in": str(messages), "data_folder_out": str(messages), "control_folder": str(control)}


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        **filesystem_broker_options(VAR_DIR / "celery"),
    }

# --- Authentication --------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# Lock the account being attacked, whatever address the attempts come from, and
# separately an address that tries many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The reverse proxies in front (Caddy: 1). Only then are X-Forwarded-For and X-Forwarded-Proto
# believed, as the proxy wrote them; a client that reaches the app directly could write anything.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "tenancy.lockout.client_address"
# The sign-in form posts the email address as `username` (Django's AuthenticationForm);
# axes would look for the model's USERNAME_FIELD, `email`, find nothing and never lock an account.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "tenancy.lockout.username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Security --------------------------------------------------------------------
# Behind TLS in production; HTTPS_ONLY=false serves plain HTTP (local trial, compose on localhost).
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
# Only a proxy may say the request came over HTTPS (Caddy overwrites the header).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Email -----------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
# Seconds an SMTP connection may wait on the server (greeting, each reply). Django's default is
# none at all: a server that never answers would hold a worker for ever. A ?timeout= in EMAIL_URL
# lands in OPTIONS, which Django's SMTP backend never reads, so it is taken from there too.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=_email.get("OPTIONS", {}).get("TIMEOUT", 20))
# A provider through django-anymail instead of SMTP: EMAIL_BACKEND=anymail.backends.postmark.EmailBackend and
# ANYMAIL={"POSTMARK_SERVER_TOKEN": ...} (as JSON in ANYMAIL_JSON).
if env.str("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env.str("EMAIL_BACKEND")
ANYMAIL = env.json("ANYMAIL_JSON", default={})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="postsale <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internal alerts -------------------------------------------------------------------
# The only hosts a tenant's Slack webhook may point at (comma-separated), so that an admin cannot make the
# server post to an internal address. https on port 443, except a loopback host listed here (127.0.0.1,
# localhost, ::1): a local stand-in for development and tests, which may use http and any port.
SLACK_WEBHOOK_HOSTS = [
    host.strip().lower() for host in env.list("SLACK_WEBHOOK_HOSTS", default=["hooks.slack.com"]) if host.strip()
]

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
}

# Uploaded files (imports and their reports) live under var/ unless told otherwise.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
# Imports larger than this are refused before anything is read.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# Columns a CSV or Excel import may name: checked from its first row before the file is parsed.
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=500)
# Events the tracking API refused (and notes on those it stored) are kept this long, then purged nightly.
INGESTION_ERROR_RETENTION_DAYS = env.int("INGESTION_ERROR_RETENTION_DAYS", default=30)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenancy.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenancy.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "postsale API",
    "DESCRIPTION": "Customer-success platform: accounts, journeys, health, renewals and communications.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The schema and docs describe the API; the data behind it still needs a credential.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}

# --- Content-Security-Policy (django-csp) ------------------------------------------------
# Everything comes from this site: no CDN, no inline script (the pages' scripts are files in
# static/js, their data in json_script or data-* attributes), no <style> element.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        # style="width: 40%" attributes (progress bars, chart boxes) only; they cannot run code.
        "style-src-attr": [csp.UNSAFE_INLINE],
        # Bootstrap's CSS draws its small icons (selects, the navbar toggler) as data: SVGs.
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
    },
}

# --- Logging -----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
