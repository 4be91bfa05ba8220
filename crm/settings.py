"""Fiducia settings, read from the environment (twelve-factor; see .env.example).

With no environment at all this is the embedded default: SQLite and a file-system Celery
broker under ./var, DEBUG on. Production sets DATABASE_URL, CELERY_BROKER_URL, DEBUG=false,
SECRET_KEY, FIELD_ENCRYPTION_KEY and ALLOWED_HOSTS.
"""

import base64
import hashlib
from decimal import Decimal
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET = "dev-only-insecure-key-fiducia-embedded-default-not-for-production-use"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Fernet key for personal data at rest (ID numbers). Derived from SECRET_KEY only in the
# embedded default so a first run needs no setup; production must set its own.
FIELD_ENCRYPTION_KEY = env(
    "FIELD_ENCRYPTION_KEY",
    default=(
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
        if DEBUG
        else environ.Env.NOTSET
    ),
)

# HMAC key of the audit log's hash chain (crm/audit/chain.py). Derived from SECRET_KEY unless
# set; production should set its own and keep it: rows chained under one key verify only with
# that key (rotation is not supported yet), so changing SECRET_KEY alone must not change it.
FIDUCIA_AUDIT_CHAIN_KEY = env(
    "FIDUCIA_AUDIT_CHAIN_KEY",
    default=hashlib.sha256(b"fiducia.audit-chain:" + SECRET_KEY.encode()).hexdigest(),
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "crm.accounts",
    "crm.audit",
    "crm.core",
    "crm.ui",
    "crm.api",
    "crm.performance",
    "customers",
    "tiering",
    "complaints",
    "compliance",
    # After the project's apps: for a msgid both translate, the earlier app's catalogue wins,
    # and ours must ("Name" is "任务名" in django-celery-beat's).
    "django_celery_beat",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets from the package (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.accounts.middleware.SessionActivityMiddleware",  # extends the idle window, not each time
    "crm.ui.language.LocaleMiddleware",  # Django's, plus LANGUAGE_FROM_BROWSER
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.accounts.middleware.LoginRequiredMiddleware",
    "crm.accounts.middleware.NoStoreMiddleware",  # no-store on every page behind the sign-in
    "crm.core.access.NotFoundMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "crm.ui.errors.RefuseNulMiddleware",  # NUL in a parameter: 400, before any view reads it
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.ui.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL in production uses two roles (README, "The audit log cannot be switched off"): DATABASE_URL is the application
# role, which owns no table, and DATABASE_OWNER_URL the role that owns the schema and runs the
# migrations. `make migrate` and docker-compose's migrate service set MIGRATE_AS_OWNER=true, which
# points the default connection at the owner; afterwards crm/audit/db_roles.py grants the app
# role its privileges (FIDUCIA_DB_APP_ROLE, by default DATABASE_URL's user). Without an owner URL
# one role does both (embedded default, tests, a single-role installation).
_app_database = env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
_owner_url = env("DATABASE_OWNER_URL", default="")
DATABASES = {
    "default": (
        env.db("DATABASE_OWNER_URL")
        if _owner_url and env.bool("MIGRATE_AS_OWNER", default=False)
        else _app_database
    ),
}
FIDUCIA_DB_APP_ROLE = env("FIDUCIA_DB_APP_ROLE", default=_app_database.get("USER", ""))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file in the embedded default.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Tests use a file too: browser tests load several htmx panels at once through the
    # threaded live server, and SQLite's shared in-memory database answers "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# A persistent connection cut by the server, a proxy or a failover is noticed before the next
# request uses it (one cheap ping per request) and replaced, instead of answering 500.
for _database in DATABASES.values():
    _database["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
_SHARED_CACHE = bool(env("CACHE_URL", default=""))
# Each user's roles, permissions and branch path (crm/accounts/access_cache.py). Changes
# invalidate them at once in a shared cache; in per-process memory (no CACHE_URL) another
# process notices only when its entry expires, hence the short default there.
FIDUCIA_ACCESS_CACHE_SECONDS = env.int(
    "FIDUCIA_ACCESS_CACHE_SECONDS", default=3600 if _SHARED_CACHE else 30
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.accounts.backends.OneQueryPermissionBackend",
]
# Sign-in with the bank's directory (README, "Signing in with the bank's directory"): LDAP /
# Active Directory when LDAP_SERVER_URI is set (needs the `ldap` extra), OpenID Connect when
# OIDC_RP_CLIENT_ID is set. Unset (the embedded default): local passwords only. With either on,
# a local password signs in only break-glass users and superusers, and only while
# DIRECTORY_BREAK_GLASS allows it. Role maps are JSON: {"<group DN or claim value>": "<role>"}.
FIDUCIA_DIRECTORY = {
    "BREAK_GLASS": env.bool("DIRECTORY_BREAK_GLASS", default=True),
    # false: only people who already have a Fiducia user (made in admin) may sign in.
    "CREATE_USERS": env.bool("DIRECTORY_CREATE_USERS", default=True),
    "LDAP_ROLE_MAP": env.json("LDAP_ROLE_MAP", default={}),
    "LDAP_BRANCH_ATTRIBUTE": env("LDAP_BRANCH_ATTRIBUTE", default=""),
    "LDAP_TEAM_ATTRIBUTE": env("LDAP_TEAM_ATTRIBUTE", default=""),
    "OIDC_ROLE_MAP": env.json("OIDC_ROLE_MAP", default={}),
    "OIDC_USERNAME_CLAIM": env("OIDC_USERNAME_CLAIM", default="preferred_username"),
    "OIDC_ROLES_CLAIM": env("OIDC_ROLES_CLAIM", default="groups"),
    "OIDC_BRANCH_CLAIM": env("OIDC_BRANCH_CLAIM", default="branch"),
    "OIDC_TEAM_CLAIM": env("OIDC_TEAM_CLAIM", default="team"),
}
if env("LDAP_SERVER_URI", default=""):
    from crm.accounts.directory.ldap_config import ldap_settings

    vars().update(ldap_settings(env))
    AUTHENTICATION_BACKENDS.insert(1, "crm.accounts.directory.ldap.FiduciaLDAPBackend")
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
if OIDC_RP_CLIENT_ID:
    OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
    OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
    OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
    OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="")
    AUTHENTICATION_BACKENDS.insert(1, "crm.accounts.directory.oidc.FiduciaOIDCBackend")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc-callback"
OIDC_USE_PKCE = True  # a stolen authorisation code is useless without the verifier
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10)
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"  # mozilla-django-oidc, after a refused sign-in

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout (django-axes): 5 failures per username lock it for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Lock the account, not the address: branch staff share proxy addresses, so an IP lock would
# lock out a whole branch, and an account lock already stops guessing whatever the address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions end after 30 idle minutes and when the browser closes. They are read from the cache
# (and written through to the database) when CACHE_URL names a shared one; per-process memory
# would let a signed-out session live on in the other processes, so without it they stay in the
# database. A session is saved when its data changes, or by SessionActivityMiddleware when its
# last-activity stamp is older than a tenth of the idle timeout, not on every request: it then
# ends 27 to 30 minutes after the last request.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if _SHARED_CACHE
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# The language: the user's own choice (language menu) wins, then the browser's Accept-Language,
# then LANGUAGE_CODE. LANGUAGE_FROM_BROWSER=false skips the browser, so English browsers still
# get Chinese until the user picks English (crm/ui/language.py).
LANGUAGE_CODE = "zh-hans"
LANGUAGE_FROM_BROWSER = env.bool("LANGUAGE_FROM_BROWSER", default=True)
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from npm (package-lock.json) at install time; nothing is vendored.
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", _NODE / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", _NODE / "bootstrap-icons" / "font"),
    ("vendor/echarts", _NODE / "echarts" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Core-banking feed files (customers.records.feeds, docs/feeds.md): a folder under ./var by
# default; FEEDS_S3_BUCKET switches to an S3-compatible store (MinIO…) through django-storages,
# installed only where it is used (`pip install django-storages[s3]`).
FEEDS_ROOT = env("FEEDS_ROOT", default=str(VAR_DIR / "feeds"))
_FEEDS_S3_BUCKET = env("FEEDS_S3_BUCKET", default="")
_FEEDS_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _FEEDS_S3_BUCKET,
            "endpoint_url": env("FEEDS_S3_ENDPOINT_URL", default=None),
            "access_key": env("FEEDS_S3_ACCESS_KEY", default=None),
            "secret_key": env("FEEDS_S3_SECRET_KEY", default=None),
            "location": env("FEEDS_S3_PREFIX", default=""),
            "file_overwrite": False,
            "default_acl": None,
        },
    }
    if _FEEDS_S3_BUCKET
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": FEEDS_ROOT, "base_url": None},
    }
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "feeds": _FEEDS_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console in the embedded default; production points EMAIL_URL at its relay
# (docker-compose uses a local mail catcher). Tests use Django's locmem backend.
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Fiducia CRM <noreply@fiducia.invalid>")

