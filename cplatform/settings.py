"""Settings, all from the environment (12-factor). See README.md "Configuration" for every variable."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from cplatform.error_schema import ERROR_COMPONENT, ERROR_FIELD_MESSAGES

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
# How often Auth and the user documents are compared (one Firestore read per profile per run).
ACCOUNT_RECONCILE_SECONDS = env.float("ACCOUNT_RECONCILE_SECONDS", default=600.0)
# How long one call to a backing service may take before the request answers 503 (within 5 s in
# all: a dead or hung backend must not hold request threads; see docs/operations.md, Faults).
FIRESTORE_TIMEOUT_SECONDS = env.float("FIRESTORE_TIMEOUT_SECONDS", default=3.0)
STORAGE_TIMEOUT_SECONDS = env.float("STORAGE_TIMEOUT_SECONDS", default=3.0)
# firebase-admin retries a read timeout once, so a hung Auth costs up to twice this.
AUTH_TIMEOUT_SECONDS = env.float("AUTH_TIMEOUT_SECONDS", default=2.0)
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=2.0)
SESSION_COOKIE_NAME = "session"
SESSION_COOKIE_DAYS = env.int("SESSION_COOKIE_DAYS", default=5)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "cplatform.views.csrf_failure"
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# Deleting one's account needs a password typed within this many seconds.
RECENT_SIGN_IN_SECONDS = env.int("RECENT_SIGN_IN_SECONDS", default=300)
# Enrolments and withdrawals one user may make per hour (each tells the teacher).
ENROLMENT_CHANGE_LIMIT = env.int("ENROLMENT_CHANGE_LIMIT", default=30)
# Sign-in attempts one address may make in the window, whatever the emails (password spraying).
LOGIN_ADDRESS_LIMIT = env.int("LOGIN_ADDRESS_LIMIT", default=50)
# People searches one user may run per minute.
USER_SEARCH_LIMIT = env.int("USER_SEARCH_LIMIT", default=60)
# Accounts one client address may register per window (sign-up floods, mail aimed at strangers).
REGISTRATION_LIMIT = env.int("REGISTRATION_LIMIT", default=10)
REGISTRATION_WINDOW_SECONDS = env.int("REGISTRATION_WINDOW_SECONDS", default=3600)
# Photos, covers and materials one user may upload per window, all kinds together (each one costs
# image decoding or a stored blob).
UPLOAD_LIMIT = env.int("UPLOAD_LIMIT", default=60)
UPLOAD_WINDOW_SECONDS = env.int("UPLOAD_WINDOW_SECONDS", default=3600)
# Course searches (`q`) one user, or one address for visitors, may run per minute.
COURSE_SEARCH_LIMIT = env.int("COURSE_SEARCH_LIMIT", default=60)
# Failures on one account from all addresses before each further attempt waits (doubling, capped):
# a progressive delay, never a lock anyone could keep on someone else's account.
LOGIN_ACCOUNT_FAILURES_BEFORE_DELAY = env.int("LOGIN_ACCOUNT_FAILURES_BEFORE_DELAY", default=20)
LOGIN_ACCOUNT_DELAY_MAX_SECONDS = env.int("LOGIN_ACCOUNT_DELAY_MAX_SECONDS", default=30)
# X-Firestore-Reads / X-Firestore-Writes response headers.
FIRESTORE_COUNT_HEADERS = env.bool("FIRESTORE_COUNT_HEADERS", default=DEBUG)

# --- Uploads ------------------------------------------------------------------------------------
PROFILE_PHOTO_MAX_BYTES = env.int("PROFILE_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
PROFILE_PHOTO_MAX_SIDE = env.int("PROFILE_PHOTO_MAX_SIDE", default=1024)
# Photos and covers declaring more pixels are refused before decoding (decompression bombs).
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=100 * 1024 * 1024)
# Course and blog covers (checked, then shrunk like photos).
COVER_MAX_BYTES = env.int("COVER_MAX_BYTES", default=5 * 1024 * 1024)
# Every other request body (JSON, forms): refused with 413 from its headers, before it is read.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=1024 * 1024)
# Downloads redirect (302) to a V4 signed Storage URL instead of streaming through Django. Needs
# credentials with a private key, so it is ignored while STORAGE_EMULATOR_HOST is set.
MATERIAL_SIGNED_URLS = env.bool("MATERIAL_SIGNED_URLS", default=False)
MATERIAL_SIGNED_URL_SECONDS = env.int("MATERIAL_SIGNED_URL_SECONDS", default=300)
# Larger request bodies are streamed to temporary files, never held whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Chat (messaging/services.py, messaging/consumers.py; docs/api.md "Chat") ------------------------
# A socket that has not authenticated (session cookie or {"type": "auth"} frame) by then is closed 4408.
CHAT_AUTH_TIMEOUT_SECONDS = env.float("CHAT_AUTH_TIMEOUT_SECONDS", default=10)
# Open sockets re-verify their credential this often, so logout/revocation ends them too (4401).
CHAT_AUTH_RECHECK_SECONDS = env.float("CHAT_AUTH_RECHECK_SECONDS", default=60)
# Messages one user may send per window (REST and socket alike); more is a 429 / rate_limited frame.
CHAT_SEND_LIMIT = env.int("CHAT_SEND_LIMIT", default=20)
CHAT_SEND_WINDOW_SECONDS = env.int("CHAT_SEND_WINDOW_SECONDS", default=10)
# Frames of any kind one socket may send per 10 s before it is closed 4429 (flood guard).
CHAT_SOCKET_FRAME_LIMIT = env.int("CHAT_SOCKET_FRAME_LIMIT", default=120)
# Room documents carry member maps; 1,000 members stay far below Firestore's 1 MiB document limit.
CHAT_GROUP_MAX_MEMBERS = env.int("CHAT_GROUP_MAX_MEMBERS", default=1000)
# Rooms a socket subscribes to at connect (most recently active first).
CHAT_MAX_ROOMS_PER_SOCKET = env.int("CHAT_MAX_ROOMS_PER_SOCKET", default=500)
# "Looking at this room" and "online" marks expire unless a ping (every 30 s) refreshes them.
CHAT_VIEWING_TTL_SECONDS = env.int("CHAT_VIEWING_TTL_SECONDS", default=90)
CHAT_PRESENCE_TTL_SECONDS = env.int("CHAT_PRESENCE_TTL_SECONDS", default=90)
# Immediate emails of one kind about one course or room go at most once per window per user.
NOTIFICATION_COALESCE_SECONDS = env.int("NOTIFICATION_COALESCE_SECONDS", default=300)
# Open sockets re-read their rooms this often (one query), so a lost room.left event cannot keep a
# removed member listening for longer.
CHAT_MEMBERSHIP_RECHECK_SECONDS = env.float("CHAT_MEMBERSHIP_RECHECK_SECONDS", default=30)
# A process delivers a room's messages in seq order; one that overtook its predecessor (two sends
# finishing in different threads or processes) waits at most this long for it (messaging/fanout.py).
CHAT_FANOUT_REORDER_SECONDS = env.float("CHAT_FANOUT_REORDER_SECONDS", default=0.25)

# --- Catalog and search (docs/search.md) ---------------------------------------------------------
# Cached catalog pages (public lists and searches) live this long at most; every course write drops
# them at once. It bounds how long a seat count can be stale. 0 turns the cache off.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=5)
# Subject synonym groups added to the built-in ones: groups split by ";", words by ",", e.g.
# "physics,phys;chemistry,chem". Indexed with the courses: run `manage.py reindex_courses` after a change.
SEARCH_SUBJECT_SYNONYMS = tuple(
    tuple(word.strip().lower() for word in group.split(",") if word.strip())
    for group in env("SEARCH_SUBJECT_SYNONYMS", default="").split(";")
    if group.strip()
)

# --- Payments (Stripe) --------------------------------------------------------------------------
# Real keys and no STRIPE_API_BASE talk to Stripe unchanged; `make run`/`make test` point
# STRIPE_API_BASE and STRIPE_JS_URL at localstripe on 127.0.0.1.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# Seconds a webhook's signed timestamp may be old (Stripe's own default tolerance).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
SEAT_HOLD_MINUTES = env.int("SEAT_HOLD_MINUTES", default=15)
REFUND_WINDOW_DAYS = env.int("REFUND_WINDOW_DAYS", default=14)
# Tax in basis points (2000 = 20 %); inclusive: course prices already contain it.
TAX_RATE_BPS = env.int("TAX_RATE_BPS", default=0)
TAX_INCLUSIVE = env.bool("TAX_INCLUSIVE", default=True)
PLATFORM_FEE_BPS = env.int("PLATFORM_FEE_BPS", default=1000)
SELLER_NAME = env("SELLER_NAME", default="cplatform")
SELLER_ADDRESS = env("SELLER_ADDRESS", default="1 Example Street, 75001 Paris, France")
SELLER_TAX_ID = env("SELLER_TAX_ID", default="")
if STRIPE_API_BASE and not DEBUG and not STRIPE_API_BASE.startswith("https://"):
    raise ImproperlyConfigured("STRIPE_API_BASE points at a local fake Stripe with DEBUG off.")

# --- Content (content/: pages, blog, FAQ, course landing sections) -------------------------------
# Rendered page fragments stay in the cache this long at most (a write drops them at once; lists
# expire sooner when a scheduled item is due). 0 turns the cache off.
CONTENT_CACHE_SECONDS = env.int("CONTENT_CACHE_SECONDS", default=300)
# Versions kept per item for the revision history (older ones are deleted as new ones are saved).
CONTENT_REVISIONS_KEPT = env.int("CONTENT_REVISIONS_KEPT", default=10)

# --- Analytics (analytics/: aggregates, reports, early warnings; docs/analytics.md) ----------------
# Shards per daily counter document (platform, course, teacher): each event writes one shard picked
# at random, so a popular course takes about this many writes per second before contention.
ANALYTICS_COUNTER_SHARDS = env.int("ANALYTICS_COUNTER_SHARDS", default=8)
# Early warnings: this many lessons missed in a row (excused ones skipped), or no activity for this
# many days in an active course; the same student and course is flagged at most once per repeat window.
ANALYTICS_WARN_MISSED_IN_A_ROW = env.int("ANALYTICS_WARN_MISSED_IN_A_ROW", default=2)
ANALYTICS_WARN_INACTIVE_DAYS = env.int("ANALYTICS_WARN_INACTIVE_DAYS", default=14)
ANALYTICS_WARN_REPEAT_DAYS = env.int("ANALYTICS_WARN_REPEAT_DAYS", default=7)
# A student "completes" a course (progress report) with at least this share of marked lessons attended.
ANALYTICS_COMPLETION_RATE = env.float("ANALYTICS_COMPLETION_RATE", default=0.8)
# Longest date range of one report, and most student-course rows one progress report reads.
ANALYTICS_MAX_RANGE_DAYS = env.int("ANALYTICS_MAX_RANGE_DAYS", default=366)
ANALYTICS_MAX_PROGRESS_ROWS = env.int("ANALYTICS_MAX_PROGRESS_ROWS", default=5000)
# Currency of an empty revenue report (no payment yet says which one the platform sells in).
ANALYTICS_CURRENCY = env("ANALYTICS_CURRENCY", default="EUR")

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
    "payments",
    "content",
    "analytics",
    "cplatform",  # project-wide management commands (seed_demo)
]

MIDDLEWARE = [
    "middlewares.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "middlewares.security_headers.SecurityHeadersMiddleware",
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
                "payments.pages.stripe_context",
                "authentication.viewer.viewer_context",
            ],
            # `{% when value %}`: every page shows moments by one rule (authentication/viewer.py).
            "builtins": ["authentication.templatetags.cptime"],
        },
    },
]

# Every record lives in Firestore: Django has no SQL database here.
DATABASES: dict = {}

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Without these a hung Redis holds the request forever (redis-py waits without limit).
            "OPTIONS": {"socket_timeout": REDIS_TIMEOUT_SECONDS, "socket_connect_timeout": REDIS_TIMEOUT_SECONDS},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 gives every socket read a 5 s timeout by default, which races the
                # layer's blocking 5 s BZPOPMIN: under load a consumer's receive then raises
                # TimeoutError and its socket dies (redis/redis-py#4091, channels_redis#422).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
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

# --- Background work (cplatform/background.py, cplatform/celery.py) --------------------------------
# Celery with Redis as broker. The broker gets its own Redis database (db 1 of REDIS_URL by default)
# so that clearing the cache never drops queued tasks.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=f"{REDIS_URL.rsplit('/', 1)[0]}/1" if REDIS_URL else "")
# Without a broker (a bare `manage.py runserver`) the work runs inside the request, as before.
TASKS_INLINE = env.bool("TASKS_INLINE", default=not CELERY_BROKER_URL)
# A worker that dies mid-task holds its entry this long before the relay sends it again; longer than
# any task takes (an SMTP timeout, an FCM batch).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
# Beat runs the relay this often: the worst delay of a side effect whose kick failed (Redis down).
OUTBOX_RELAY_SECONDS = env.float("OUTBOX_RELAY_SECONDS", default=5.0)
# The relay leaves a fresh entry alone this long: its kick is expected to have sent it already.
OUTBOX_KICK_GRACE_SECONDS = env.float("OUTBOX_KICK_GRACE_SECONDS", default=10.0)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=3600.0)
# Done and failed entries carry expire_at this far ahead, for a Firestore TTL policy on outbox.expire_at.
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
# Daily and weekly digests go at this UTC hour (weekly on Mondays); held emails every 10 minutes.
NOTIFICATION_DIGEST_HOUR_UTC = env.int("NOTIFICATION_DIGEST_HOUR_UTC", default=7)

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per worker process: a long task does not sit on others' messages.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "cplatform"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged message after this; the outbox lease covers the same case.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * OUTBOX_LEASE_SECONDS, "socket_connect_timeout": 2}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"

# Every periodic job, in one place. Add yours here; `make run` starts beat, which sends them.
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "cplatform.relay_outbox", "schedule": OUTBOX_RELAY_SECONDS},
    "digest-held": {"task": "messaging.send_digests", "schedule": 600.0, "args": ("held",)},
    "digest-daily": {
        "task": "messaging.send_digests",
        "schedule": crontab(minute=0, hour=NOTIFICATION_DIGEST_HOUR_UTC),
        "args": ("daily",),
    },
    "digest-weekly": {
        "task": "messaging.send_digests",
        "schedule": crontab(minute=0, hour=NOTIFICATION_DIGEST_HOUR_UTC, day_of_week="mon"),
        "args": ("weekly",),
    },
    # Firebase console edits reach the other side (docs/security.md, "Console edits").
    "reconcile-accounts": {"task": "authentication.reconcile_accounts", "schedule": ACCOUNT_RECONCILE_SECONDS},
    # Early warnings and the parents' weekly summaries (analytics/jobs.py); repeats are harmless.
    "analytics-jobs": {"task": "analytics.run_jobs", "schedule": crontab(minute=5)},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
    # Chart.js (npm, pinned in package.json): its UMD build defines window.Chart for static/js/analytics.js.
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# Where django.core.mail.backends.filebased.EmailBackend writes (the test stack's worker uses it).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cplatform <no-reply@cplatform.local>")

# --- Notifications (messaging/dispatcher.py) -------------------------------------------------------
# "fcm" pushes through Firebase Cloud Messaging; "memory" only records pushes (messaging.push.outbox):
# the default in development on the emulators or without credentials, where FCM cannot be reached.
PUSH_BACKEND = env(
    "PUSH_BACKEND",
    default="memory" if DEBUG and (_emulated or not env("GOOGLE_APPLICATION_CREDENTIALS", default="")) else "fcm",
)
# An 11th device evicts the user's least recently registered one.
NOTIFICATION_MAX_DEVICES = env.int("NOTIFICATION_MAX_DEVICES", default=10)
# Notifications marked by one POST /notifications/read-all (one batch: at most 500).
NOTIFICATION_READ_ALL_BATCH = min(env.int("NOTIFICATION_READ_ALL_BATCH", default=500), 500)
# Items listed in full in one digest email; the rest are counted.
NOTIFICATION_DIGEST_MAX_ITEMS = env.int("NOTIFICATION_DIGEST_MAX_ITEMS", default=50)
NOTIFICATION_EMAIL_SUBJECT_PREFIX = env("NOTIFICATION_EMAIL_SUBJECT_PREFIX", default="[cplatform] ")

SECURE_CONTENT_TYPE_NOSNIFF = True
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
# How many trusted proxies append to X-Forwarded-For (1: the load balancer only); see cplatform/client_address.py.
PROXY_HOPS = env.int("PROXY_HOPS", default=1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Outside development every request must come over HTTPS, and browsers are told to insist on it.
# Health checks from the load balancer come over plain HTTP inside the network.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
# Preloading is a commitment a school makes for its whole domain (hstspreload.org), not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["middlewares.drf.FirebaseAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["middlewares.drf.RolePermission"],
    # JSON only; the upload views (photo, covers, materials) take multipart and say so themselves.
    "DEFAULT_PARSER_CLASSES": ["cplatform.json_body.TypedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "cplatform.exception_handler.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "cplatform.schema.TruthfulAutoSchema",
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
        "schemas": {"Error": ERROR_COMPONENT, "ErrorFieldMessages": ERROR_FIELD_MESSAGES},
        "securitySchemes": {
            "firebaseIdToken": {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
    },
    "SECURITY": [{"firebaseIdToken": []}, {"sessionCookie": []}],
    # One stable name per choice set: without these, fields of one name (status, kind) with different
    # choices get hashed names (StatusE49Enum) that change when a choice is added, and generated
    # clients' types with them (and `manage.py check --deploy` warns).
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "courses.catalog.services.LEVELS",
        "ContentStatusEnum": "content.access.STATUSES",
        "PaymentStatusEnum": "firestore_operations.payments.STATUSES",
        "AttendanceStatusEnum": "courses.progress.services.ATTENDANCE_STATUSES",
        "EnrollmentStatusEnum": "courses.enrolment.serializers.ENROLLMENT_STATUSES",
        "DraftOrPublishedEnum": ["draft", "published"],
        "CourseStatusEnum": ["draft", "published", "archived"],
        "RoomKindEnum": ["direct", "group", "course"],
        "DocumentKindEnum": ["invoice", "credit_note"],
        "ReportScopeEnum": ["platform", "teacher", "course"],
    },
}

# One JSON object per line outside development (what log collectors parse); DEBUG keeps a plain
# line. Both carry the request id (cplatform/jsonlog.py, middlewares/request_id.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cplatform.jsonlog.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "cplatform.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
        # The per-request line is for production log pipelines; development consoles stay quiet.
        "cplatform.request": {"level": env("REQUEST_LOG_LEVEL", default="WARNING" if DEBUG else "INFO")},
    },
}
