"""Settings, read from the environment and an optional `.env` file."""

from functools import lru_cache
from typing import Annotated, Literal

from limits import parse
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-in-production"  # noqa: S105 - the value production must refuse
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./cunservicios.db"
    migration_database_url: str | None = None
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_echo: bool = False

    secret_key: str = DEFAULT_SECRET_KEY
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_expire_minutes: int = Field(default=60, ge=1, le=60 * 24)

    cors_origins: Annotated[list[str], NoDecode] = []
    # Behind HTTPS (at the service or its proxy): browsers are told to use only HTTPS for this
    # long (Strict-Transport-Security). 0: not sent.
    hsts_seconds: int = Field(default=0, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_request_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_upload_bytes: int = Field(default=50_000_000, ge=1024)  # CSV uploads of readings
    tenant_cache_ttl_seconds: float = Field(default=30.0, ge=0)
    pdf_workers: int = Field(default=2, ge=1, le=64)  # PDF rendering processes per server
    # Jobs (billing runs, ...): run in this process, or queued for `python -m app worker`.
    # Unset: in-process on SQLite, the queue on PostgreSQL.
    jobs_in_process: bool | None = None
    job_attempts: int = Field(default=3, ge=1, le=20)  # a job that fails is retried up to this
    # A worker silent this long is dead: the jobs it was running are queued again.
    job_stalled_seconds: float = Field(default=30.0, ge=1.0)
    # An export of more rows than this becomes a job whose file is kept this many hours.
    export_job_rows: int = Field(default=50_000, ge=1)
    export_file_hours: int = Field(default=24, ge=1, le=24 * 30)
    # A billing period may be created ahead of time, but its issue date at most this far off.
    max_issue_days_ahead: int = Field(default=62, ge=0, le=366)

    # Failed logins: per account (tenant + e-mail) and per client address.
    login_failures_per_account: str = "5/5 minutes"
    login_failures_per_address: str = "30/5 minutes"
    # Where request budgets are counted; unset: Redis when REDIS_URL is set, else memory.
    rate_limit_storage_uri: str | None = None
    # The portal (role cliente): requests per user and per address, filing PQRs and
    # downloading PDFs per user (limits' notation: "N/second|minute|hour|day").
    portal_rate_limit: str = "120/minute"
    portal_address_rate_limit: str = "600/minute"
    portal_pqr_rate_limit: str = "10/hour"
    portal_pdf_rate_limit: str = "30/minute"
    # Shared state of the replicas (rate limits, the tenant cache, report results). Optional:
    # without it each process keeps its own, and the service keeps answering if it goes down.
    redis_url: str | None = None
    # How long a report's result is kept in Redis (billing runs and payments drop it sooner).
    report_cache_seconds: int = Field(default=300, ge=1)

    # E-mail. No SMTP_HOST: every message is written to MAIL_OUTBOX_DIR as an .eml file.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "Cunservicios <no-responder@cunservicios.local>"
    mail_outbox_dir: str = "./outbox"
    # A send that fails is tried again this many times in all, waiting this long, then twice
    # that, and so on, before it ends fallido.
    mail_attempts: int = Field(default=4, ge=1, le=10)
    mail_retry_seconds: float = Field(default=30.0, ge=0)

    # Incidents: the platform operators notified by e-mail, at most once per incident per
    # window; repeats within the window are counted on the incident.
    alert_emails: Annotated[list[str], NoDecode] = []
    incident_window_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)

    # /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`; unset, it is off.
    metrics_token: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        """`warning` (uvicorn's spelling) and `WARNING` (logging's) are the same level."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cors_origins", "alert_emails", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("login_failures_per_account", "login_failures_per_address",
                     "portal_rate_limit", "portal_address_rate_limit", "portal_pqr_rate_limit",
                     "portal_pdf_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '120/minute': {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _refuse_weak_secret_outside_development(self) -> "Settings":
        if self.environment == "development":
            return self
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} "
                f"characters when ENVIRONMENT={self.environment} "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        return self

    @property
    def runs_jobs_in_process(self) -> bool:
        if self.jobs_in_process is not None:
            return self.jobs_in_process
        return not self.database_url.startswith("postgresql")

    @property
    def migration_url(self) -> str:
        """Migrations run as the schema owner; the service may connect as a lesser role."""
        return self.migration_database_url or self.database_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
