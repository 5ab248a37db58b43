"""Settings of Jinguo, read from the environment (django-environ).

Secrets: SECRET_KEY, FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first) and
BLIND_INDEX_KEY. In development (DEBUG on, or JINGUO_DEV_SECRETS=1 as the test settings do) a
missing secret is generated once into var/dev-secrets.env and reused. With DEBUG off a missing
secret stops the start with a message that names it: production never runs on a made-up key.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JINGUO_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
DEBUG = env.bool("DEBUG", default=False)
DEV_SECRETS = DEBUG or env.bool("JINGUO_DEV_SECRETS", default=False)

SECRET_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")


def _new_secret(name: str) -> str:
    if name == "FIELD_ENCRYPTION_KEYS":
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(50)


def _load_secrets() -> dict[str, str]:
    values = {name: os.environ[name] for name in SECRET_NAMES if os.environ.get(name)}
    missing = [name for name in SECRET_NAMES if name not in values]
    if not missing:
        return values
    if not DEV_SECRETS:
        raise ImproperlyConfigured(
            f"缺少必需的环境变量 {', '.join(missing)}:生产环境(DEBUG 关闭)必须显式设置,"
            f"见 docs/deploy.md。Missing required environment variable(s): {', '.join(missing)}."
        )
    store = VAR_DIR / "dev-secrets.env"
    stored: dict[str, str] = {}
    if store.exists():
        for line in store.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                stored[key.strip()] = value.strip()
    changed = False
    for name in missing:
        if name not in stored:
            stored[name] = _new_secret(name)
            changed = True
        values[name] = stored[name]
    if changed:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        store.write_text("".join(f"{k}={v}\n" for k, v in stored.items()))
        store.chmod(0o600)
    return values


_secrets = _load_secrets()
SECRET_KEY = _secrets["SECRET_KEY"]
FIELD_ENCRYPTION_KEYS = [k.strip() for k in _secrets["FIELD_ENCRYPTION_KEYS"].split(",") if k.strip()]
BLIND_INDEX_KEY = _secrets["BLIND_INDEX_KEY"]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEV_SECRETS else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "rules.apps.AutodiscoverRulesConfig",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "jinguo.core",
    "jinguo.orgs",
    "jinguo.accounts",
    "jinguo.people",
    "jinguo.cases",
    "jinguo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jinguo.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jinguo.core.middleware.RequestContextMiddleware",
    "jinguo.accounts.middleware.IdleTimeoutMiddleware",
    "jinguo.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jinguo.urls"
WSGI_APPLICATION = "jinguo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jinguo.web.context.layout",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'jinguo.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jinguo.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "jinguo.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: end after 30 minutes without a request (IdleTimeoutMiddleware), and at browser close.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# The stored session outlives the idle limit so that the idle check, not a silent expiry, ends it:
# the user is told why, and the logout is audited. The cookie itself ends at browser close.
SESSION_COOKIE_AGE = 12 * 60 * 60
# The idle middleware refreshes `last_seen` (and so the stored session) at most once a minute:
# most GETs write nothing.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG and not DEV_SECRETS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", False) else None

# django-axes: five failures lock the username for 30 minutes, whether the account exists or not.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The 30 minutes run from the lockout; attempts during it do not prolong it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "jinguo.accounts.views.lockout_response"
AXES_VERBOSE = False
# Lock the account, not the address: many cadres share one NAT address on a government intranet.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None

# django-otp
OTP_TOTP_ISSUER = "巾帼通"

# django-auditlog: our own log entry model also carries logins, denials and exports.
AUDITLOG_LOGENTRY_MODEL = "core.AuditEntry"
AUDITLOG_INCLUDE_ALL_MODELS = False
# Masked fields (ID numbers, phones, addresses …) are recorded as changed, never with any character.
AUDITLOG_MASK_CALLABLE = "jinguo.core.audit.audit_mask"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEV_SECRETS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Uploads: the tree import and later ledgers (issue 3 makes the limit configurable per register).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The dry run of a ledger of LEDGER_HELPER_MIN_ROWS rows or more is parsed and checked in
# LEDGER_HELPERS processes forked from the web process (core.ledger.parallel); 0: in the web
# process itself. The default uses the server's cores, at most two.
LEDGER_HELPERS = env.int("LEDGER_HELPERS", default=min(2, os.cpu_count() or 1))
LEDGER_HELPER_MIN_ROWS = env.int("LEDGER_HELPER_MIN_ROWS", default=5000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
