"""Settings, read from the environment (prefix KEPT_). Nothing is read at import time."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEPT_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./kept.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    default_timezone: str = Field(
        default="UTC", description="Time zone of the tenant created on first start"
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    idempotency_ttl_hours: int = Field(default=48, ge=24)
    database_timeout_seconds: float = Field(default=5.0, gt=0)
    database_pool_size: int = Field(
        default=40, ge=1,
        description="PostgreSQL connections a process keeps open (opened as needed): as many "
                    "as requests run at once in its thread pool, so none opens and closes a "
                    "connection of its own under load",
    )
    log_level: str = "INFO"
    rate_limit_per_second: float = Field(
        default=200.0, ge=0, description="Requests per second per API key; 0 turns limits off"
    )
    key_cache_seconds: float = Field(
        default=1.0, ge=0, le=60,
        description="How long a valid API key's principal is kept in memory; a revoked key "
                    "stops working within this time; 0 looks every request up",
    )
    rate_limit_burst: int = Field(default=400, ge=1, description="Requests at once per key")
    public_rate_limit_per_minute: float = Field(
        default=60.0, ge=0,
        description="Public status requests per minute per client IP; 0 turns the limit off",
    )
    public_rate_limit_burst: int = Field(
        default=60, ge=1, description="Public status requests at once per client IP"
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhooks to private, loopback and link-local addresses (SSRF guard)",
    )
    run_worker: bool = Field(
        default=False, description="Run the worker inside the server process (serve --with-worker)"
    )

    session_secret: str | None = Field(
        default=None,
        description="Signs dashboard session cookies; when unset, a secret is generated per "
                    "process and every dashboard session ends when Kept restarts",
    )

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
