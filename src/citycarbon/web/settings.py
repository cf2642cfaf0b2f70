"""Django settings. Configuration comes from the environment:

- ``DATABASE_URL``: e.g. ``postgres://user@127.0.0.1:5432/citycarbon``; default an embedded
  SQLite file ``var/citycarbon.sqlite3`` (no server needed).
- ``CITYCARBON_VAR``: the folder for the SQLite file, the secret key and collected static
  files; default ``var`` under the working directory.
- ``CITYCARBON_DEBUG=1``: debug mode (never in production).
- ``CITYCARBON_SECRET_KEY``: the secret key; default a random key kept in ``var/secret_key``.
- ``CITYCARBON_ALLOWED_HOSTS``: comma-separated; default ``127.0.0.1,localhost``.
- ``CITYCARBON_SECURE_COOKIES=0``: send session and CSRF cookies over plain HTTP too. The
  default outside debug is secure cookies (HTTPS only); ``citycarbon serve`` on a loopback
  address turns them off itself, since no TLS is there.
- ``CITYCARBON_BEHIND_PROXY=1``: trust ``X-Forwarded-Proto`` from a TLS-terminating proxy.
- ``CITYCARBON_TRUSTED_PROXIES``: how many proxies in front of the platform append to
  ``X-Forwarded-For``; the log-in throttle then takes the client's address from that header
  (the right-most hop they did not add). Default 1 with ``CITYCARBON_BEHIND_PROXY=1``, else 0
  (the header is ignored and ``REMOTE_ADDR`` is the client).
- ``CITYCARBON_MAX_UPLOAD_BYTES``: the largest request body (an uploaded file) accepted;
  default 100 MB. Larger requests get HTTP 413 before their body is read.
- ``CITYCARBON_WORKER_MEMORY_MB``: the resident-memory bound of ``citycarbon worker``, which
  parses uploads in the background (its address space is bounded at four times it); default
  2048.
- ``CITYCARBON_API_RATE``: API calls allowed per key or signed-in user, ``N/period``
  (period ``s``, ``min``, ``h``, ``day``) or ``off``; default ``600/min``.
- ``CITYCARBON_API_ANON_RATE``: API calls without valid credentials allowed per client
  address; default ``60/min``.
- ``CITYCARBON_ISSUER``: the issuing authority named on the public verification page;
  default "citycarbon 平台".
- ``CITYCARBON_PUBLIC_URL``: the platform's address, for the QR code of a report issued with
  ``citycarbon report``; default ``http://127.0.0.1:8000/`` (a page uses its own address).
- ``CITYCARBON_REPORT_FONTS``: the folder of the reports' PDF fonts; default the one
  ``make assets`` fills (``web/reports/fonts``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

VAR_DIR = Path(os.environ.get("CITYCARBON_VAR", "var")).resolve()
BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    key = os.environ.get("CITYCARBON_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def database_config(url: str | None) -> dict[str, object]:
    """The Django database settings for ``url``, or the embedded SQLite file."""
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60))
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "citycarbon.sqlite3"),
        # SQLite waits for a writer instead of failing at once.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("CITYCARBON_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("CITYCARBON_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "citycarbon.web.audit",
    "citycarbon.web.jobs",
    "citycarbon.web.reports",
    "citycarbon.web.access",
    "citycarbon.web.regions",
    "citycarbon.web.enterprises",
    "citycarbon.web.energy",
    "citycarbon.web.grading",
    "citycarbon.web.buildings",
    "citycarbon.web.electricity",
    "citycarbon.web.estimates",
    "citycarbon.web.balance",
    "citycarbon.web.budgets",
    "citycarbon.web.targets",
    "citycarbon.web.energyspace",
    "citycarbon.web.profile",
]

MIDDLEWARE = [
    "citycarbon.web.timing.ServerTimingMiddleware",
    "citycarbon.web.uploads.RequestSizeLimitMiddleware",
    "citycarbon.web.nul_bytes.NulByteMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "citycarbon.web.access.language.CookieLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "citycarbon.web.urls"
WSGI_APPLICATION = "citycarbon.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "citycarbon.web.access.context.principal",
            ],
            "libraries": {"formatting": "citycarbon.web.formatting"},
        },
    },
]

DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Thousands separators on Chinese pages too; templates ask for them (``floatformat:"0g"``,
# ``intcomma``, the ``formatting`` filters), so years and ids stay as they are.
FORMAT_MODULE_PATH = ["citycarbon.web.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # ``citycarbon serve`` collects the files here as it starts
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Ours (site.css, charts.js) and, after ``make assets``, the npm packages' files in vendor/.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside debug, static files are served as collected: names carry their content hash, so
# WhiteNoise sends them gzip-compressed (prepared at collection) with a cache lifetime of
# ten years; a changed file gets a new name. A file not collected keeps its plain name and
# comes from its folder, as every file does in debug.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "citycarbon.web.staticfiles.StaticFiles"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# API rate limits (web/api/throttling.py; a bad value fails the start-up check)
CITYCARBON_API_RATE = os.environ.get("CITYCARBON_API_RATE", "").strip() or "600/min"
CITYCARBON_API_ANON_RATE = os.environ.get("CITYCARBON_API_ANON_RATE", "").strip() or "60/min"
CITYCARBON_ISSUER = os.environ.get("CITYCARBON_ISSUER", "citycarbon 平台")
# Reports (citycarbon.web.reports): the fonts of the PDFs (make assets); the address a report
# issued from the command line puts in its QR code.
CITYCARBON_REPORT_FONTS = Path(
    os.environ.get("CITYCARBON_REPORT_FONTS", str(BASE_DIR / "reports" / "fonts"))
)
CITYCARBON_PUBLIC_URL = os.environ.get("CITYCARBON_PUBLIC_URL", "http://127.0.0.1:8000/")
CITYCARBON_MAX_UPLOAD_BYTES = int(os.environ.get("CITYCARBON_MAX_UPLOAD_BYTES", str(100 << 20)))
# Form fields other than files stay small; files above 2.5 MB stream to a temporary file,
# and the capped handler stops a file at the cap whatever Content-Length said.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "citycarbon.web.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
UPLOAD_DIR = VAR_DIR / "uploads"
"""Uploaded files waiting for their background job (removed when it ends)."""

# Background jobs (``citycarbon.web.jobs``) go through django-tasks' database backend: no
# broker, SQLite or PostgreSQL alike; ``citycarbon worker`` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CITYCARBON_JOB_BACKEND = "default"
CITYCARBON_WORKER_MEMORY_MB = int(os.environ.get("CITYCARBON_WORKER_MEMORY_MB", "2048"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# Every log-in that passes its request to authenticate() (the site's and the admin's) is
# throttled per user name and address there; see citycarbon.web.access.backends.
AUTHENTICATION_BACKENDS = ["citycarbon.web.access.backends.ThrottledModelBackend"]
TRUSTED_PROXY_COUNT = int(
    os.environ.get(
        "CITYCARBON_TRUSTED_PROXIES",
        "1" if os.environ.get("CITYCARBON_BEHIND_PROXY", "") == "1" else "0",
    )
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = os.environ.get("CITYCARBON_SECURE_COOKIES", "0" if DEBUG else "1") == "1"
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_AGE = 8 * 3600
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}

# --- Security: headers, HTTPS behind a proxy, cookies, JSON errors under /api/ -------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The pages send the CSRF token from the template (``hx-headers`` on <body>, hidden form
# fields), never from script reading the cookie: so the cookie is HTTP-only.
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "citycarbon.web.api.errors.csrf_failure"
BEHIND_PROXY = os.environ.get("CITYCARBON_BEHIND_PROXY", "") == "1"
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's health check may speak plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("CITYCARBON_HSTS_SECONDS", str(365 * 24 * 3600)))
# Content-Security-Policy (django-csp): scripts and styles only from our own static files
# (htmx, ECharts, Pico CSS are served locally), no inline script, style or event handler.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
_SECURITY = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE[_SECURITY + 1 : _SECURITY + 1] = [
    "csp.middleware.CSPMiddleware",
    "citycarbon.web.api.errors.JsonErrorsMiddleware",
]
