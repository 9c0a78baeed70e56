"""Configuration from the environment, with safe defaults for a LAN install.

`TANA_CONFIG` picks the profile: `development` (default, what `make run` uses on a LAN:
plain HTTP, cookies without the Secure flag) or `production` (Secure cookies, and it refuses
to start with a login throttle that counts in each process alone). Either way the throttle
counts in the database by default, so every gunicorn worker and every app server sees the
same counts; Redis (`RATELIMIT_STORAGE_URI=redis://…`) is optional.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the URL forms people paste (postgres://, postgresql://) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def instance_path() -> Path:
    return Path(os.environ.get("TANA_INSTANCE_PATH") or ROOT / "instance").resolve()


def shared_secret_key(folder: Path) -> str:
    """The key every worker shares when SECRET_KEY is not set.

    Created once, atomically: the key is written to a private temporary file and
    hard-linked into place, so a second worker racing the first either wins the link
    or reads the complete file, never an empty one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        tmp = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def count_intervals(text: str | None, default: dict[str, int]) -> dict[str, int]:
    """`A=30,B=90,C=180` → {"A": 30, "B": 90, "C": 180}; classes not named keep their default."""
    intervals = dict(default)
    for part in (text or "").split(","):
        name, _, days = part.partition("=")
        name = name.strip().upper()
        if name in intervals and days.strip().isdigit() and int(days) > 0:
            intervals[name] = int(days)
    return intervals


class Config:
    NAME = "development"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "tana_session"
    PERMANENT_SESSION_LIFETIME = 12 * 3600  # one long shift
    LOGIN_SESSION_MAX_AGE = 7 * 24 * 3600  # a login ends a week after it started, however active
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a shift is long; the token lives as long as the session
    WTF_CSRF_SSL_STRICT = False  # referrer check would break plain-HTTP LAN installs
    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "text/javascript", "application/javascript",
        "application/json", "image/svg+xml", "application/wasm",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_LEVEL = 6
    COMPRESS_BR_LEVEL = 5
    COMPRESS_MIN_SIZE = 500
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = "5 per 5 minutes"
    LOGIN_FAILURES_PER_ADDRESS = "30 per 5 minutes"
    LOGIN_FAILURES_PER_ACCOUNT = "10 per hour"  # from every address together; then locks (app.auth.throttle)
    LOGIN_LOCK_SECONDS = (30, 600)  # the first lock of a login, and the longest
    LOGIN_LOCKS_REMEMBERED = 24 * 3600
    THROTTLE_MUST_BE_SHARED = False
    PROXY_COUNT = 0
    SQLITE_SYNCHRONOUS = "FULL"
    # 棚卸し: days between two counts of a shelf, by the ABC class of what it holds (pick velocity of the
    # last 90 days); COUNT_INTERVAL_DAYS="A=30,B=90,C=180" in the environment changes them
    COUNT_INTERVAL_DAYS = {"A": 30, "B": 90, "C": 180}
    # Reorder suggestions (seed 004): daily demand averaged over REORDER_DEMAND_DAYS; the reorder point is
    # demand × lead time + safety stock; an order fills up to that plus REORDER_COVER_DAYS of demand
    REORDER_DEMAND_DAYS = 28
    REORDER_COVER_DAYS = 30
    DEFAULT_LEAD_TIME_DAYS = 7  # for products whose lead time is not set
    PHOTO_SLOT_WAIT = 0.1  # seconds a photo waits for a decode slot before it is answered "busy" (a waiting
    # worker is as lost to typed scans as a decoding one; the floor page sends a busy photo again by itself)

    def __init__(self) -> None:
        self.INSTANCE_PATH = str(instance_path())
        default_db = f"sqlite:///{Path(self.INSTANCE_PATH) / 'tana.db'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL") or default_db)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or shared_secret_key(Path(self.INSTANCE_PATH))
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", self.secure_cookies_default())
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or self.ratelimit_default()
        self.PROXY_COUNT = int(os.environ.get("PROXY_COUNT", self.PROXY_COUNT))
        self.SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", self.SQLITE_SYNCHRONOUS)
        # one photo decoded at a time per two CPUs (app.floor.photo_slots): the other CPU stays for scans
        self.COUNT_INTERVAL_DAYS = count_intervals(os.environ.get("COUNT_INTERVAL_DAYS"), self.COUNT_INTERVAL_DAYS)
        self.PHOTO_DECODES_AT_ONCE = int(os.environ.get("PHOTO_DECODES_AT_ONCE") or max(1, (os.cpu_count() or 2) // 2))

    def secure_cookies_default(self) -> bool:
        return False

    def ratelimit_default(self) -> str:
        return os.environ.get("REDIS_URL") or "database://"


class ProductionConfig(Config):
    NAME = "production"
    THROTTLE_MUST_BE_SHARED = True
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}

    def secure_cookies_default(self) -> bool:
        return True


class TestConfig(Config):
    NAME = "test"
    TESTING = True
    WTF_CSRF_ENABLED = True
    SQLITE_SYNCHRONOUS = "OFF"


CONFIGS = {"development": Config, "production": ProductionConfig, "test": TestConfig}


def load_config(name: str | None = None) -> Config:
    name = name or os.environ.get("TANA_CONFIG") or "development"
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"TANA_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}") from None
