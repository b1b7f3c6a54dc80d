"""Every setting of the service, read once from ``AVATAR_*`` variables (and ``.env``) into one typed object."""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from avatar_creator.errors import ConfigurationError

RATE_LIMIT_NAMES = ("login", "login_failures", "register", "generate", "upload", "client_logs", "password_reset",
                    "password_reset_email", "api_token")
# What the prompt builder (providers/prompts.py) appends to every prompt and negative prompt unless set otherwise.
DEFAULT_QUALITY_TERMS = ("head and shoulders portrait, looking at the camera, detailed face, soft studio lighting, "
                         "sharp focus, high quality")
DEFAULT_NEGATIVE_TERMS = ("blurry, low quality, lowres, deformed, disfigured, bad anatomy, extra limbs, extra fingers, "
                          "cropped head, watermark, text, signature")


class Settings(BaseSettings):
    """Typed settings; a bad value stops start-up with one clear line (see ``load_settings``)."""

    model_config = SettingsConfigDict(env_prefix="AVATAR_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str = ""  # empty: a SQLite file in data_dir
    redis_url: str | None = None
    redis_prefix: str = "avatar"  # every Redis key and channel starts with this, so deployments can share a server
    secret_key: str = ""  # empty: generated once and kept in data_dir/secret_key
    public_url: str | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Addresses or networks of the reverse proxies whose X-Forwarded-For names the client; none: the peer is the client
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    metrics: Literal["on", "off"] = "off"  # GET /metrics for Prometheus (docs/metrics.md)
    metrics_token: str | None = None  # when set, /metrics wants "Authorization: Bearer <token>"
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line, for a log system

    # Database waits, all bounded: a request that cannot get a connection or a lock in time answers 503 quickly
    db_pool_size: int = Field(10, ge=1, le=1000)  # connections per process for requests; job threads get their own
    db_pool_timeout_seconds: float = Field(0.5, gt=0, le=60)  # wait for a free connection
    db_busy_timeout_seconds: float = Field(5.0, gt=0, le=60)  # SQLite: wait for the write lock
    db_lock_timeout_seconds: float = Field(1.0, ge=0, le=600)  # PostgreSQL lock_timeout; 0: off
    db_statement_timeout_seconds: float = Field(15.0, ge=0, le=3600)  # PostgreSQL statement_timeout; 0: off
    db_idle_in_transaction_timeout_seconds: float = Field(10.0, ge=0, le=3600)  # PostgreSQL; 0: off

    # Admission: requests one client (a token or session cookie, else an address) may have in progress at once
    max_requests_per_client: int = Field(8, ge=1, le=10_000)
    admission_wait_seconds: float = Field(1.0, ge=0, le=60)  # wait for a slot before 503

    # Accounts
    session_ttl_days: int = Field(30, ge=1, le=365)
    cookie_secure: bool = False
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)
    max_concurrent_hashes: int = Field(2, ge=1)
    welcome_bonus: int = Field(100, ge=0)
    require_email_verification: bool = False  # on: generating waits until the link in the welcome mail is used

    # Mail (reset and verification links): SMTP when set, else the link is logged at WARNING (docs/accounts.md)
    smtp_url: str | None = None  # smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465
    mail_from: str = "Avatar Creator <no-reply@localhost>"

    # Rate limits, in `limits` notation; AVATAR_RATE_LIMITS=off turns them all off.
    rate_limits: Literal["on", "off"] = "on"
    rate_limit_login: str = "10/minute"
    rate_limit_login_failures: str = "20/hour"  # failed logins per email, whichever addresses they come from
    rate_limit_register: str = "10/hour"
    rate_limit_generate: str = "30/minute"
    rate_limit_upload: str = "30/minute"
    rate_limit_client_logs: str = "30/minute"  # browser error reports, per signed-in user or else per address
    rate_limit_password_reset: str = "10/hour"  # "forgot password" requests per address
    rate_limit_password_reset_email: str = "3/hour"  # reset mails per email, whichever addresses ask
    rate_limit_api_token: str = "120/minute"  # every request of one personal API token, on top of the limits above
    # While Redis (AVATAR_REDIS_URL) is away: count in each process ("memory"), or answer 503 ("refuse")
    rate_limits_without_redis: Literal["memory", "refuse"] = "memory"

    # Prices in credits
    cost_upload: int = Field(2, ge=0)
    cost_generate: int = Field(10, ge=0)
    cost_from_preset: int = Field(8, ge=0)
    cost_from_reference: int = Field(12, ge=0)
    cost_persona_edit: int = Field(0, ge=0)

    # Files
    storage_quota_bytes: int = Field(1024**3, ge=0)
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1)
    # Uploads decoded at once per process (each may hold ~100 MiB of pixels); more wait this long, then 503
    max_concurrent_decodes: int = Field(2, ge=1, le=64)
    decode_wait_seconds: float = Field(2.0, ge=0, le=60)
    max_json_bytes: int = Field(1024 * 1024, ge=1)  # every body that is not multipart: JSON, web forms
    # Where files live: data_dir/files ("local") or an S3-compatible bucket ("s3", credentials from the AWS variables)
    storage: Literal["local", "s3"] = "local"
    s3_bucket: str = Field("", validate_default=True)
    s3_endpoint_url: str | None = None  # MinIO, R2, Ceph...; unset: AWS
    s3_region: str | None = None
    s3_prefix: str = ""  # keys go under this folder of the bucket, so deployments can share one
    s3_redirect: Literal["on", "off"] = "off"  # on: files answer a 302 to a short-lived presigned URL

    # Jobs
    workers: int = Field(2, ge=0, le=64)
    max_attempts: int = Field(3, ge=1, le=10)
    lease_seconds: float = Field(10.0, gt=0)
    heartbeat_seconds: float = Field(2.0, gt=0)
    max_queue_wait: float = Field(600.0, gt=0)  # seconds a pending job may wait for a worker before NO_WORKER
    worker_poll_seconds: float = Field(1.0, gt=0, le=60)  # longest wait for a doorbell: what a lost ring costs
    reaper_interval_seconds: float = Field(1.0, gt=0, le=60)
    retry_base_seconds: float = Field(2.0, ge=0, le=600)  # backoff before the first retry; doubles each attempt
    retry_max_seconds: float = Field(60.0, ge=0, le=3600)
    shutdown_grace_seconds: float = Field(10.0, ge=0, le=600)  # how long running jobs get to stop at shutdown
    # Retention (avatar_creator/retention.py): finished generations' copies of their prompts go after this many days
    retention_generation_payload_days: int = Field(90, ge=1, le=36500)

    # Providers
    provider: Literal["offline", "huggingface", "diffusers"] = "offline"
    offline_step_delay_ms: int = Field(0, ge=0, le=60_000)
    hf_token: str | None = None
    hf_model: str = "black-forest-labs/FLUX.1-schnell"
    hf_base_url: str | None = None
    hf_timeout_seconds: float = Field(120.0, gt=0)
    hf_provider: str | None = None  # inference provider (hf-inference, fal-ai, replicate...); unset: the library picks
    diffusers_model_path: Path | None = None
    diffusers_device: str = "auto"
    diffusers_steps: int | None = Field(None, ge=1, le=200)
    diffusers_guidance: float | None = Field(None, ge=0)
    prompt_quality_terms: str = DEFAULT_QUALITY_TERMS
    prompt_negative_terms: str = DEFAULT_NEGATIVE_TERMS

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_cors_origins(cls, value: list[str]) -> list[str]:
        # Browsers refuse '*' with credentials, so CORS would have to echo every origin: any site could act as the user.
        if "*" in value:
            raise ValueError("'*' cannot be used: the API allows credentials (cookies), so list the allowed origins")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network like 10.0.0.0/8") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis:// or rediss://")
        return value or None

    @field_validator("metrics_token")
    @classmethod
    def _check_metrics_token(cls, value: str | None) -> str | None:
        if value and len(value) < 16:
            raise ValueError("must be at least 16 characters (or leave it unset: /metrics then needs no token)")
        return value or None

    @field_validator("rate_limit_login", "rate_limit_login_failures", "rate_limit_register", "rate_limit_generate",
                     "rate_limit_upload", "rate_limit_client_logs", "rate_limit_password_reset",
                     "rate_limit_password_reset_email", "rate_limit_api_token")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a rate limit like '10/minute'") from error
        return value

    @field_validator("s3_bucket")
    @classmethod
    def _check_s3_bucket(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("storage") == "s3" and not value:
            raise ValueError("must be set when AVATAR_STORAGE=s3")
        return value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _check_s3_endpoint_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value or None

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if not value:
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError("is not a URL like smtp://user:password@host:587") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must look like smtp://user:password@host:587 or smtps://user:password@host:465")
        return value

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (or leave it empty to generate one)")
        return value

    @model_validator(mode="after")
    def _hf_token_fallback(self) -> Settings:
        if not self.hf_token and os.environ.get("HF_TOKEN"):
            self.hf_token = os.environ["HF_TOKEN"]
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'avatar-creator.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def engine_label(self) -> str:
        """The database without credentials, for start-up lines and logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.resolved_database_url).render_as_string(hide_password=True)

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def previews_dir(self) -> Path:
        """Preset preview images: public, unlike user files."""
        return self.data_dir / "previews"

    @cached_property
    def secret(self) -> bytes:
        """The signing key: the setting, or one generated on first start and kept beside the data."""
        if self.secret_key:
            return self.secret_key.encode()
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return key_file.read_text().strip().encode()

    def rate_limit(self, name: str) -> str:
        return getattr(self, f"rate_limit_{name}")

    def prepare(self) -> None:
        """Create the data folders and fail with one clear line when they cannot be written."""
        for folder in (self.data_dir, self.files_dir):
            try:
                ensure_writable(folder)
            except OSError as error:
                raise ConfigurationError(
                    f"AVATAR_DATA_DIR: cannot write to {folder} ({error.strerror}); choose a writable folder"
                ) from error
        _ = self.secret


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed (for its owner only) and prove a file can be written there; raises ``OSError``
    when not."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    probe = folder / f".write-test-{os.getpid()}"
    probe.write_bytes(b"")
    probe.unlink()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad variable."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as error:
        lines = [
            f"AVATAR_{'_'.join(str(part) for part in issue['loc']).upper()}: {issue['msg']}"
            for issue in error.errors()
        ]
        raise ConfigurationError("; ".join(lines)) from None
