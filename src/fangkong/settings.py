"""One settings module; every deployment value comes from the environment.

Three helpers read the environment (a bool, an int, a secret) and each value has
a default that is safe for production; `make demo` and the tests set FANGKONG_DEMO=1. Production sets
SECRET_KEY, FANGKONG_DATA_KEY, DATABASE_URL and ALLOWED_HOSTS. DEBUG stays off unless a developer asks.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("FANGKONG_HOME", Path.cwd()))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


# The demo (`make demo`, the test suite): plain http on 127.0.0.1, the demo keys, the printed logins without
# TOTP; everything else behaves as in production, DEBUG included (its error pages would print settings).
FANGKONG_DEMO = env_bool("FANGKONG_DEMO", False)
DEBUG = env_bool("DEBUG", False)
_RELAXED = DEBUG or FANGKONG_DEMO  # what a developer's machine or the demo may do without: TLS, TOTP, own keys


def env_secret(name: str, demo_default: str) -> str:
    """A secret: the demo default is refused outside the demo and a developer's DEBUG."""
    value = os.environ.get(name, "")
    if value:
        return value
    if not _RELAXED:
        raise RuntimeError(f"{name} must be set in the environment (or run the demo with FANGKONG_DEMO=1)")
    return demo_default


SECRET_KEY = env_secret("SECRET_KEY", "demo-only-secret-key-not-for-production-use-0123456789abcdef")
# Key for encrypting ID numbers and phones at rest, and for their lookup hashes.
# 32 bytes, urlsafe base64. Changing it makes stored values unreadable.
FANGKONG_DATA_KEY = env_secret("FANGKONG_DATA_KEY", "ZGVtby1vbmx5LWRhdGEta2V5LWZhbmdrb25nLTMyYg==")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page's scripts locally (without it they come from a CDN)
    "fangkong.core",
    "fangkong.imports",
    "fangkong.areas",
    "fangkong.people",
    "fangkong.policy",
    "fangkong.healthcodes",
    "fangkong.risk",
    "fangkong.control",
    "fangkong.arrivals",
    "fangkong.gatherings",
    "fangkong.testing",
    "fangkong.demo",
    "fangkong.web",
]

# The health-code scan's fast path (healthcodes/fastpath.py); off, every scan goes through the whole stack.
VERIFY_FAST_PATH = env_bool("VERIFY_FAST_PATH", True)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "fangkong.core.middleware.RequestBodyGuard",  # 413 / 400 for a body too big or an upload without a boundary
    "fangkong.healthcodes.fastpath.VerificationFastPath",  # answers well-formed health-code scans; see its docstring
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "fangkong.core.middleware.NoStoreForPersonalDataMiddleware",
    "fangkong.core.middleware.ApiErrorBodyMiddleware",
    "fangkong.core.middleware.AppErrorPages",  # a service refusal (core.errors) no view caught: its page and status
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fangkong.core.context_processors.actions",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{PROJECT_DIR / 'fangkong.sqlite3'}",
        # Keep each worker thread's connection (a new PostgreSQL connection per request cost more
        # than the request's queries: bench/results/lookup_*). Not checked before reuse by default:
        # the check is one more round trip on every request, to spare the one request per kept
        # connection that fails after the database restarts (Django then drops that connection).
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=bool(env_int("DB_CONN_HEALTH_CHECKS", 0)),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django binds parameters on the client, so its statements are never prepared whatever this says.
    # The one statement bound on the server, the health-code scan's, asks to be prepared, which needs
    # a threshold here (Django's default, None, turns preparing off for the connection). Empty: off,
    # for a pooler in transaction mode without prepared-statement support.
    threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = int(threshold) if threshold else None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # lock upgrades failing under concurrent writers.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Staff and admin roles must add a TOTP code to their password to reach /admin/.
FANGKONG_REQUIRE_OTP = env_bool("FANGKONG_REQUIRE_OTP", not _RELAXED)
# The lockout page: our look, the user's language, and Retry-After (axes' own is a line of English).
AXES_LOCKOUT_CALLABLE = "fangkong.web.errors.login_locked_out"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_MINUTES", 120) * 60
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout rather than absolute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not _RELAXED
CSRF_COOKIE_SECURE = not _RELAXED
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not _RELAXED)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if _RELAXED else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not _RELAXED
SECURE_HSTS_PRELOAD = not _RELAXED
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
X_FRAME_OPTIONS = "DENY"
# A developer's debug page hides connection strings too (DATABASE_URL carries the database password).
DEFAULT_EXCEPTION_REPORTER_FILTER = "fangkong.web.errors.SecretsHiddenFilter"
# API bearer tokens stop working this many days after they were issued (`fangkong token create` says when).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
if FANGKONG_DEMO and set(ALLOWED_HOSTS) - {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}:
    # The demo's keys and passwords are published and it speaks plain http: never on a reachable host.
    raise RuntimeError("FANGKONG_DEMO=1 serves only the loopback (127.0.0.1, localhost); unset it to deploy")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PROJECT_DIR / "var"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A queued task that waited this long while no task started, ran or finished: the page says no worker runs.
