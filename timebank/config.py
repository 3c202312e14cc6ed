"""Settings, read from environment variables (names and defaults as SPEC.md section 5 gives)."""

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-shaped defaults; every value can be overridden from the environment."""

    def __init__(self, instance_path: str):
        default_db = "sqlite:///" + str(Path(instance_path) / "timebank.sqlite3")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", default_db)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        # Extra keys accepted when verifying signatures (comma separated), for key rotation.
        self.SECRET_KEY_FALLBACKS = [
            k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k
        ]

        self.SMTP_HOST = os.environ.get("SMTP_HOST", "")
        self.SMTP_PORT = _int("SMTP_PORT", 25)
        self.SMTP_USER = os.environ.get("SMTP_USER", "")
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
        self.SMTP_FROM = os.environ.get("SMTP_FROM", "timebank@localhost")
        #: Seconds to wait for the mail server before a delivery attempt counts as failed.
        self.SMTP_TIMEOUT_S = _int("SMTP_TIMEOUT_S", 10)
        #: Import path ("module:attribute") of the SMS gateway factory; the default only logs.
        self.SMS_GATEWAY = os.environ.get(
            "SMS_GATEWAY", "timebank.notifications.channels:LoggingSmsGateway"
        )
        #: The shared secret the SMS gateway signs inbound posts with (hex HMAC-SHA256 of the
        #: body in X-Signature, SPEC 9). Empty: every inbound post is refused (401).
        self.SMS_INBOUND_SECRET = os.environ.get("SMS_INBOUND_SECRET", "")
        #: The address members open the site at (e.g. https://timebank.example.cn): links in
        #: e-mails and SMS start with it. Empty: messages carry no link.
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
        #: Delivery attempts per outbox message before it is marked failed, and the first
        #: retry delay (doubling after every failure: 1, 2, 4, 8, 16 minutes by default).
        self.OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 6)
        self.OUTBOX_BACKOFF_S = _int("OUTBOX_BACKOFF_S", 60)

        self.TIMEBANK_SCHEDULER = os.environ.get("TIMEBANK_SCHEDULER", "inline")
        self.QR_ROTATE_S = _int("QR_ROTATE_S", 30)
        self.SCAN_DUPLICATE_S = _int("SCAN_DUPLICATE_S", 60)
        self.GRACE_BEFORE_MIN = _int("GRACE_BEFORE_MIN", 15)
        self.GRACE_AFTER_MIN = _int("GRACE_AFTER_MIN", 30)
        self.CANCEL_CUTOFF_MIN = _int("CANCEL_CUTOFF_MIN", 120)
        self.MAX_DAILY_MIN = _int("MAX_DAILY_MIN", 720)
        self.CALLOUT_TICK_S = _int("CALLOUT_TICK_S", 15)
        self.CALLOUT_MIN_RESPONSE_S = _int("CALLOUT_MIN_RESPONSE_S", 60)
        self.WAVE_FACTOR = _float("WAVE_FACTOR", 1.5)
        #: The dispatch platform (SPEC 6): deadline tick, hours a reporter has to rate a
        #: handled event before it closes unrated, and the most minutes one event credits.
        self.EVENT_TICK_S = _int("EVENT_TICK_S", 30)
        self.EVENT_FEEDBACK_H = _int("EVENT_FEEDBACK_H", 72)
        self.EVENT_MAX_CREDIT_MIN = _int("EVENT_MAX_CREDIT_MIN", 240)
        #: Certificates (SPEC 8): the Ed25519 signing key (32 bytes, base64; empty: derived
        #: from SECRET_KEY), the yearly cap of minutes a member may give to family, and
        #: how many verify look-ups one address may make.
        self.CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
        self.TRANSFER_MAX_MIN_YEAR = _int("TRANSFER_MAX_MIN_YEAR", 1200)
        self.VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
        #: Where event photos are stored (a volume several hosts may share).
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(Path(instance_path) / "uploads"))

        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True

        #: werkzeug's password hash method. Not read from the environment: production keeps
        #: scrypt; only TestConfig names a cheap one.
        self.PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  # nosec B105 - a method name

        #: Lifetime of an API bearer token.
        self.API_TOKEN_TTL_DAYS = _int("API_TOKEN_TTL_DAYS", 30)
        #: /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; empty: always 404.
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
        #: Proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host are
        #: trusted, so rate limits key on the real client and HSTS sees TLS; 0 (off) when
        #: clients reach gunicorn directly, since anyone can send those headers.
        self.PROXY_FIX = _int("PROXY_FIX", 0)

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        #: Secure cookies (sent over HTTPS only): set true behind TLS; the remember-me
        #: cookie follows.
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_DURATION = _int("REMEMBER_COOKIE_DAYS", 30) * 86400

        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.LANGUAGES = {"zh_CN": "中文", "en": "English"}
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_CONTENT_LENGTH = 8 * 1024 * 1024

        # flask-smorest: the OpenAPI document lives under the API prefix.
        self.API_TITLE = "Nansha Party Member Time Bank API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"


class TestConfig(Config):
    """Settings for the test suite: a throwaway database, CSRF off, and rate limits set up
    but switched off (tests/conftest.py; the `rate_limits` fixture switches them on)."""

    TESTING = True

    def __init__(self, instance_path: str, database_url: str):
        super().__init__(instance_path)
        self.TESTING = True
        self.SQLALCHEMY_DATABASE_URI = database_url
        # A fixed key for tests only.
        self.SECRET_KEY = "test-secret-key"  # noqa: S105  # nosec B105
        self.SMS_INBOUND_SECRET = "test-sms-secret"  # noqa: S105  # nosec B105
        self.WTF_CSRF_ENABLED = False
        # Initialised (hooks registered, in-memory counters), then switched off by the test
        # suite's app fixture: Flask-Limiter cannot be set up after the first request.
        self.RATELIMIT_ENABLED = True
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.TIMEBANK_SCHEDULER = "off"
        self.SERVER_NAME = None
        # One PBKDF2 round instead of scrypt: every test sign-in and new member hashes or
        # checks a password, and scrypt's cost (tens of ms each) bought the tests nothing.
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"  # noqa: S105  # nosec B105
