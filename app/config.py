"""Settings for OneWindow, read from the environment.

Defaults give the embedded set-up: SQLite under `instance/`, uploads under `instance/uploads`,
background jobs in an in-process worker pool. Setting `DATABASE_URL` and `REDIS_URL` moves to
PostgreSQL and Celery workers on Redis.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Config:
    """Production-like defaults for the embedded set-up."""

    SECRET_KEY = None  # finalise() loads or creates instance/secret_key
    SQLALCHEMY_DATABASE_URI = None  # finalise() defaults to instance/onewindow.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = None
    UPLOAD_DIR = None  # finalise() defaults to instance/uploads
    WORKFLOWS_DIR = str(PROJECT_ROOT / "workflows")
    FORMS_DIR = str(PROJECT_ROOT / "forms")
    MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    MAX_FILES_PER_SLOT = 5
    MAX_FILES_PER_APPLICATION = 30
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # per request; slightly above one upload
    MAX_PDF_PAGES = 50  # a longer PDF is refused at upload (its page count is checked)
    # Reading one uploaded file (preview + OCR review) runs in a bounded worker process:
    DOCUMENT_CPU_SECONDS = 60  # CPU time per file; over it the file is "too complex"
    DOCUMENT_WALL_SECONDS = 180  # wall-clock time per file, then the worker is killed
    # Address space of the worker while it reads the file. 1536 MB left ~1 GB for the file
    # itself; the second OCR reader's libraries (OpenCV, onnxruntime) map ~420 MB more once
    # loaded (little of it resident), so 2048 keeps that room for the file.
    DOCUMENT_MEMORY_MB = 2048
    JOB_WORKERS = 2
    # Files that ask for far more work than a real document, or come from an uploader with
    # many files already waiting, are read in their own "heavy" lane (own job threads and
    # document processes, lowest CPU priority) so that they never hold up anyone else:
    HEAVY_JOB_WORKERS = 1
    HEAVY_PDF_OBJECTS = 5000  # objects drawn by the pages a review reads (real pages: < 1,000)
    HEAVY_AFTER_PENDING_FILES = 4  # an uploader's files waiting for review before this one
    JOBS_INLINE = False  # tests may run jobs synchronously in the calling thread
    JOB_MAX_ATTEMPTS = 3
    JOB_LEASE_SECONDS = 60  # a running job's lease, renewed by its worker's heartbeat
    JOB_RETRY_DELAY_SECONDS = 2
    # A queued job not picked up this long after it was handed to the runner counts as lost
    # (broker restart, failed send) and the scheduler's tick, every SCHEDULER_INTERVAL_SECONDS,
    # sends it again: a lost job waits at most about the sum of the two.
    JOB_PICKUP_SECONDS = 10
    # Finished job rows are deleted by the scheduler after this many days (done) and after
    # JOB_KEEP_FAILED_DAYS (failed: an incident may point at one): app/jobs/housekeeping.py.
    JOB_KEEP_DAYS = 30
    JOB_KEEP_FAILED_DAYS = 365
    SCHEDULER_INTERVAL_SECONDS = 5
    START_SCHEDULER = False
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_SECONDS = 300
    # Per client address: this many failed log-ins (or registrations of a number that has an
    # account) per window, then refused until the window ends.
    LOGIN_IP_MAX_FAILURES = 30
    LOGIN_IP_WINDOW_SECONDS = 900
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host; their
    # headers are believed only then (the client's address is what log-in throttling counts).
    TRUSTED_PROXIES = 0
    # The public progress lookup (case number + query code): this many lookups that found
    # nothing per client address per window, then refused until the window ends.
    LOOKUP_MAX_FAILURES = 10
    LOOKUP_WINDOW_SECONDS = 900
    # Reference data is kept this long in each process (app.uow.per_process): the public
    # service list, task forms, the holiday calendar, departments by code, active webhook
    # subscriptions. An edit shows at once in the process that made it, in the others within
    # this time; 0: read them in every transaction.
    CATALOGUE_CACHE_SECONDS = 5
    # Written notices (PDF): a CJK TrueType font (.ttf/.ttc); by default the Debian fonts
    # fonts-wqy-zenhei installs (see app/services/notice_documents.py).
    NOTICE_FONT = None
    BABEL_DEFAULT_LOCALE = "zh"
    LANGUAGES = ("zh", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "app" / "translations")
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = False  # finalise() turns both on when PUBLIC_URL is https
    REMEMBER_COOKIE_SECURE = False
    ML_ENGINE = "tesseract"
    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    TESTING = False
    # Notifications beyond the in-app inbox: one module per channel in app/services/channels/,
    # each choosing its backend by one setting. SMS `log` (writes the app log and a delivery
    # record: demos), `http` (POST JSON to a government SMS gateway) or `off`; e-mail `log`,
    # `smtp` or `off`. channels.check_registry refuses other values. Secrets come from the
    # environment.
    PUBLIC_URL = None  # e.g. https://onewindow.example.gov.cn: makes links in SMS/e-mail absolute
    SMS_BACKEND = "log"
    SMS_HTTP_URL = None
    SMS_HTTP_TOKEN = None
    SMS_HTTP_TIMEOUT = 5.0
    SMS_SIGN = "一网通办"
    MAIL_BACKEND = "log"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the first byte (port 465)
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_SENDER = "OneWindow <noreply@localhost>"
    MAIL_TIMEOUT = 10.0
    DELIVERY_RETRY_DELAY_SECONDS = 2.0  # a failed send waits attempt × this before retrying
    # E-certificates are signed (PAdES) with the agency's key and certificate, issued by the
    # CA certificate signatures are checked against (PEM files). Unset: SIGNING_DIR (default
    # instance/signing), where `flask certificates init-ca` puts a demo CA. The key's
    # passphrase comes from the environment only.
    SIGNING_DIR = None
    SIGNING_KEY_FILE = None
    SIGNING_CERT_FILE = None
    SIGNING_CA_FILE = None
    SIGNING_KEY_PASSPHRASE = None
    SIGNING_LOCATION = None  # printed in the signature, e.g. 上海市浦东新区
    CERTIFICATE_FONT = None  # a CJK .ttf/.ttc with TrueType outlines; default: Debian's
    # The API for other systems (/api/v1): calls per token, and per client address whatever
    # the token (Flask-Limiter notation); counted in memory, or in Redis with REDIS_URL.
    API_RATE_LIMIT = "120/minute"
    API_ADDRESS_RATE_LIMIT = "600/minute"
    API_TITLE = "OneWindow API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    # Webhooks: a failed POST is retried (JOB_MAX_ATTEMPTS in all) after base × 2^(n-2) s.
    WEBHOOK_RETRY_BASE_SECONDS = 2.0
    WEBHOOK_TIMEOUT_SECONDS = 10.0
    # Where a webhook may never be sent (server-side request forgery): this server itself,
    # link-local addresses (cloud metadata at 169.254.169.254), "this network", multicast.
    # Private networks stay allowed: the government systems that subscribe live on intranets.
    # Comma-separated in the environment (WEBHOOK_BLOCKED_NETWORKS).
    # Operations (app/blueprints/ops.py): /metrics answers a scraper holding this bearer
    # token, and does not exist without one; /readyz gives each check this long.
    METRICS_TOKEN = None
    READY_CHECK_TIMEOUT_SECONDS = 2.0
    # PostgreSQL: seconds to wait for a new connection's server to answer (libpq's
    # connect_timeout; at least 2).
    DB_CONNECT_TIMEOUT_SECONDS = 10
    # Seconds a request waits for a free connection of its process's pool before it gets the
    # "server busy" page (503); DB_POOL_SIZE connections are kept, DB_POOL_OVERFLOW more
    # opened at a peak (a gunicorn worker's threads and a Celery worker's processes each use
    # at most one at a time).
    DB_POOL_TIMEOUT_SECONDS = 10.0
    DB_POOL_SIZE = 5
    DB_POOL_OVERFLOW = 10
    # Redis (the job broker, the API's rate-limit counters): seconds to connect or to wait
    # for an answer before a send counts as failed.
    REDIS_TIMEOUT_SECONDS = 5.0
    WEBHOOK_BLOCKED_NETWORKS = (
        "127.0.0.0/8,::1/128,169.254.0.0/16,fe80::/10,0.0.0.0/8,::/128,224.0.0.0/4,ff00::/8,"
        "100.100.100.200/32"
    )


class DevelopmentConfig(Config):
    """`make run`: embedded database, in-process jobs and scheduler."""

    START_SCHEDULER = True


class TestConfig(Config):
    """Test runs: CSRF stays on (tests post real tokens), small limits, fast hashing."""

    TESTING = True
    MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    MAX_CONTENT_LENGTH = 3 * 1024 * 1024
    LOGIN_MAX_FAILURES = 3
    LOGIN_IP_MAX_FAILURES = 12
    ARGON2_FAST = True
    # Tests change reference data in many ways (emptied tables between tests): it is read in
    # every transaction, except in the tests of what is kept (and the statement budget).
    CATALOGUE_CACHE_SECONDS = 0
    DELIVERY_RETRY_DELAY_SECONDS = 0.0
    WEBHOOK_RETRY_BASE_SECONDS = 0.05
    # the tests' receivers listen on loopback; everything else stays refused
    WEBHOOK_BLOCKED_NETWORKS = "169.254.0.0/16,fe80::/10,0.0.0.0/8,224.0.0.0/4,ff00::/8"


CONFIGS = {
    "default": DevelopmentConfig,
    "development": DevelopmentConfig,
    "production": Config,
    "testing": TestConfig,
}


def resolve(config):
    """Return a config class from a name, a class or None (uses $ONEWINDOW_CONFIG)."""
    if config is None:
        config = os.environ.get("ONEWINDOW_CONFIG", "default")
    if isinstance(config, str):
        return CONFIGS[config]
    return config


def from_environment() -> dict:
    """Settings given in the environment override the config class."""
    env = os.environ
    out: dict = {}
    if env.get("DATABASE_URL"):
        url = env["DATABASE_URL"]
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        out["SQLALCHEMY_DATABASE_URI"] = url
    for key in (
        "REDIS_URL",
        "SECRET_KEY",
        "UPLOAD_DIR",
        "ML_ENGINE",
        "CELERY_QUEUE",
        "PUBLIC_URL",
        "SMS_BACKEND",
        "SMS_HTTP_URL",
        "SMS_HTTP_TOKEN",
        "SMS_SIGN",
        "MAIL_BACKEND",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_SENDER",
        "NOTICE_FONT",
        "SIGNING_DIR",
        "SIGNING_KEY_FILE",
        "SIGNING_CERT_FILE",
        "SIGNING_CA_FILE",
        "SIGNING_KEY_PASSPHRASE",
        "SIGNING_LOCATION",
        "CERTIFICATE_FONT",
        "API_RATE_LIMIT",
        "API_ADDRESS_RATE_LIMIT",
        "WEBHOOK_BLOCKED_NETWORKS",
        "METRICS_TOKEN",
    ):
        if env.get(key):
            out[key] = env[key]
    for key in (
        "MAX_UPLOAD_BYTES",
        "MAX_FILES_PER_SLOT",
        "MAX_FILES_PER_APPLICATION",
        "MAX_PDF_PAGES",
        "DOCUMENT_CPU_SECONDS",
        "DOCUMENT_WALL_SECONDS",
        "DOCUMENT_MEMORY_MB",
        "JOB_WORKERS",
        "HEAVY_JOB_WORKERS",
        "HEAVY_PDF_OBJECTS",
        "HEAVY_AFTER_PENDING_FILES",
        "JOB_LEASE_SECONDS",
        "JOB_MAX_ATTEMPTS",
        "JOB_KEEP_DAYS",
        "JOB_KEEP_FAILED_DAYS",
        "LOGIN_MAX_FAILURES",
        "LOGIN_LOCK_SECONDS",
        "LOGIN_IP_MAX_FAILURES",
        "LOGIN_IP_WINDOW_SECONDS",
        "TRUSTED_PROXIES",
        "LOOKUP_MAX_FAILURES",
        "LOOKUP_WINDOW_SECONDS",
        "CATALOGUE_CACHE_SECONDS",
        "MAIL_PORT",
        "DB_CONNECT_TIMEOUT_SECONDS",
        "DB_POOL_SIZE",
        "DB_POOL_OVERFLOW",
    ):
        if env.get(key):
            out[key] = int(env[key])
    for key in (
        "SMS_HTTP_TIMEOUT",
        "MAIL_TIMEOUT",
        "DELIVERY_RETRY_DELAY_SECONDS",
        "JOB_PICKUP_SECONDS",
        "SCHEDULER_INTERVAL_SECONDS",
        "READY_CHECK_TIMEOUT_SECONDS",
        "REDIS_TIMEOUT_SECONDS",
        "DB_POOL_TIMEOUT_SECONDS",
        "WEBHOOK_RETRY_BASE_SECONDS",
        "WEBHOOK_TIMEOUT_SECONDS",
    ):
        if env.get(key):
            out[key] = float(env[key])
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if env.get(key):
            out[key] = env[key].strip().lower() in ("1", "true", "yes", "on")
    return out


def finalise(app) -> None:
    """Fill defaults that depend on the instance folder."""
    inst = Path(app.instance_path)
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{inst / 'onewindow.sqlite3'}"
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    pool = {  # an in-memory SQLite database has one connection per thread and no pool to size
        "pool_size": cfg["DB_POOL_SIZE"],
        "max_overflow": cfg["DB_POOL_OVERFLOW"],
        "pool_timeout": cfg["DB_POOL_TIMEOUT_SECONDS"],
    }
    if uri.startswith("sqlite"):
        in_memory = make_url(uri).database in (None, "", ":memory:")
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30},
            **({} if in_memory else pool),
        }
    else:  # a server restart or a cut connection: test pooled connections before use
        options = cfg["SQLALCHEMY_ENGINE_OPTIONS"]
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **pool,
            **options,
            "pool_pre_ping": True,
            # a server that takes the connection and never answers (hung, or a firewall that
            # drops its packets) fails the request after this long instead of holding it
            "connect_args": {
                "connect_timeout": cfg["DB_CONNECT_TIMEOUT_SECONDS"],
                **options.get("connect_args", {}),
            },
        }
    if not cfg.get("UPLOAD_DIR"):
        cfg["UPLOAD_DIR"] = str(inst / "uploads")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(inst)
    if (cfg.get("PUBLIC_URL") or "").lower().startswith("https://"):
        cfg["SESSION_COOKIE_SECURE"] = cfg["REMEMBER_COOKIE_SECURE"] = True
    # API rate limits are counted where the job queue is: Redis when there is one.
    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg.get("REDIS_URL") or "memory://")
    if cfg["RATELIMIT_STORAGE_URI"].startswith("redis"):
        timeout = cfg["REDIS_TIMEOUT_SECONDS"]
        cfg.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_timeout": timeout, "socket_connect_timeout": timeout},
        )
    cfg["MAX_CONTENT_LENGTH"] = max(cfg["MAX_CONTENT_LENGTH"], cfg["MAX_UPLOAD_BYTES"] + 512 * 1024)


def _instance_secret(inst: Path) -> str:
    """A random secret kept in the instance folder, created on first start."""
    path = inst / "secret_key"
    inst.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