# Celery: Redis when CELERY_BROKER_URL is set; otherwise kombu's file-system transport under
# ./var so the embedded default runs scheduled jobs with no broker server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        # kombu keeps its exchange bindings here; its default is ./control in the working dir.
        "control_folder": str(_queue_dir / "control"),
    }
# The longest hard time limit of any task (tiering.tasks.recalculate_tiers and the statement
# runs: 3720 s); tests/crm/test_celery_limits.py keeps it in step with the registered tasks.
CELERY_LONGEST_TASK_TIME_LIMIT = 3720
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # With acks_late a task's message goes back to the queue when its worker dies unacked: on
    # Redis, after the visibility timeout. Shorter than the longest hard limit, a long task still
    # running would be delivered a second time; much longer, a killed worker's task waits that
    # long. The hard limit plus a minute for the kill to land.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int(
            "CELERY_VISIBILITY_TIMEOUT", default=CELERY_LONGEST_TASK_TIME_LIMIT + 60
        ),
        # A broker that is down or frozen (no TCP reset) fails a command within seconds
        # instead of holding the process; the BRPOP of workers waits 1 s, well inside.
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2),
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=10),
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Web requests never publish (crm.core.outbox records their work; the relay publishes it).
# Whatever still publishes directly (beat, a task's retry) gives up after about a second and
# a half instead of Celery's default of three retries over seconds.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0.2,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Time limits for any task that does not set its own (every task of ours does, sized to its
# work): the soft limit raises SoftTimeLimitExceeded inside the task, the hard one kills the
# worker process. Both need the prefork pool; `--pool solo` (make run) cannot enforce them.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)