WORKER_SILENCE_SECONDS = env_int("WORKER_SILENCE_SECONDS", 60)

# Retention (PIPL): days after which a closed purpose's personal data is purged.
# The policy profile in force until a user switches it (policy.ActiveProfile).
FANGKONG_DEFAULT_PROFILE = os.environ.get("FANGKONG_DEFAULT_PROFILE", "national-9th-2022")

# Request bodies: a form or a JSON body at most DATA_UPLOAD_MAX_MEMORY_SIZE (Django's, 2.5 MB by default);
# an upload (multipart: the people, arrival and risk-area imports, a plan file) at most FANGKONG_UPLOAD_MAX_MB.
# Larger answers 413 (core.middleware.RequestBodyGuard). A county's registry fits well under 100 MB as .xlsx.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FANGKONG_UPLOAD_MAX_MB = env_int("FANGKONG_UPLOAD_MAX_MB", 100)

# Largest prevention-plan file a gathering application may carry (PDF, .docx, JPEG, PNG).
FANGKONG_PLAN_FILE_MAX_MB = env_int("FANGKONG_PLAN_FILE_MAX_MB", 10)
# Whoever recorded a test result may correct it for this long (a wrong button); after that it stands.
FANGKONG_RESULT_CORRECTION_MINUTES = env_int("FANGKONG_RESULT_CORRECTION_MINUTES", 30)

# "This person is registered in another area" answers per user and hour: enough for a day's real registrations,
# too few to test ID numbers in bulk (each answer is in the access log, which is the counter).
REGISTERED_ELSEWHERE_PER_HOUR = env_int("REGISTERED_ELSEWHERE_PER_HOUR", 20)
# Exact lookups by document number per user and hour (each is in the access log, which is the counter).
DOCUMENT_LOOKUPS_PER_HOUR = env_int("DOCUMENT_LOOKUPS_PER_HOUR", 120)

RETENTION_DAYS = {
    "access_log": env_int("RETENTION_ACCESS_LOG_DAYS", 365),
    "import_rejects": env_int("RETENTION_IMPORT_REJECTS_DAYS", 90),
    # PIPL and the audit of a public-health emergency: at least three years, whatever the environment says.
    "audit_log": max(3 * 366, env_int("RETENTION_AUDIT_LOG_DAYS", 3 * 366)),
}

# Content-Security-Policy (django-csp 4): everything is served from here; no inline script, handler or
# eval anywhere, and no inline style either (our templates have none; htmx's indicator style is in
# site.css). data: images only for the API docs page's (Swagger UI) icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Public no-login pages (self-declaration by QR poster, personal check-in links): abuse limits.
# Counters live in the database (core.RateCounter), so they hold across server worker processes.
FANGKONG_PUBLIC = {
    # Absolute origin printed in QR codes (e.g. https://fk.example.gov.cn); empty: the request's own host.
    "BASE_URL": os.environ.get("FANGKONG_PUBLIC_BASE_URL", "").rstrip("/"),
    "SUBMIT_PER_IP": env_int("PUBLIC_SUBMIT_PER_IP", 20),
    "SUBMIT_PER_IP_SECONDS": env_int("PUBLIC_SUBMIT_PER_IP_SECONDS", 600),
    "VIEW_PER_IP": env_int("PUBLIC_VIEW_PER_IP", 300),
    "VIEW_PER_IP_SECONDS": env_int("PUBLIC_VIEW_PER_IP_SECONDS", 600),
    "DECLARE_PER_COMMUNITY": env_int("PUBLIC_DECLARE_PER_COMMUNITY", 300),
    "DECLARE_PER_COMMUNITY_SECONDS": env_int("PUBLIC_DECLARE_PER_COMMUNITY_SECONDS", 3600),
    "CHECKIN_PER_LINK": env_int("PUBLIC_CHECKIN_PER_LINK", 12),
    "CHECKIN_PER_LINK_SECONDS": env_int("PUBLIC_CHECKIN_PER_LINK_SECONDS", 3600),
    "FORM_MIN_SECONDS": env_int("PUBLIC_FORM_MIN_SECONDS", 3),
    "FORM_MAX_SECONDS": env_int("PUBLIC_FORM_MAX_SECONDS", 7200),
    "MAX_BODY_BYTES": env_int("PUBLIC_MAX_BODY_BYTES", 8192),
    "IDEMPOTENCY_HOURS": env_int("PUBLIC_DECLARE_IDEMPOTENCY_HOURS", 24),
    "ARRIVAL_MAX_DAYS_AGO": env_int("PUBLIC_ARRIVAL_MAX_DAYS_AGO", 30),
    "CHECKIN_LINK_DAYS": env_int("PUBLIC_CHECKIN_LINK_DAYS", 14),
    # Reverse proxies in front of the server that append to X-Forwarded-For (0: use the peer address).
    "TRUSTED_PROXIES": env_int("PUBLIC_TRUSTED_PROXIES", 0),
}
