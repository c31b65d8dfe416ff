"""Settings, all from the environment (12-factor). See README.md "Configuration" for every variable."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key"  # noqa: S105 - only ever used with DEBUG on
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Firebase -----------------------------------------------------------------------------------
FIREBASE_PROJECT_ID = env("FIREBASE_PROJECT_ID", default="demo-cplatform")
FIREBASE_WEB_API_KEY = env("FIREBASE_WEB_API_KEY", default="demo-api-key")
FIRESTORE_EMULATOR_HOST = env("FIRESTORE_EMULATOR_HOST", default="")
FIREBASE_AUTH_EMULATOR_HOST = env("FIREBASE_AUTH_EMULATOR_HOST", default="")
STORAGE_EMULATOR_HOST = env("STORAGE_EMULATOR_HOST", default="")
STORAGE_BUCKET = env("STORAGE_BUCKET", default=f"{FIREBASE_PROJECT_ID}.appspot.com")

_emulated = [
    name
    for name, value in (
        ("FIRESTORE_EMULATOR_HOST", FIRESTORE_EMULATOR_HOST),
        ("FIREBASE_AUTH_EMULATOR_HOST", FIREBASE_AUTH_EMULATOR_HOST),
        ("STORAGE_EMULATOR_HOST", STORAGE_EMULATOR_HOST),
    )
    if value
]
# With FIREBASE_AUTH_EMULATOR_HOST set, firebase-admin accepts unsigned tokens. "demo-" project ids
# can never reach a real Firebase project, so emulators are only allowed with them, and only in DEBUG
# (where `make run` and `make test` run) - a production process with a stray variable refuses to start.
if _emulated and not FIREBASE_PROJECT_ID.startswith("demo-"):
    raise ImproperlyConfigured(
        f"{', '.join(_emulated)} set for project {FIREBASE_PROJECT_ID!r}: emulators need a 'demo-' project id."
    )
if _emulated and not DEBUG:
    raise ImproperlyConfigured(f"{', '.join(_emulated)} set with DEBUG off: emulators are for development only.")

# Seconds of clock drift tolerated when checking token times ("Token used too early").
FIREBASE_CLOCK_SKEW_SECONDS = env.int("FIREBASE_CLOCK_SKEW_SECONDS", default=10)
# How long one process trusts a uid's revocation state before asking Firebase Auth again.
# Logout and role changes overwrite the entry in the shared cache at once.
AUTH_REVOCATION_CACHE_SECONDS = env.int("AUTH_REVOCATION_CACHE_SECONDS", default=10)
SESSION_COOKIE_NAME = "session"
SESSION_COOKIE_DAYS = env.int("SESSION_COOKIE_DAYS", default=5)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = "Lax"
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# X-Firestore-Reads / X-Firestore-Writes response headers.
FIRESTORE_COUNT_HEADERS = env.bool("FIRESTORE_COUNT_HEADERS", default=DEBUG)

# --- Uploads ------------------------------------------------------------------------------------
PROFILE_PHOTO_MAX_BYTES = env.int("PROFILE_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
PROFILE_PHOTO_MAX_SIDE = env.int("PROFILE_PHOTO_MAX_SIDE", default=1024)
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=100 * 1024 * 1024)
# Larger request bodies are streamed to temporary files, never held whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Django -------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "authentication",
    "courses",
    "messaging",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "middlewares.firestore_metrics.FirestoreMetricsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "middlewares.firebase_auth.FirebaseAuthMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cplatform.urls"
ASGI_APPLICATION = "cplatform.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "middlewares.firebase_auth.actor_context",
            ],
        },
    },
]

# Every record lives in Firestore: Django has no SQL database here.
DATABASES: dict = {}

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                # A socket that falls this far behind resyncs from Firestore by cursor; messages
                # are persisted before broadcast, so a dropped frame is never a lost message.
                "capacity": 1000,
                # Frames older than this are useless to a live client (it resyncs instead).
                "expiry": 30,
                # Sockets re-join their groups on connect; two days outlives any real session.
                "group_expiry": 2 * 24 * 3600,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cplatform <no-reply@cplatform.local>")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["middlewares.drf.FirebaseAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["middlewares.drf.RolePermission"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "cplatform.exception_handler.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "cplatform API",
    "DESCRIPTION": "Courses, lessons, enrolments, chat and accounts for an online teaching platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "firebaseIdToken": {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
        }
    },
    "SECURITY": [{"firebaseIdToken": []}, {"sessionCookie": []}],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}
