"""Settings for AIchor Portal, read from the environment through django-environ.

Every variable is listed with its default in the README's configuration table.
"""

from django.core.exceptions import ImproperlyConfigured

from aichor_portal.env import BASE_DIR, load_env

env = load_env()

SANDBOX = "sandbox"
LIVE = "live"

AICHOR_CLOUD_MODE = env.str("AICHOR_CLOUD_MODE", default=SANDBOX)
if AICHOR_CLOUD_MODE not in (SANDBOX, LIVE):
    raise ImproperlyConfigured(
        f"AICHOR_CLOUD_MODE={AICHOR_CLOUD_MODE!r} is invalid: use 'sandbox' (local stand-in "
        "clouds) or 'live' (real cloud endpoints)."
    )
IS_LIVE = AICHOR_CLOUD_MODE == LIVE

# Secrets that live mode never generates: a missing one stops the start-up.
REQUIRED_LIVE_SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "ALLOWED_HOSTS")
if IS_LIVE:
    missing = [name for name in REQUIRED_LIVE_SECRETS if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            f"Missing required setting(s) for live mode: {', '.join(missing)}. Set them in the "
            "environment (see the README's configuration table); live mode generates no keys."
        )

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=not IS_LIVE)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_q",
    "encrypted_model_fields",
    "aichor_portal.apps.PortalConfig",
    "organisations",
    "audit",
    "engines",
    "projects",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aichor_portal.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "aichor_portal.urls"
WSGI_APPLICATION = "aichor_portal.wsgi.application"

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
                "aichor_portal.context_processors.portal",
            ],
        },
    },
]

VAR_DIR = BASE_DIR / "var"
# Local state (SQLite files, the sandbox state file) lives here; git ignores it.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Workers and the web server write at the same time: wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Secrets vault: the dedicated database of secrets_vault and its router. ---
# Only secrets_vault reads or writes the `vault` alias, so that it can have its own credentials,
# backups and access controls. By default it is a SQLite file next to the main SQLite file
# (var/vault.sqlite3), or in VAR_DIR when the main database is not a SQLite file.
INSTALLED_APPS += ["secrets_vault"]
_main_database = DATABASES["default"]
if _main_database["ENGINE"] == "django.db.backends.sqlite3" and str(_main_database["NAME"]) not in ("", ":memory:"):
    _vault_directory = (BASE_DIR / str(_main_database["NAME"])).parent
else:
    _vault_directory = VAR_DIR