# Content Security Policy: everything is served by the app itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Container and load-balancer health probes speak plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Every handler masks identifier-like numbers and drops query strings (crm.log_filters): a
# search term may be an ID number. django.server (runserver's request lines) is redefined here
# because Django's default handler for it would bypass the filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"identifiers": {"()": "crm.log_filters.MaskIdentifiers"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["identifiers"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["identifiers"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Domain defaults (docs/domain-rules.md): configurable, never literals in code. Their one home:
# these FIDUCIA_<SECTION> dictionaries, read with crm.core.config.fiducia(section, key). A
# deployment that overrides a dictionary keeps the keys it does not change.
FIDUCIA = {
    "LIST_PAGE_SIZE": 50,
    "CAPPED_COUNT": 1000,
    "TIMELINE_PAGE_SIZE": 25,  # entries per page of the customer 360 timeline
    "DEMO_PASSWORD": env("DEMO_PASSWORD", default="Fiducia-demo-2026"),
}
FIDUCIA_TITLE = _("Fiducia CRM")
# Global search (crm.ui.search): hits per group in the top bar and on the results page, and per
# group on that group's own "more" page; the longest term accepted.
FIDUCIA_SEARCH = {
    "GROUP_LIMIT": 5,
    "GROUP_PAGE_LIMIT": 50,
    "MAX_LENGTH": 100,
}
# Risk-tolerance assessments (customers.records.validity holds the date arithmetic).
FIDUCIA_ASSESSMENTS = {
    "VALID_MONTHS": 12,  # the one definition of an assessment's validity
    "PER_DAY": 2,  # per customer
    "PER_YEAR": 8,  # per customer, in any 12 months
    "EXPIRING_DAYS": 30,  # "expiring soon" on lists and the customer page
}
# Follow-ups: days ahead of the event at which the task is created, reminders, e-mail.
FIDUCIA_FOLLOWUPS = {
    "MATURITY_DAYS": 7,
    "KYC_EXPIRY_DAYS": 30,
    "ID_EXPIRY_DAYS": 30,
    "BIRTHDAY_DAYS": 3,
    # Reminders go out this many days before the due date, on it, and the day after (overdue).
    "REMINDER_OFFSETS": (1, 0, -1),
    "EDIT_WINDOW_HOURS": 48,
    "EMAIL_MAX_RETRIES": 5,
    "EMAIL_RETRY_BASE_SECONDS": 60,
    # One SMTP session may block this long per operation; a row "sending" for longer than
    # EMAIL_SENDING_TIMEOUT_SECONDS was interrupted (crash) and is reported as unknown.
    "EMAIL_SMTP_TIMEOUT_SECONDS": 60,
    "EMAIL_SENDING_TIMEOUT_SECONDS": 900,
    # Database connections the sweep's task statements run on concurrently (PostgreSQL; one
    # INSERT … SELECT uses one core, so a backlog takes half the time on two).
    "SWEEP_WORKERS": 2,
}
# Sales: dormancy and reactivation.
FIDUCIA_SALES = {
    "DORMANT_MONTHS": 6,  # no contact and no transactions for this long → dormant
    "REACTIVATION_DAYS": 14,  # the reactivation follow-up is due this many days later
}
# Tiering: a live run still "running" this long after it started, and no longer locked by the
# process computing it, was abandoned by a killed worker: it is marked failed (audited) and the
# next run recomputes it.
FIDUCIA_TIERING = {
    "ABANDONED_RUN_MINUTES": 10,
}
# Periodic statements: institutions monthly, these VIP levels quarterly.
FIDUCIA_STATEMENTS = {
    "VIP_LEVELS": ("platinum", "diamond", "private"),
    "MATURITY_HORIZON_DAYS": 90,  # maturities shown on a statement: up to this far ahead
}
# Transactional outbox (crm.core.outbox): work recorded in the committing transaction and
# relayed to the broker by `manage.py relay_outbox`.
FIDUCIA_OUTBOX = {
    "BATCH_SIZE": 200,  # rows one relay transaction publishes
    "PUBLISH_TIMEOUT_SECONDS": 1,  # broker connect and socket timeouts of the relay
    "RELAY_INTERVAL_SECONDS": 1,  # the relay polls this often when there is nothing to do
    "RELAY_MAX_BACKOFF_SECONDS": 30,  # longest wait between tries while the broker refuses
    # A published message not done this long after was lost with a broker that died unsaved
    # (or its task failed): it is published again. Past the visibility timeout, a message the
    # broker still holds would have been delivered again anyway.
    "REDISPATCH_AFTER_SECONDS": env.int(
        "OUTBOX_REDISPATCH_AFTER_SECONDS", default=CELERY_LONGEST_TASK_TIME_LIMIT + 60
    ),
    "MAX_PUBLICATIONS": 5,  # then the row is failed: operators see it in admin
    "KEEP_DAYS": 7,  # done rows are purged after this many days
}
# Suitability (适当性): who may buy what.
# Uploaded CSV and XLSX files (crm.core.imports.read_rows): limits checked while the file is
# read, so a hostile file (a zip bomb, a million-row sheet) is refused early and cheaply.
# The integration API (crm.api, README "API clients").
FIDUCIA_API = {
    "TOKEN_DAYS": env.int("FIDUCIA_API_TOKEN_DAYS", default=365),  # 0 = never expires
    "RATE_PER_MINUTE": env.int("FIDUCIA_API_RATE_PER_MINUTE", default=600),  # per client
    "PAGE_SIZE": 500,  # rows per keyset page
    "MAX_PAGE_SIZE": 1000,
    # Rows changed this recently are held back from sync pages, so that a transaction that
    # stamped updated_at before a page was read but committed after it is not skipped.
    "SYNC_LAG_SECONDS": 2,
    "IDEMPOTENCY_KEEP_DAYS": 7,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["crm.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.permissions.HasScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fiducia integration API",
    "DESCRIPTION": "Customers, tiers, tasks, complaints and warnings to read; contacts and risk "
    "signals to write. Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 "
    "problem+json.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

FIDUCIA_IMPORTS = {
    "MAX_BYTES": 10 * 1024 * 1024,  # the uploaded file
    "CUSTOMER_MAX_ROWS": 20_000,  # data rows of one customer import
    "SIGNAL_MAX_ROWS": 200_000,  # data rows of one risk-signal file
    "MAX_COLUMNS": 100,  # the highest column index of any cell
    "MAX_CELL_CHARS": 5_000,  # one cell's text
    # XLSX (a zip of XML files): the shared-string table is read into memory whole, the sheet
    # is streamed; sizes are the members' uncompressed sizes.
    "MAX_SHARED_STRINGS_BYTES": 16 * 1024 * 1024,
    "MAX_UNCOMPRESSED_BYTES": 128 * 1024 * 1024,  # all members together
    "MAX_COMPRESSION_RATIO": 100,  # uncompressed ÷ compressed, for members above 1 MB
}

# Core-banking feeds (docs/feeds.md).
FIDUCIA_FEEDS = {
    # A feed with more than this share of bad rows (invalid, unknown customer or product) is held
    # for a person to release or reject; otherwise good rows load and bad rows are reported.
    "HOLD_BAD_SHARE": env.float("FEEDS_HOLD_BAD_SHARE", default=0.05),
    # After a month's aggregates (or a holdings snapshot) load, start the tier run for it at
    # once; otherwise the feed-run page offers it.
    "AUTO_TIER_RUN": env.bool("FEEDS_AUTO_TIER_RUN", default=False),
    "MAX_REPORTED_ERRORS": 5_000,  # bad rows kept for the error report (all are counted)
    "RETENTION_DAYS": env.int("FEEDS_RETENTION_DAYS", default=90),  # files kept in the inbox
    "CHUNK_ROWS": 50_000,  # rows staged between progress reports
    "SOURCE": "core",  # the source system a transaction reference is unique within
    # The largest file the integration API's feed upload takes (a reverse proxy in front must
    # allow at least as much); bigger files go through the inbox.
    "API_MAX_UPLOAD_MB": env.int("FEEDS_API_MAX_UPLOAD_MB", default=512),
}
FIDUCIA_SUITABILITY = {
    "SENIOR_AGE": 65,  # from this age a sale needs the customer's recorded confirmation
    # Qualified investor: 2 years' experience and household net financial assets ≥ 3M, or
    # financial assets ≥ 5M, or average annual income ≥ 400k in the last 3 years.
    "QI_EXPERIENCE_YEARS": 2,
    "QI_NET_HOUSEHOLD": Decimal("3000000"),
    "QI_FINANCIAL_ASSETS": Decimal("5000000"),
    "QI_ANNUAL_INCOME": Decimal("400000"),
}
