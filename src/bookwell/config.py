"""One settings object, read from the environment (and `.env`), checked at start-up."""

from __future__ import annotations

import ipaddress
import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32
# "aaaa...a" or "1212...12" is long but not random.
MIN_SECRET_DISTINCT_CHARACTERS = 10


# Settings that may carry a password or a key: kept as SecretStr, so no repr, log
# line or error page shows them (`**********`); read with reveal().
_SECRETS = (
    "database_url",
    "redis_url",
    "jwt_secret",
    "admin_password",
    "telegram_bot_token",
    "telegram_webhook_secret",
    "smtp_url",
    "stripe_secret_key",
    "stripe_webhook_secret",
    "s3_secret_access_key",
    "metrics_token",
)


def reveal(secret: SecretStr | None) -> str | None:
    """The value of an optional secret setting, at the one place that uses it."""
    return secret.get_secret_value() if secret is not None else None


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ConfigError(Exception):
    """A setting is missing or unusable; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    app_env: AppEnv = AppEnv.DEVELOPMENT
    debug: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # This server's own address, the base of URLs it hands out (avatars); never
    # taken from a request's Host header. Default: http://HOST:PORT.
    public_url: str | None = None
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed: a comma-separated
    # list of addresses or networks of the reverse proxies, or "*". Default: none, so
    # a client cannot choose the address that rate limits are keyed by.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # /metrics is served only to `Authorization: Bearer METRICS_TOKEN`, or (with
    # METRICS_PORT) on a separate listener bound to 127.0.0.1; neither: not at all.
    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # Where the web app is served: the base of links in emails (accept an invitation).
    web_app_url: str | None = None
    data_dir: Path = Path("./var")

    database_url: SecretStr | None = None
    db_pool_size: int = Field(10, ge=1, le=20)
    db_max_overflow: int = Field(10, ge=0, le=20)
    db_pool_timeout: float = Field(30.0, gt=0)
    redis_url: SecretStr | None = None

    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "bookwell"
    jwt_audience: str = "bookwell-api"
    access_token_ttl_seconds: int = Field(3600, ge=60)
    refresh_token_ttl_days: int = Field(30, ge=1)

    admin_email: str | None = None
    admin_password: SecretStr | None = None

    base_domain: str = "localhost"
    # A specialist's one-person business waits for a super admin like any other when on.
    solo_specialist_needs_approval: bool = False
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    request_timeout_seconds: float = Field(30.0, gt=0)
    shutdown_timeout_seconds: int = Field(30, ge=1)
    log_level: str = "INFO"
    log_format: str | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_auth_max_age_seconds: int = Field(86400, ge=60)

    smtp_url: SecretStr | None = None
    sms_provider: str | None = None
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None

    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_public_url: str | None = None

    avatar_max_bytes: int = Field(5 * 1024 * 1024, ge=1024)

    rate_limits_enabled: bool = True
    rate_limit_login: str = "5 per 15 minutes"
    rate_limit_user_bookings: str = "10 per minute"
    rate_limit_user_payments: str = "3 per minute"
    rate_limit_user_default: str = "100 per hour"
    rate_limit_global_auth: str = "1000 per hour"
    rate_limit_global_default: str = "10000 per hour"
    # One-time codes for guests of a business (seed 002 client verification): per
    # email or phone across all businesses, so no one can flood a person's inbox.
    rate_limit_client_code: str = "5 per hour"
    rate_limit_client_code_ip: str = "20 per hour"
    # Codes that verify an account's email, per account (POST /auth/verify-email/request).
    rate_limit_email_code: str = "5 per hour"

    # How often the API process expires unpaid bookings past their deadline (0: never;
    # then run `bookwell expire-bookings` from cron or a worker).
    expiry_sweep_seconds: float = Field(60.0, ge=0)

    client_code_ttl_minutes: int = Field(10, ge=1, le=60)
    email_code_ttl_minutes: int = Field(30, ge=1, le=1440)
    client_token_ttl_days: int = Field(30, ge=1, le=365)

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network; list the reverse proxies' "
                    "addresses, e.g. 10.0.0.5,10.1.0.0/16 (or * behind a private network)"
                ) from None
        return value

    @field_validator(
        "rate_limit_login",
        "rate_limit_user_bookings",
        "rate_limit_user_payments",
        "rate_limit_user_default",
        "rate_limit_global_auth",
        "rate_limit_global_default",
        "rate_limit_client_code",
        "rate_limit_client_code_ip",
        "rate_limit_email_code",
    )
    @classmethod
    def _parseable_limit(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a rate limit; write e.g. '5 per 15 minutes' or '100/hour'"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator(*_SECRETS, mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("sqlite", "postgresql", "postgres://")
        ):
            raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("redis://", "rediss://")):
            raise ValueError("REDIS_URL must start with redis:// or rediss://")
        return value

    @model_validator(mode="after")
    def _production_guards(self) -> Settings:
        if self.app_env is not AppEnv.PRODUCTION:
            return self
        jwt_secret = reveal(self.jwt_secret)
        if not jwt_secret:
            raise ConfigError("JWT_SECRET is required when APP_ENV=production")
        if (
            len(jwt_secret) < MIN_SECRET_LENGTH
            or len(set(jwt_secret)) < MIN_SECRET_DISTINCT_CHARACTERS
        ):
            raise ConfigError(
                f"JWT_SECRET is too weak for APP_ENV=production: use at least "
                f"{MIN_SECRET_LENGTH} random characters (e.g. `openssl rand -hex 32`)"
            )
        if self.database_url is None:
            raise ConfigError(
                "DATABASE_URL is required when APP_ENV=production (set it to "
                "postgresql://... or, deliberately, to sqlite:///path)"
            )
        if self.debug:
            raise ConfigError("DEBUG must be off when APP_ENV=production")
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @cached_property
    def async_database_url(self) -> str:
        """The configured URL with the async driver picked for its dialect."""
        url = reveal(self.database_url) or f"sqlite:///{(self.data_dir / 'bookwell.db').resolve()}"
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
        if url.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
        return url

    @cached_property
    def signing_secret(self) -> str:
        """JWT_SECRET, or in development one generated once and kept in DATA_DIR."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.data_dir / "jwt_secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        # Created 0600 from the start (never readable by others), and exclusively:
        # when another process (e.g. a second worker) got there first, use its secret.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as file:
            file.write(secret)
        return secret

    @property
    def web_app_base(self) -> str:
        """The web app's address without a trailing slash: WEB_APP_URL, else
        PUBLIC_URL, else this server's http://HOST:PORT."""
        return (self.web_app_url or self.public_base).rstrip("/")

    @property
    def public_base(self) -> str:
        """This server's address without a trailing slash: PUBLIC_URL, else
        http://HOST:PORT."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def json_logs(self) -> bool:
        if self.log_format:
            return self.log_format.lower() == "json"
        return self.is_production


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; a bad value becomes a ConfigError naming the variable."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ConfigError:
        raise
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}" if name else message)
        raise ConfigError("; ".join(problems)) from None