DATABASES["vault"] = env.db("VAULT_DATABASE_URL", default=f"sqlite:///{_vault_directory / 'vault.sqlite3'}")
if DATABASES["vault"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same locking behaviour as the main SQLite file.
    DATABASES["vault"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASE_ROUTERS = ["secrets_vault.routers.VaultRouter"]
# --- End of the secrets vault database block. ---

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Username and password login, for the sandbox and for break-glass access.
AICHOR_LOCAL_LOGIN = env.bool("AICHOR_LOCAL_LOGIN", default=not IS_LIVE)

# Auth0 single sign-on (social-auth-app-django), invitations and the emails that carry them.
# social-auth reads the SOCIAL_AUTH_AUTH0_* names, and the portal's own code reads them too.
INSTALLED_APPS += ["social_django"]
MIDDLEWARE += ["aichor_portal.auth_errors.Auth0ErrorMiddleware"]
AUTHENTICATION_BACKENDS = [
    "social_core.backends.auth0.Auth0OAuth2",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH0_DOMAIN = env.str("AUTH0_DOMAIN", default="")
AUTH0_CLIENT_ID = env.str("AUTH0_CLIENT_ID", default="")
AUTH0_CLIENT_SECRET = env.str("AUTH0_CLIENT_SECRET", default="")
SOCIAL_AUTH_AUTH0_DOMAIN = AUTH0_DOMAIN
SOCIAL_AUTH_AUTH0_KEY = AUTH0_CLIENT_ID
SOCIAL_AUTH_AUTH0_SECRET = AUTH0_CLIENT_SECRET
SOCIAL_AUTH_URL_NAMESPACE = "social"
# Paths, not URL names: social-auth only follows values that look like URLs.
SOCIAL_AUTH_LOGIN_URL = "/login/"
SOCIAL_AUTH_LOGIN_ERROR_URL = "/login/"
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/"
# A failed sign-in goes back to the login page with a message, with DEBUG on or off.
SOCIAL_AUTH_RAISE_EXCEPTIONS = False
# The callback URL Auth0 redirects to uses https: behind a TLS-terminating proxy the request
# itself looks like plain http unless SECURE_PROXY_SSL_HEADER is trusted (live mode sets it).
SOCIAL_AUTH_REDIRECT_IS_HTTPS = env.bool("SOCIAL_AUTH_REDIRECT_IS_HTTPS", default=IS_LIVE)
SOCIAL_AUTH_USERNAME_IS_FULL_EMAIL = True
SOCIAL_AUTH_FORCE_EMAIL_LOWERCASE = True
SOCIAL_AUTH_PIPELINE = [
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_names",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "aichor_portal.auth_pipeline.require_verified_email",
    "aichor_portal.auth_pipeline.reject_other_signed_in_user",
    "social_core.pipeline.social_auth.social_user",
    "aichor_portal.auth_pipeline.match_user_by_verified_email",
    "aichor_portal.auth_pipeline.find_invitations",
    "social_core.pipeline.user.get_username",
    "aichor_portal.auth_pipeline.admit_user",
    "social_core.pipeline.social_auth.associate_user",
    # `load_extra_data` is left out on purpose: the portal never calls Auth0's APIs, so it
    # stores no Auth0 access token.
    "social_core.pipeline.user.user_details",
]
# The portal's public base URL, for links in emails. When empty, links use the request's host.
# The sandbox default is the address that `make run` serves.
AICHOR_PORTAL_URL = env.str("AICHOR_PORTAL_URL", default="" if IS_LIVE else "http://127.0.0.1:8000").rstrip("/")
# Return URLs that Auth0's logout may send the browser back to. Auth0 requires the same URLs in
# the application's "Allowed Logout URLs". With none, Auth0 uses the first URL of its own list.
AUTH0_LOGOUT_RETURN_URLS = env.list(
    "AUTH0_LOGOUT_RETURN_URLS", default=[f"{AICHOR_PORTAL_URL}/login/"] if AICHOR_PORTAL_URL else []
)
# Invitation emails go through Django's email backend: the console in the sandbox.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AIchor Portal <noreply@localhost>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_LIVE
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Keys for encrypted model fields: comma separated, the first one encrypts.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY")

# The clouds.
AICHOR_AWS_PARTITION = env.str("AICHOR_AWS_PARTITION", default="aws")
AICHOR_AWS_PRINCIPAL_ARN = env.str(
    "AICHOR_AWS_PRINCIPAL_ARN",
    default="" if IS_LIVE else "arn:aws:iam::123456789012:user/aichor-portal",
)
AICHOR_AWS_DEFAULT_REGION = env.str("AICHOR_AWS_DEFAULT_REGION", default="eu-west-1")
# Hostnames that an imported engine's cluster must reach, besides AUTH0_DOMAIN and the host of
# AICHOR_PORTAL_URL. The defaults are AIchor's Auth0 tenants and its domain; a "*." entry is
# listed for the administrator's allow-list but is not probed.
AICHOR_EGRESS_HOSTNAMES = env.list(
    "AICHOR_EGRESS_HOSTNAMES", default=["instadeep-infra.eu.auth0.com", "ichorai.eu.auth0.com", "*.aichor.ai"]
)
# The image of the egress probe Job that the import checks run in the cluster: it needs `sh` and `nc`.
AICHOR_EGRESS_PROBE_IMAGE = env.str("AICHOR_EGRESS_PROBE_IMAGE", default="public.ecr.aws/docker/library/busybox:1.37")

# The sandbox: local stand-ins for the clouds, never used in live mode.
AICHOR_SANDBOX_AWS_PORT = env.int("AICHOR_SANDBOX_AWS_PORT", default=5055)
AICHOR_SANDBOX_KUBE_PORT = env.int("AICHOR_SANDBOX_KUBE_PORT", default=5056)
AICHOR_SANDBOX_STATE_FILE = env.path("AICHOR_SANDBOX_STATE_FILE", default=VAR_DIR / "sandbox.json")

# Background tasks: django-q2 on the ORM broker, or on Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "aichor",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=300),
    "retry": env.int("Q_RETRY", default=600),
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# Production hardening: on in live mode, behind a TLS-terminating proxy.
if IS_LIVE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the backend over plain http: a redirect would mark it unhealthy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # SDK wire logs can carry request signatures and credentials.
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "werkzeug": {"level": "WARNING"},
    },
}

# --- Secrets vault: leak guards on logs and error reports. ---
# Every handler passes records through the redaction filter. Django's own default handlers are
# declared again here with the filter: otherwise the `django` and `django.server` loggers keep
# handlers from Django's built-in configuration that bypass it.
DEFAULT_EXCEPTION_REPORTER_FILTER = "aichor_portal.error_reports.SecretSafeExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "aichor_portal.error_reports.SecretSafeExceptionReporter"
LOGGING.setdefault("filters", {}).update(
    {
        "redact_secrets": {"()": "aichor_portal.logging_filters.RedactSecretsFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    }
)
LOGGING["formatters"].setdefault(
    "django.server", {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
)
LOGGING["handlers"].setdefault(
    "mail_admins",
    {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR", "filters": ["require_debug_false"]},
)
LOGGING["handlers"].setdefault("django.server", {"class": "logging.StreamHandler", "formatter": "django.server"})
LOGGING["loggers"].setdefault("django", {"handlers": ["mail_admins"], "level": "INFO"})
LOGGING["loggers"].setdefault("django.server", {"handlers": ["django.server"], "level": "INFO", "propagate": False})
# Cloud SDKs log request headers and bodies at DEBUG (and Azure's at INFO): keep them at WARNING
# even when the root logger is at DEBUG.
for _sdk_logger in ("botocore", "boto3", "s3transfer", "urllib3", "kubernetes", "azure", "google", "google_auth_httplib2", "msal"):
    LOGGING["loggers"].setdefault(_sdk_logger, {"level": "WARNING"})
for _handler in LOGGING["handlers"].values():
    if "redact_secrets" not in _handler.get("filters", []):
        _handler["filters"] = [*_handler.get("filters", []), "redact_secrets"]
# --- End of the leak guards block. ---
